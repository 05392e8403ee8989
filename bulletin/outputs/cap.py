"""CAP 1.2: each briefing with an alert publishes a chain of messages, and /alerts.xml indexes them.

Message 0 is the ``Alert`` (sent at the briefing's date), then one ``Update`` per entry of
``updates`` (oldest first), then a ``Cancel`` when ``alert.cancel`` is set. Every Update and
Cancel references all earlier messages of the chain. Aggregators treat published messages as
immutable: see :func:`keep_published` for how later builds honour that.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ..cache import Memo
from ..config import SiteConfig
from ..content.model import Briefing
from ..errors import Problems
from ..fields import Moment
from ..site import Site
from .xml import ATOM, CAP, element, to_bytes

INDEX_WINDOW = dt.timedelta(hours=48)  # superseded or expired messages stay in /alerts.xml this long
HEADLINE_LIMIT = 140


@dataclass(frozen=True)
class Message:
    briefing: Briefing
    number: int
    msg_type: str  # Alert, Update or Cancel
    identifier: str
    sender: str
    sent: dt.datetime
    expires: dt.datetime
    note: str | None  # the reason of a Cancel

    @property
    def reference(self) -> str:
        return f"{self.sender},{self.identifier},{timestamp(self.sent)}"

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath("briefings", self.briefing.slug, "cap", f"{self.number}.xml")


def timestamp(moment: dt.datetime) -> str:
    """CAP's date-time: seconds and a numeric offset, never ``Z`` (the schema's pattern)."""
    return moment.replace(microsecond=0).isoformat()


def chain(briefing: Briefing, config: SiteConfig) -> list[Message]:
    if briefing.alert is None:
        return []
    host = urlsplit(config.base_url).hostname or "localhost"
    sender = config.organisation.cap_sender or host
    steps: list[tuple[str, dt.datetime, str | None]] = [("Alert", briefing.date.at, None)]
    steps += [("Update", update.date.at, None) for update in briefing.updates]
    if briefing.alert.cancel:
        steps.append(("Cancel", briefing.modified.at, briefing.alert.cancel))
    messages = []
    for number, (msg_type, sent, note) in enumerate(steps):
        expires = briefing.expires.at if briefing.expires else sent + dt.timedelta(hours=config.alert_hours)
        identifier = f"{host}:briefing:{briefing.slug}:{number}"
        messages.append(Message(briefing, number, msg_type, identifier, sender, sent, expires, note))
    return messages


def message_xml(message: Message, earlier: list[Message], site: Site, level_id: str | None) -> bytes:
    config = site.config
    b = message.briefing
    root = element(None, "alert", xmlns=CAP)
    for name, value in (
        ("identifier", message.identifier),
        ("sender", message.sender),
        ("sent", timestamp(message.sent)),
        ("status", b.alert.status if b.alert else "Actual"),
        ("msgType", message.msg_type),
        ("scope", "Public"),
    ):
        element(root, name, value)
    if message.note:
        element(root, "note", message.note)
    if earlier:
        element(root, "references", " ".join(m.reference for m in earlier))
    element(root, "incidents", b.slug)
    info = element(root, "info")
    level = config.level(level_id) if level_id else None
    cap_map = level.cap if level else None
    response = "None" if message.msg_type == "Cancel" else (b.alert.response if b.alert else "Monitor")
    fields = [
        ("language", config.language),
        ("category", "Security"),
        ("event", f"{level.label} threat level" if level else "Security briefing"),
        ("responseType", response),
        ("urgency", cap_map.urgency if cap_map else "Unknown"),
        ("severity", cap_map.severity if cap_map else "Unknown"),
        ("certainty", cap_map.certainty if cap_map else "Unknown"),
        ("expires", timestamp(message.expires)),
        ("senderName", config.organisation.name),
        ("headline", b.title),
        ("description", description(b, message)),
        ("instruction", b.advice_text or None),
        ("web", config.base_url + f"briefings/{b.slug}/"),
        ("contact", config.organisation.contact),
    ]
    for name, value in fields:
        if value:
            element(info, name, value.strip())
    area = element(info, "area")
    element(area, "areaDesc", b.area or b.region or config.title)
    return to_bytes(root)


def description(b: Briefing, message: Message) -> str:
    """Plain text: the summary, then the body (and why, for a Cancel); no Markdown, no HTML."""
    parts = [b.summary, b.body_text]
    if message.msg_type == "Update":
        update = b.updates[message.number - 1]
        parts.insert(0, f"Update: {update.note}")
    if message.note:
        parts.insert(0, f"Cancelled: {message.note}")
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


@dataclass
class CapOutput:
    files: dict[PurePosixPath, bytes]
    messages: list[Message]  # every message of every chain
    next_expiry: tuple[dt.datetime, Message] | None


def cap_outputs(site: Site, problems: Problems, memo: Memo | None = None) -> CapOutput:
    files: dict[PurePosixPath, bytes] = {}
    messages: list[Message] = []
    for b in site.published:
        if b.alert is None:
            continue
        if len(b.title) > HEADLINE_LIMIT:
            problems.warning(b.path, 1, f"title is {len(b.title)} characters; CAP headlines should stay under 140")
        level = b.threat_level or (site.level_at(b.date.at).level if site.level_at(b.date.at) else None)
        briefing_chain = chain(b, site.config)
        check_chain(briefing_chain, b, problems)
        inputs = (b, site.config, level)
        kept = memo.get("cap", b.slug, inputs) if memo is not None else None
        if kept is None or Memo.missing(kept):
            kept = [message_xml(m, briefing_chain[:i], site, level) for i, m in enumerate(briefing_chain)]
            if memo is not None:
                memo.put("cap", b.slug, inputs, kept)
        for message, data in zip(briefing_chain, kept, strict=True):  # type: ignore[arg-type]
            files[message.path] = data
        files[PurePosixPath("briefings", b.slug, "alert.xml")] = files[briefing_chain[-1].path]
        messages.extend(briefing_chain)
    files[PurePosixPath("alerts.xml")], next_expiry = alerts_index(site, messages)
    return CapOutput(files, messages, next_expiry)


def check_chain(messages: list[Message], b: Briefing, problems: Problems) -> None:
    """The rules the schema cannot express: references point back in time, expires after sent."""
    for index, message in enumerate(messages):
        for earlier in messages[:index]:
            if earlier.sent > message.sent:
                problems.error(
                    b.path, 1, f"CAP message {message.number} is sent before message {earlier.number} it updates"
                )
        if message.expires <= message.sent:
            problems.error(
                b.path,
                1,
                f"CAP message {message.number} ({message.msg_type}, sent {timestamp(message.sent)}) would expire "
                f"at {timestamp(message.expires)}, not after it was sent; move expires later",
            )


def alerts_index(site: Site, messages: list[Message]) -> tuple[bytes, tuple[dt.datetime, Message] | None]:
    """The Atom index aggregators poll: messages in force, and those ended in the last 48 hours."""
    now = site.now
    by_briefing: dict[str, list[Message]] = {}
    for message in messages:
        if message.sent <= now:
            by_briefing.setdefault(message.briefing.slug, []).append(message)
    shown: list[Message] = []
    for sent_chain in by_briefing.values():
        latest = sent_chain[-1]
        if latest.expires > now - INDEX_WINDOW:
            shown.append(latest)  # in force, or expired in the last 48 hours
        for older, newer in zip(sent_chain, sent_chain[1:], strict=False):
            if newer.sent > now - INDEX_WINDOW:
                shown.append(older)  # superseded in the last 48 hours
    shown.sort(key=lambda m: (m.sent, m.identifier), reverse=True)
    in_force = [m for m in shown if m is by_briefing[m.briefing.slug][-1] and m.expires > now]
    next_expiry = min(((m.expires, m) for m in in_force), key=lambda pair: pair[0], default=None)
    config = site.config
    feed = element(None, "feed", xmlns=ATOM)
    element(feed, "id", config.base_url + "alerts.xml")
    element(feed, "title", f"{config.title}: CAP alerts")
    updated = max((m.sent for m in shown), default=now)
    element(feed, "updated", Moment(updated).iso())
    element(feed, "link", rel="self", href=config.base_url + "alerts.xml", type="application/atom+xml")
    author = element(feed, "author")
    element(author, "name", config.organisation.name)
    for message in shown:
        entry = element(feed, "entry")
        element(entry, "id", config.base_url + str(message.path))
        prefix = "" if message.msg_type == "Alert" else f"{message.msg_type}: "
        element(entry, "title", prefix + message.briefing.title)
        element(entry, "updated", Moment(message.sent).iso())
        element(entry, "summary", message.briefing.summary)
        element(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=config.base_url + str(message.path),
        )
        element(
            entry,
            "link",
            rel="related",
            type="text/html",
            href=config.base_url + f"briefings/{message.briefing.slug}/",
        )
    return to_bytes(feed), next_expiry


_IDENTIFIER = re.compile(rb"<identifier>([^<]*)</identifier>")


def keep_published(files: dict[PurePosixPath, bytes], output: Path, problems: Problems) -> None:
    """A published CAP message never changes: where the current output holds message n with the same
    identifier but other bytes (the briefing was edited without an update), keep the published bytes."""
    changed: dict[str, list[str]] = {}
    for path in sorted(files, key=str):
        if len(path.parts) != 4 or path.parts[0] != "briefings" or path.parts[2] != "cap":
            continue
        try:
            old = output.joinpath(*path.parts).read_bytes()
        except OSError:  # not published yet, or a concurrent build just swapped the output away
            continue
        new = files[path]
        old_id, new_id = _IDENTIFIER.search(old), _IDENTIFIER.search(new)
        if old != new and old_id and new_id and old_id.group(1) == new_id.group(1):
            files[path] = old
            changed.setdefault(path.parts[1], []).append(path.stem)
    for slug, numbers in changed.items():
        messages = sorted(files_for(files, slug), key=lambda p: int(p.stem))
        files[PurePosixPath("briefings", slug, "alert.xml")] = files[messages[-1]]
        problems.warning(
            f"briefings/{slug}",
            1,
            f"CAP message {', '.join(numbers)} of '{slug}' was published with other text and is kept as published; "
            "add an entry to updates to publish the change",
        )


def files_for(files: dict[PurePosixPath, bytes], slug: str) -> list[PurePosixPath]:
    return [p for p in files if len(p.parts) == 4 and p.parts[:3] == ("briefings", slug, "cap")]
