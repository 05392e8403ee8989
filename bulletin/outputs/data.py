"""Files for machines rather than readers: each a site path and its bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from .languages import Edition
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
    translated: Sequence[tuple[Edition, ViewBuilder, Memo | None]] = (),
    languages: Mapping[PurePosixPath, Sequence[tuple[str, str]] | None] | None = None,
) -> DataOutput:
    """Feeds, CAP messages, the alerts index, the sitemap and the search index of the main language,
    then the feeds and search index of each ``translated`` edition. ``languages`` gives each page's
    versions for the sitemap (None: a page that repeats another language's content, left out)."""
    listed = views.listed()
    latest = listed[: site.config.feed_size]
    translated_views = [(edition, edition_views) for edition, edition_views, _ in translated]
    cap = cap_outputs(site, record, problems, memo)
    index, next_change, next_expiry = alerts_index(
        site.config,
        cap.published,
        site.now,
        (b.slug for b in site.on_pages),
        [*scheduled_messages(site), *(Upcoming(when, what) for when, what in cap.later)],
    )
    lastmod = {
        edition.file(PurePosixPath(b.url.lstrip("/")) / "index.html"): b.modified.at.isoformat()
        for edition, edition_views in [(Edition(site.config.language, "", site), views), *translated_views]
        for b in edition_views.on_pages()
    }
    files = {
        **search_index(views.on_pages(), listed, [views.page(p) for p in site.pages], memo, site.config.language),
        PurePosixPath("feed.xml"): atom_feed(site, latest),
        PurePosixPath("feed.json"): json_feed(site, latest),
        **sitemap_files(site, html_pages, lastmod, languages),
        PurePosixPath("robots.txt"): robots(site),
        PurePosixPath("alerts.xml"): index,
        **cap.files,
    }
    for edition, edition_views, edition_memo in translated:
        files.update(edition_files(edition, edition_views, edition_memo))
    return DataOutput(files, cap.new, next_change, next_expiry)


def edition_files(edition: Edition, views: ViewBuilder, memo: Memo | None) -> dict[PurePosixPath, bytes]:
    """A translation's own feeds and search index, under its prefix."""
    site = edition.site
    listed = views.listed()
    latest = listed[: site.config.feed_size]
    files = {
        PurePosixPath("feed.xml"): atom_feed(site, latest, edition.prefix),
        PurePosixPath("feed.json"): json_feed(site, latest, edition.prefix),
        **search_index(views.on_pages(), listed, [views.page(p) for p in site.pages], memo, site.config.language),
    }
    return {edition.file(path): data for path, data in files.items()}


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
