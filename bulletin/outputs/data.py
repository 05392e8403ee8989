"""Files for machines rather than readers: each a site path and its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ..cache import Memo
from ..errors import Problems
from ..published import Record
from ..site import Site
from ..views import ViewBuilder
from .alerts_index import Upcoming, alerts_index
from .cap import NewMessage, cap_outputs, chain
from .feeds import atom_feed, json_feed
from .search import search_index
from .sitemap import robots, sitemap_files


@dataclass
class DataOutput:
    files: dict[PurePosixPath, bytes]
    new_messages: dict[tuple[str, int], NewMessage]  # CAP messages published now for the first time
    next_index_change: Upcoming | None  # when /alerts.xml will next differ
    next_expiry: Upcoming | None  # the next CAP message in force to expire


def data_files(
    site: Site,
    views: ViewBuilder,
    html_pages: list[PurePosixPath],
    problems: Problems,
    record: Record,
    memo: Memo | None = None,
) -> DataOutput:
    listed = views.listed()
    latest = listed[: site.config.feed_size]
    cap = cap_outputs(site, record, problems, memo)
    index, next_change, next_expiry = alerts_index(
        site.config,
        cap.published,
        site.now,
        (b.slug for b in site.on_pages),
        [*scheduled_messages(site), *(Upcoming(when, what) for when, what in cap.later)],
    )
    lastmod = {PurePosixPath(b.url.lstrip("/")) / "index.html": b.modified.at.isoformat() for b in views.on_pages()}
    files = {
        **search_index(views.on_pages(), listed, [views.page(p) for p in site.pages], memo),
        PurePosixPath("feed.xml"): atom_feed(site, latest),
        PurePosixPath("feed.json"): json_feed(site, latest),
        **sitemap_files(site, html_pages, lastmod),
        PurePosixPath("robots.txt"): robots(site),
        PurePosixPath("alerts.xml"): index,
        **cap.files,
    }
    return DataOutput(files, cap.new, next_change, next_expiry)


def scheduled_messages(site: Site) -> list[Upcoming]:
    """CAP messages whose time has not come: an alert dated later, an update, a cancel, an embargo."""
    if site.include_drafts:
        return []
    upcoming = []
    for b in site.briefings:
        if b.draft or b.alert is None:
            continue
        release = b.publish_at.at if b.publish_at else None
        for message in chain(b, site.config):
            when = max(message.sent, release) if release else message.sent
            if when > site.now:
                upcoming.append(Upcoming(when, f"{message.path} ({message.msg_type}) is published"))
    return upcoming
