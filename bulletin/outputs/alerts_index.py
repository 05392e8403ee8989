"""/alerts.xml: the Atom index of CAP messages that alert hubs poll.

It lists, newest first, each briefing's latest message while it is in force, plus every message
that ended (expired, or superseded by a newer one) in the last 48 hours, as Google asks. Each
entry carries the message's ``cap:`` fields, so MeteoAlarm-style hubs can filter without fetching
the message. Everything is computed from the published bytes and ``now``, so the feed's
``updated`` (the last moment its content changed) never moves backwards as ``now`` advances.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from ..config import SiteConfig
from ..fields import Moment
from .cap import Published, timestamp
from .xml import ATOM, CAP, element, to_bytes

WINDOW = dt.timedelta(hours=48)  # ended messages stay in the index this long


@dataclass(frozen=True)
class Upcoming:
    when: dt.datetime
    what: str


def _ends(chain: list[Published]) -> list[dt.datetime]:
    """When each message stops being current: it expires or a newer one supersedes it."""
    return [min(m.expires, chain[i + 1].sent) if i + 1 < len(chain) else m.expires for i, m in enumerate(chain)]


def alerts_index(
    config: SiteConfig,
    published: dict[str, list[Published]],
    now: dt.datetime,
    with_pages: Iterable[str],
    scheduled: Iterable[Upcoming] = (),
) -> tuple[bytes, Upcoming | None, Upcoming | None]:
    """The feed, its next change, and the next expiry of a message in force."""
    pages = set(with_pages)
    shown: list[Published] = []
    changes: list[dt.datetime] = []  # moments the content changed, at or before now
    upcoming: list[Upcoming] = list(scheduled)
    expiring: list[Upcoming] = []
    for chain in published.values():
        for message, ends in zip(chain, _ends(chain), strict=True):
            if message.sent > now:
                continue
            changes.append(message.sent)
            leaves = ends + WINDOW
            if leaves <= now:
                changes.append(leaves)
                continue
            shown.append(message)
            upcoming.append(Upcoming(leaves, f"{message.path} leaves the index"))
            if ends > now and message is chain[-1]:
                expiring.append(Upcoming(message.expires, f"{message.path} expires"))
    shown.sort(key=lambda m: (m.sent, m.identifier), reverse=True)
    feed = element(None, "feed", xmlns=ATOM, **{"xmlns:cap": CAP})
    element(feed, "id", config.base_url + "alerts.xml")
    element(feed, "title", f"{config.title}: CAP alerts")
    element(feed, "updated", Moment(max(changes, default=_epoch(config))).iso())
    element(feed, "link", rel="self", href=config.base_url + "alerts.xml", type="application/atom+xml")
    author = element(feed, "author")
    element(author, "name", config.organisation.name)
    for message in shown:
        _entry(feed, config, message, message.slug in pages)
    next_change = min((u for u in upcoming if u.when > now), key=lambda u: u.when, default=None)
    next_expiry = min(expiring, key=lambda u: u.when, default=None)
    return to_bytes(feed), next_change, next_expiry


def _entry(feed: ET.Element, config: SiteConfig, message: Published, has_page: bool) -> None:
    entry = element(feed, "entry")
    url = config.base_url + str(message.path)
    element(entry, "id", url)
    prefix = "" if message.msg_type == "Alert" else f"{message.msg_type}: "
    element(entry, "title", prefix + message.headline)
    element(entry, "updated", timestamp(message.sent))
    element(entry, "summary", message.summary or message.headline)
    element(entry, "link", rel="alternate", type="application/cap+xml", href=url)
    if has_page:
        element(entry, "link", rel="related", type="text/html", href=config.base_url + f"briefings/{message.slug}/")
    fields = dict(message.fields)
    for name, value in (
        ("identifier", message.identifier),
        ("sent", timestamp(message.sent)),
        ("status", message.status),
        ("msgType", message.msg_type),
        ("event", fields.get("event")),
        ("urgency", fields.get("urgency")),
        ("severity", fields.get("severity")),
        ("certainty", fields.get("certainty")),
        ("onset", fields.get("onset")),
        ("expires", timestamp(message.expires)),
        ("areaDesc", fields.get("areaDesc")),
    ):
        if value:
            element(entry, f"cap:{name}", value)


def _epoch(config: SiteConfig) -> dt.datetime:
    """An index that never held a message last changed at the start of time, not at each build."""
    return dt.datetime(1970, 1, 1, tzinfo=config.tz)
