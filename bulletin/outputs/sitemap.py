"""/sitemap.xml (sitemaps.org 0.9) of the published HTML pages, and /robots.txt pointing at it."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..site import Site
from .xml import SITEMAP, element, to_bytes


def sitemap(site: Site, pages: list[PurePosixPath], lastmod: dict[PurePosixPath, str]) -> bytes:
    """``pages`` are output paths (``briefings/x/index.html``); URLs are the folder URLs a host serves."""
    root = element(None, "urlset", xmlns=SITEMAP)
    for path in sorted(pages, key=str):
        if path.name != "index.html":
            continue  # 404.html and other stand-alone files are not pages to index
        folder = str(path.parent) + "/" if str(path.parent) != "." else ""
        url = element(root, "url")
        element(url, "loc", site.config.base_url + folder)
        if path in lastmod:
            element(url, "lastmod", lastmod[path])
    return to_bytes(root)


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.config.base_url}sitemap.xml\n".encode()
