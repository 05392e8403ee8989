"""/sitemap.xml (sitemaps.org 0.9) of the published HTML pages, and /robots.txt pointing at it.

The protocol allows at most 50,000 URLs and 50 MB per sitemap file. A bigger site gets a sitemap
index at /sitemap.xml that points at /sitemap-1.xml, /sitemap-2.xml, ... each within both limits;
robots.txt names /sitemap.xml either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from ..site import Site
from .xml import SITEMAP, element, to_bytes

MAX_URLS = 50_000  # per sitemap file (sitemaps.org)
MAX_BYTES = 50 * 1024 * 1024  # per sitemap file, uncompressed (sitemaps.org)
INDEX = PurePosixPath("sitemap.xml")
XHTML = "http://www.w3.org/1999/xhtml"
Url = tuple[str, str | None, tuple[tuple[str, str], ...]]  # location, lastmod, (language, URL) of each version


def sitemap_files(
    site: Site,
    pages: list[PurePosixPath],
    lastmod: dict[PurePosixPath, str],
    languages: Mapping[PurePosixPath, Sequence[tuple[str, str]] | None] | None = None,
) -> dict[PurePosixPath, bytes]:
    """``/sitemap.xml``, and the parts a sitemap index points at when one file cannot hold every URL.

    ``pages`` are output paths (``briefings/x/index.html``); URLs are the folder URLs a host serves.
    ``languages`` gives a page's versions in each language (``xhtml:link`` alternates, as search
    engines read them), or None for a page that only repeats another's content (left out).
    """
    urls = _urls(site, pages, lastmod, languages or {})
    whole = _urlset(urls)
    if len(urls) <= MAX_URLS and len(whole) <= MAX_BYTES:
        return {INDEX: whole}
    parts: list[tuple[bytes, str | None]] = []
    for start in range(0, len(urls), MAX_URLS):
        _split(urls[start : start + MAX_URLS], parts)
    files: dict[PurePosixPath, bytes] = {}
    root = element(None, "sitemapindex", xmlns=SITEMAP)
    for number, (data, newest) in enumerate(parts, 1):
        path = PurePosixPath(f"sitemap-{number}.xml")
        files[path] = data
        entry = element(root, "sitemap")
        element(entry, "loc", site.config.base_url + str(path))
        if newest is not None:
            element(entry, "lastmod", newest)
    return {INDEX: to_bytes(root), **files}


def _urls(
    site: Site,
    pages: list[PurePosixPath],
    lastmod: dict[PurePosixPath, str],
    languages: Mapping[PurePosixPath, Sequence[tuple[str, str]] | None],
) -> list[Url]:
    """Every page to index, in path order."""
    urls = []
    for path in sorted(pages, key=str):
        if path.name != "index.html":
            continue  # 404.html and other stand-alone files are not pages to index
        versions = languages.get(path, ())
        if versions is None:
            continue
        folder = str(path.parent) + "/" if str(path.parent) != "." else ""
        urls.append((site.config.base_url + folder, lastmod.get(path), tuple(versions) if len(versions) > 1 else ()))
    return urls


def _urlset(urls: list[Url]) -> bytes:
    root = element(None, "urlset", xmlns=SITEMAP)
    if any(versions for _, _, versions in urls):
        root.set("xmlns:xhtml", XHTML)
    for loc, modified, versions in urls:
        url = element(root, "url")
        element(url, "loc", loc)
        if modified is not None:
            element(url, "lastmod", modified)
        for lang, href in versions:
            element(url, "xhtml:link", rel="alternate", hreflang=lang, href=href)
    return to_bytes(root)


def _split(urls: list[Url], parts: list[tuple[bytes, str | None]]) -> None:
    """Append ``urls`` to ``parts`` as one sitemap, or halved until each half is within MAX_BYTES."""
    data = _urlset(urls)
    if len(data) > MAX_BYTES and len(urls) > 1:
        half = len(urls) // 2
        _split(urls[:half], parts)
        _split(urls[half:], parts)
        return
    parts.append((data, _newest(modified for _, modified, _ in urls)))


def _newest(values: Iterable[str | None]) -> str | None:
    """The latest of some W3C date-times (compared as instants, offsets and all), as written."""
    known = [v for v in values if v is not None]
    return max(known, key=_instant) if known else None


def _instant(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.config.base_url}sitemap.xml\n".encode()
