"""Feeds for readers' software: Atom 1.0 (RFC 4287) and JSON Feed 1.1, with the same entries."""

from __future__ import annotations

import html
import json
from urllib.parse import urlsplit

from ..i18n import load_interface
from ..site import Site
from ..views import BriefingView
from .xml import ATOM, element, to_bytes


def absolute(site: Site, path: str) -> str:
    return site.config.base_url + path.lstrip("/")


def entry_id(site: Site, b: BriefingView, prefix: str = "") -> str:
    """A tag URI (RFC 4151): stable when the briefing's text, title or even base URL path change; a
    translation's feed names its own edition (``prefix``), since its entries are other documents."""
    host = urlsplit(site.config.base_url).hostname or "localhost"
    return f"tag:{host},{b.date.at.date().isoformat()}:{prefix.lstrip('/')}{'/' if prefix else ''}briefings/{b.slug}"


def advice_heading(language: str) -> str:
    """The heading of the advice in a feed entry, in the feed's language, as the briefing page has it."""
    return load_interface(language).translations.gettext("Advice to the public")


def authors(site: Site, b: BriefingView) -> list[str]:
    return [p.name for p in b.spokespeople] or [site.config.organisation.name]


def atom_feed(site: Site, entries: list[BriefingView], prefix: str = "") -> bytes:
    """The Atom feed of one edition: the main language's (``prefix`` "") or a translation's."""
    config = site.config
    feed = element(None, "feed", xmlns=ATOM)
    feed.set("xml:lang", config.language)
    element(feed, "id", absolute(site, prefix + "/"))
    element(feed, "title", config.title)
    if config.description:
        element(feed, "subtitle", config.description)
    updated = max((b.modified.at for b in entries), default=site.now)
    element(feed, "updated", updated.isoformat())
    element(feed, "link", rel="self", type="application/atom+xml", href=absolute(site, prefix + "/feed.xml"))
    element(feed, "link", rel="alternate", type="text/html", href=absolute(site, prefix + "/"))
    author = element(feed, "author")
    element(author, "name", config.organisation.name)
    if config.organisation.url:
        element(author, "uri", config.organisation.url)
    element(feed, "generator", "Bulletin")
    advice = advice_heading(config.language)
    for b in entries:
        url = absolute(site, prefix + b.url)
        entry = element(feed, "entry")
        if b.lang != config.language:  # a briefing not yet translated, in the main language
            entry.set("xml:lang", b.lang)
        element(entry, "id", entry_id(site, b, prefix))
        element(entry, "title", b.title, type="text")
        element(entry, "published", b.date.at.isoformat())
        element(entry, "updated", b.modified.at.isoformat())
        element(entry, "link", rel="alternate", type="text/html", href=url)
        for name in authors(site, b):
            element(element(entry, "author"), "name", name)
        for tag in b.tags:
            element(entry, "category", term=tag.url.strip("/").split("/")[-1], label=tag.name)
        element(entry, "summary", b.summary, type="text")
        content = element(entry, "content", entry_html(b, advice), type="html")
        content.set("xml:base", url)
    return to_bytes(feed)


def entry_html(b: BriefingView, advice: str) -> str:
    """The full, sanitised briefing as one HTML fragment: advice first (under ``advice``), as on the page."""
    parts = []
    if b.advice_html:
        parts.append(f"<h2>{html.escape(advice)}</h2>\n{b.advice_html}")
    parts.append(b.body_html)
    return "\n".join(parts)


def json_feed(site: Site, entries: list[BriefingView], prefix: str = "") -> bytes:
    config = site.config
    advice = advice_heading(config.language)
    items = []
    for b in entries:
        item = {
            "id": entry_id(site, b, prefix),
            "url": absolute(site, prefix + b.url),
            "title": b.title,
            "summary": b.summary,
            "content_html": entry_html(b, advice),
            "date_published": b.date.at.isoformat(),
            "date_modified": b.modified.at.isoformat(),
            "authors": [{"name": name} for name in authors(site, b)],
            "tags": [t.name for t in b.tags],
            "language": b.lang,
        }
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": absolute(site, prefix + "/"),
        "feed_url": absolute(site, prefix + "/feed.json"),
        "language": config.language,
        "authors": [
            {"name": config.organisation.name, **({"url": config.organisation.url} if config.organisation.url else {})}
        ],
        "items": items,
    }
    if config.description:
        feed["description"] = config.description
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
