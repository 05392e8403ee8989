"""Files for machines rather than readers: each a site path and its bytes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..cache import Memo
from ..errors import Problems
from ..site import Site
from ..views import ViewBuilder
from .cap import Message, cap_outputs
from .feeds import atom_feed, json_feed
from .search import search_index
from .sitemap import robots, sitemap


@dataclass
class DataOutput:
    files: dict[PurePosixPath, bytes]
    next_expiry: tuple[dt.datetime, Message] | None  # the next CAP message in /alerts.xml to expire


def data_files(
    site: Site, views: ViewBuilder, html_pages: list[PurePosixPath], problems: Problems, memo: Memo | None = None
) -> DataOutput:
    listed = views.listed()
    latest = listed[: site.config.feed_size]
    cap = cap_outputs(site, problems, memo)
    lastmod = {PurePosixPath(b.url.lstrip("/")) / "index.html": b.modified.at.isoformat() for b in views.on_pages()}
    files = {
        PurePosixPath("search.json"): search_index(listed, [views.page(p) for p in site.pages]),
        PurePosixPath("feed.xml"): atom_feed(site, latest),
        PurePosixPath("feed.json"): json_feed(site, latest),
        PurePosixPath("sitemap.xml"): sitemap(site, html_pages, lastmod),
        PurePosixPath("robots.txt"): robots(site),
        **cap.files,
    }
    return DataOutput(files, cap.next_expiry)
