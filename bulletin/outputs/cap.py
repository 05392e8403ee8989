"""CAP 1.2: each briefing with an alert publishes a chain of messages, and /alerts.xml indexes them.

Message 0 is the ``Alert`` (sent at the briefing's date), then one ``Update`` per entry of
``updates`` already due (oldest first), then a ``Cancel`` once ``alert.cancel.at`` is due.
Every Update and Cancel references all earlier messages of the chain. A message that the
record (``published/``) holds is published byte for byte as recorded; one it does not hold yet
is made from today's sources and handed back to be recorded.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from ..cache import Memo
from ..config import SiteConfig
from ..content.model import Briefing
from ..errors import Problems
from ..published import Record, record_path
from ..site import Site
from .areamap import cap_circle, cap_polygon
from .xml import CAP, element, to_bytes

HEADLINE_LIMIT = 140
_NS = {"c": CAP}


@dataclass(frozen=True)
class Message:
    """One message of a chain as today's sources give it."""

    briefing: Briefing
    number: int
    msg_type: str  # Alert, Update or Cancel
    identifier: str
    sender: str
    sent: dt.datetime
    expires: dt.datetime
    line: int  # of the date that sends it, in the briefing's source

    @property
    def path(self) -> PurePosixPath:
        return message_path(self.briefing.slug, self.number)


@dataclass(frozen=True)
class Published:
    """A message as published (recorded or new): its bytes and the fields indexes need, read from them."""

    slug: str
    number: int
    data: bytes
    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    expires: dt.datetime
    fields: tuple[tuple[str, str], ...]  # event, urgency, severity, certainty, onset, areaDesc
    headline: str
    summary: str

    @property
    def path(self) -> PurePosixPath:
        return message_path(self.slug, self.number)

    @property
    def reference(self) -> str:
        return f"{self.sender},{self.identifier},{timestamp(self.sent)}"


def message_path(slug: str, number: int) -> PurePosixPath:
    return PurePosixPath("briefings", slug, "cap", f"{number}.xml")


def timestamp(moment: dt.datetime) -> str:
    """CAP's date-time: seconds and a numeric offset, never ``Z`` (the schema's pattern)."""
    return moment.replace(microsecond=0).isoformat()


def chain(briefing: Briefing, config: SiteConfig) -> list[Message]:
    """Every message the briefing's alert sends, due or not."""
    if briefing.alert is None:
        return []
    host = urlsplit(config.base_url).hostname or "localhost"
    sender = config.organisation.cap_sender or host
    steps: list[tuple[str, dt.datetime, int]] = [("Alert", briefing.date.at, briefing.date_line)]
    steps += [("Update", update.date.at, update.line) for update in briefing.updates]
    if briefing.alert.cancel:
        steps.append(("Cancel", briefing.alert.cancel.at.at, briefing.alert.cancel.line))
    messages = []
    for number, (msg_type, sent, line) in enumerate(steps):
        expires = briefing.expires.at if briefing.expires else sent + dt.timedelta(hours=config.alert_hours)
        identifier = f"{host}:briefing:{briefing.slug}:{number}"
        messages.append(Message(briefing, number, msg_type, identifier, sender, sent, expires, line))
    return messages


def message_xml(message: Message, references: list[str], config: SiteConfig, level_id: str | None) -> bytes:
    b = message.briefing
    alert = b.alert
    assert alert is not None  # only briefings with an alert have a chain
    root = element(None, "alert", xmlns=CAP)
    for name, value in (
        ("identifier", message.identifier),
        ("sender", message.sender),
        ("sent", timestamp(message.sent)),
        ("status", alert.status),
        ("msgType", message.msg_type),
        ("scope", "Public"),
    ):
        element(root, name, value)
    if message.msg_type == "Cancel" and alert.cancel:
        element(root, "note", alert.cancel.reason)
    if references:
        element(root, "references", " ".join(references))
    element(root, "incidents", b.slug)
    info = element(root, "info")
    level = config.level(level_id) if level_id else None
    cap_map = level.cap if level else None
    response = "None" if message.msg_type == "Cancel" else alert.response
    onset = alert.onset.at if alert.onset else b.date.at
    fields = [
        ("language", config.language),
        ("category", alert.category),
        ("event", event_name(b, level.label if level else None)),
        ("responseType", response),
        ("urgency", alert.urgency or (cap_map.urgency if cap_map else "Unknown")),
        ("severity", alert.severity or (cap_map.severity if cap_map else "Unknown")),
        ("certainty", alert.certainty or (cap_map.certainty if cap_map else "Unknown")),
        ("onset", timestamp(onset)),
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
    if b.areas:
        for named in b.areas:
            area = element(info, "area")
            element(area, "areaDesc", named.name)
            if named.polygon:
                element(area, "polygon", cap_polygon(named.polygon))
            if named.circle:
                element(area, "circle", cap_circle(named.circle))
            for system, code in named.geocodes:
                geocode = element(area, "geocode")
                element(geocode, "valueName", system)
                element(geocode, "value", code)
    else:
        area = element(info, "area")
        element(area, "areaDesc", b.area or b.region or config.title)
    return to_bytes(root)


def event_name(b: Briefing, level_label: str | None) -> str:
    if b.alert and b.alert.event:
        return b.alert.event
    return f"{level_label} threat level" if level_label else "Security alert"


def description(b: Briefing, message: Message) -> str:
    """Plain text: the summary, then the body (and why, for a Cancel); no Markdown, no HTML."""
    parts = [b.summary, b.body_text]
    if message.msg_type == "Update":
        update = b.updates[message.number - 1]
        parts.insert(0, f"Update: {update.note}")
    if message.msg_type == "Cancel" and b.alert and b.alert.cancel:
        parts.insert(0, f"Cancelled: {b.alert.cancel.reason}")
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


class NotAMessage(ValueError):
    """Bytes that are not a CAP message this module can index."""


def read_message(slug: str, number: int, data: bytes) -> Published:
    """The fields of a published message, read back from its bytes (so a recorded message is
    indexed as it was published, not as today's sources would write it)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise NotAMessage(f"is not well-formed XML ({exc})") from None

    def text(parent: ET.Element | None, name: str) -> str:
        node = parent.find(f"c:{name}", _NS) if parent is not None else None
        return (node.text or "").strip() if node is not None else ""

    info = root.find("c:info", _NS)
    if root.tag != f"{{{CAP}}}alert" or info is None:
        raise NotAMessage("is not a CAP 1.2 alert with an <info>")
    try:
        sent = dt.datetime.fromisoformat(text(root, "sent"))
        expires = dt.datetime.fromisoformat(text(info, "expires"))
    except ValueError:
        raise NotAMessage("has no valid <sent> or <expires>") from None
    if sent.tzinfo is None or expires.tzinfo is None:
        raise NotAMessage("has a <sent> or <expires> without an offset")
    areas = [text(area, "areaDesc") for area in info.findall("c:area", _NS)]
    fields = [(name, text(info, name)) for name in ("event", "urgency", "severity", "certainty", "onset")]
    fields.append(("areaDesc", "; ".join(a for a in areas if a)))
    summary = text(info, "description").split("\n\n")[0]
    return Published(
        slug=slug,
        number=number,
        data=data,
        identifier=text(root, "identifier"),
        sender=text(root, "sender"),
        sent=sent,
        status=text(root, "status"),
        msg_type=text(root, "msgType"),
        expires=expires,
        fields=tuple((k, v) for k, v in fields if v),
        headline=text(info, "headline"),
        summary=summary,
    )


@dataclass(frozen=True)
class NewMessage:
    """A due message the record does not hold yet."""

    data: bytes
    sent: dt.datetime
    path: str  # the briefing that sends it, and the line of the date that does
    line: int


@dataclass
class CapOutput:
    files: dict[PurePosixPath, bytes]
    published: dict[str, list[Published]]  # every published message, by slug, in chain order
    new: dict[tuple[str, int], NewMessage] = field(default_factory=dict)  # due messages the record lacks
    broken: set[str] = field(default_factory=set)  # chains whose record does not match (reported)
    # Recorded messages the sources no longer give, whose time has not come: published when it does.
    later: list[tuple[dt.datetime, str]] = field(default_factory=list)


def cap_outputs(site: Site, record: Record, problems: Problems, memo: Memo | None = None) -> CapOutput:
    """Every published CAP message and each briefing's alert.xml; the record's messages win."""
    output = CapOutput({}, {})
    for b in site.published:
        if b.alert is None:
            continue
        if len(b.title) > HEADLINE_LIMIT:
            problems.warning(b.path, 1, f"title is {len(b.title)} characters; CAP headlines should stay under 140")
        due = [m for m in chain(b, site.config) if site.include_drafts or m.sent <= site.now]
        published = _publish(site, b, due, record, problems, output, memo) if due else []
        if published:
            output.published[b.slug] = published
    _keep_recorded(site, record, problems, output)
    for slug, messages in output.published.items():
        for message in messages:
            output.files[message.path] = message.data
        output.files[PurePosixPath("briefings", slug, "alert.xml")] = messages[-1].data
    return output


def _publish(
    site: Site,
    b: Briefing,
    due: list[Message],
    record: Record,
    problems: Problems,
    output: CapOutput,
    memo: Memo | None,
) -> list[Published]:
    change = site.level_at(b.date.at)
    level = b.threat_level or (change.level if change else None)
    recorded = tuple(record.get(b.slug, m.number) for m in due)
    inputs = (b, site.config, level, recorded, len(due))
    kept = memo.get("cap", b.slug, inputs) if memo is not None else None
    if kept is None or Memo.missing(kept):
        local = Problems()
        result = _make_chain(site.config, b, due, recorded, level, local)
        kept = (result, local.sorted())
        if memo is not None:
            memo.put("cap", b.slug, inputs, kept)
    (messages, new, complete), found = kept  # type: ignore[misc]
    problems.extend(found)
    if not complete:
        output.broken.add(b.slug)
    output.new.update(new)
    return messages  # type: ignore[no-any-return]


def _make_chain(
    config: SiteConfig,
    b: Briefing,
    due: list[Message],
    recorded: tuple[bytes | None, ...],
    level: str | None,
    problems: Problems,
) -> tuple[list[Published], dict[tuple[str, int], NewMessage], bool]:
    """The published chain: recorded bytes where the record has them, new messages after them.

    A recorded message must still be the message the sources give at its place (same type, same
    ``sent``); anything else means an update was deleted or inserted before it, and matching by
    number would publish old text under a new number while the new update never goes out.
    """
    messages: list[Published] = []
    new: dict[tuple[str, int], NewMessage] = {}
    changed: Message | None = None
    for message, kept_bytes in zip(due, recorded, strict=True):
        data = message_xml(message, [m.reference for m in messages], config, level)
        if kept_bytes is not None:
            where = record_path(b.slug, message.number)
            try:
                kept = read_message(b.slug, message.number, kept_bytes)
            except NotAMessage as exc:
                problems.error(where, 1, f"{exc}; restore it from version control")
                return messages, new, False
            if not kept.identifier.endswith(f":{b.slug}:{message.number}"):
                problems.error(where, 1, f"holds the message '{kept.identifier}', not message {message.number} "
                               f"of '{b.slug}'; restore it from version control")  # fmt: skip
                return messages, new, False
            if kept.sent != message.sent or kept.msg_type != message.msg_type:
                problems.error(
                    b.path,
                    message.line,
                    f"CAP message {message.number} of '{b.slug}' was published as the {kept.msg_type} sent at "
                    f"{timestamp(kept.sent)} ({where}), but the sources now make it the {message.msg_type} sent at "
                    f"{timestamp(message.sent)}; published messages cannot be removed or reordered: restore the "
                    "update or cancel that was published, and add new updates after the last one",
                )
                return messages, new, False
            if kept_bytes != data:
                changed = message
            data = kept_bytes
        else:
            new[(b.slug, message.number)] = NewMessage(data, message.sent, b.path, message.line)
        messages.append(read_message(b.slug, message.number, data))
    if changed is not None and changed is due[-1]:
        # Only the latest message: once an update follows, the change has gone out in it.
        problems.warning(
            b.path,
            changed.line,
            f"CAP message {changed.number} ({changed.msg_type}) of '{b.slug}' was published on "
            f"{timestamp(changed.sent)} and cannot change ({record_path(b.slug, changed.number)} holds it); "
            "add an update to publish the change",
        )
    return messages, new, True


def _keep_recorded(site: Site, record: Record, problems: Problems, output: CapOutput) -> None:
    """A recorded message the sources no longer give stays published: its URL is permanent and
    aggregators may hold it. One sent after ``now`` was recorded by a build at a later time: not yet."""
    briefings = {b.slug: b for b in site.briefings}
    for slug in sorted(record.messages):
        if slug in output.broken:
            continue
        chain_now = output.published.setdefault(slug, [])
        for number in record.numbers(slug):
            if number < len(chain_now):
                continue
            path = record_path(slug, number)
            try:
                message = read_message(slug, number, record.messages[slug][number])
            except NotAMessage as exc:
                problems.error(path, 1, f"{exc}; restore it from version control")
                continue
            if not message.identifier.endswith(f":{slug}:{number}"):
                problems.error(path, 1, f"holds the message '{message.identifier}', not message {number} of "
                               f"'{slug}'; restore it from version control")  # fmt: skip
                continue
            if message.sent > site.now and not site.include_drafts:
                output.later.append((message.sent, f"{path} is published"))
                continue
            source = briefings.get(slug)
            problems.warning(
                source.path if source else path,
                1,
                f"CAP message {number} of '{slug}' ({path}) was published on {timestamp(message.sent)}, but the "
                "sources no longer give it; it stays published (to end an alert, add alert.cancel)",
            )
            chain_now.append(message)
        if not chain_now:
            del output.published[slug]
