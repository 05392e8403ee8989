"""CAP 1.2: each briefing with an alert publishes a chain of messages, and /alerts.xml indexes them.

Message 0 is the ``Alert`` (sent at the briefing's date), then one ``Update`` per entry of
``updates`` already due (oldest first), then a ``Cancel`` once ``alert.cancel.at`` is due.
Every Update and Cancel references all earlier messages of the chain. A message that the
record (``published/``) holds is published byte for byte as recorded; one it does not hold yet
is made from today's sources and handed back to be recorded.

Each message has one ``<info>`` per language the briefing is written in, the main language first.
A recorded message keeps the languages it was published in: a translation added later goes out
with the next message, never by rewriting one that aggregators may already hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from ..cache import Memo
from ..config import SiteConfig
from ..content.model import Briefing
from ..content.translations import BriefingText
from ..errors import Problems
from ..i18n import load_interface
from ..published import Record, record_path
from ..site import Site
from .areamap import cap_circle, cap_polygon
from .xml import CAP, element, to_bytes

HEADLINE_LIMIT = 140
_NS = {"c": CAP}

Version = tuple[str, Briefing]  # (language tag, the briefing's text in it), as ``Site.versions`` gives them


def N_(message: str) -> str:
    """Marks an interface text for the catalogues (gettext's name, which Babel extracts); translated where used."""
    return message


# Translators: a CAP alert's event when its briefing names none, from the threat level's label: "Severe threat level".
THREAT_LEVEL = N_("%(level)s threat level")
# Translators: a CAP alert's event when its briefing names none and gives no threat level.
SECURITY_ALERT = N_("Security alert")
# Translators: begins a CAP update's description with its note: "Update: The new officers are now on patrol."
UPDATE = N_("Update: %(note)s")
# Translators: begins a CAP cancel's description: "Cancelled: The patrols are now routine."
CANCELLED = N_("Cancelled: %(reason)s")


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
    languages: tuple[str, ...] = ()  # of its <info> blocks, in order

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


def message_xml(
    message: Message,
    references: list[str],
    config: SiteConfig,
    level_id: str | None,
    versions: Sequence[Version] = (),
) -> bytes:
    """The message with one ``<info>`` per version (default: the briefing in the main language alone)."""
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
    for language, version in versions or [(config.language, b)]:
        _info(root, message, version, language, config, level_id)
    return to_bytes(root)


def _info(
    root: ET.Element, message: Message, b: Briefing, language: str, main: SiteConfig, level_id: str | None
) -> None:
    """One language's ``<info>``: its texts from ``b`` and site.yaml's translation; the alert's
    category, response, urgency, severity, certainty and times are the same in every language."""
    alert = b.alert
    assert alert is not None
    translated = language != main.language
    config = main.localised(language)
    words = _interface(language)
    info = element(root, "info")
    level = config.level(level_id) if level_id else None
    cap_map = level.cap if level else None
    response = "None" if message.msg_type == "Cancel" else alert.response
    onset = alert.onset.at if alert.onset else b.date.at
    # A translation without its own alert.event has none (BriefingText.apply): repeating the main
    # language's words under another <language> is what the Google profile warns about, so its info
    # names the level instead.
    event = event_name(b, level.label if level else None, words)
    path = f"{language}/briefings/{b.slug}/" if translated else f"briefings/{b.slug}/"
    fields = [
        ("language", language),
        ("category", alert.category),
        ("event", event),
        ("responseType", response),
        ("urgency", alert.urgency or (cap_map.urgency if cap_map else "Unknown")),
        ("severity", alert.severity or (cap_map.severity if cap_map else "Unknown")),
        ("certainty", alert.certainty or (cap_map.certainty if cap_map else "Unknown")),
        ("onset", timestamp(onset)),
        ("expires", timestamp(message.expires)),
        ("senderName", config.organisation.name),
        ("headline", b.title),
        ("description", description(b, message, words)),
        ("instruction", b.advice_text or None),
        ("web", config.base_url + path),
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


@functools.cache
def _interface(language: str) -> gettext.NullTranslations:
    """The interface words of ``language`` (English where its catalogue lacks them), read once per process."""
    return load_interface(language).translations


def _say(words: gettext.NullTranslations, msgid: str, **values: str) -> str:
    """``msgid`` in the interface's language; a translation that names other placeholders than the
    English one falls back to English rather than stopping the build."""
    try:
        return words.gettext(msgid) % values
    except (KeyError, ValueError, TypeError):
        return msgid % values


def event_name(
    b: Briefing,
    level_label: str | None,
    words: gettext.NullTranslations | None = None,
    *,
    own_event: bool = True,
) -> str:
    if own_event and b.alert and b.alert.event:
        return b.alert.event
    words = words or gettext.NullTranslations()
    return _say(words, THREAT_LEVEL, level=level_label) if level_label else _say(words, SECURITY_ALERT)


def description(b: Briefing, message: Message, words: gettext.NullTranslations | None = None) -> str:
    """Plain text: the summary, then the body (and why, for a Cancel); no Markdown, no HTML."""
    words = words or gettext.NullTranslations()
    parts = [b.summary, b.body_text]
    if message.msg_type == "Update":
        update = b.updates[message.number - 1]
        parts.insert(0, _say(words, UPDATE, note=update.note))
    if message.msg_type == "Cancel" and b.alert and b.alert.cancel:
        parts.insert(0, _say(words, CANCELLED, reason=b.alert.cancel.reason))
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

    infos = root.findall("c:info", _NS)
    info = infos[0] if infos else None  # the main language's: indexes show it
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
        languages=tuple(text(each, "language") for each in infos),
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
        for _, text in _translations(site, b):
            if text.title and len(text.title) > HEADLINE_LIMIT:
                problems.warning(
                    text.path, 1, f"title is {len(text.title)} characters; CAP headlines should stay under 140"
                )
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
    inputs = (b, site.config, level, recorded, len(due), tuple(_translations(site, b)))
    kept = memo.get("cap", b.slug, inputs) if memo is not None else None
    if kept is None or Memo.missing(kept):
        local = Problems()
        result = _make_chain(site.config, site.versions(b), due, recorded, level, local)
        kept = (result, local.sorted())
        if memo is not None:
            memo.put("cap", b.slug, inputs, kept)
    (messages, new, complete), found = kept  # type: ignore[misc]
    problems.extend(found)
    if not complete:
        output.broken.add(b.slug)
    output.new.update(new)
    return messages  # type: ignore[no-any-return]


def _translations(site: Site, b: Briefing) -> list[tuple[str, BriefingText]]:
    """What each translation file of ``b`` says, in site.yaml's order."""
    found = ((language, site.translations.get(language, {}).get(b.path)) for language in site.config.translations)
    return [(language, text) for language, text in found if text is not None]


def _make_chain(
    config: SiteConfig,
    versions: list[Version],
    due: list[Message],
    recorded: tuple[bytes | None, ...],
    level: str | None,
    problems: Problems,
) -> tuple[list[Published], dict[tuple[str, int], NewMessage], bool]:
    """The published chain: recorded bytes where the record has them, new messages after them.

    A recorded message must still be the message the sources give at its place (same type, same
    ``sent``); anything else means an update was deleted or inserted before it, and matching by
    number would publish old text under a new number while the new update never goes out.

    A new message carries every version; a recorded one is compared with the message today's
    sources make in the languages it holds, so a translation added since is not a change to it.
    """
    b = versions[0][1]
    messages: list[Published] = []
    new: dict[tuple[str, int], NewMessage] = {}
    changed: Message | None = None
    for message, kept_bytes in zip(due, recorded, strict=True):
        references = [m.reference for m in messages]
        data = message_xml(message, references, config, level, versions)
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
            # As recorded: its languages, in its order (site.yaml's order may have changed since).
            by_language = dict(versions[1:])
            held = [(language, by_language[language]) for language in kept.languages if language in by_language]
            if [language for language, _ in held] != [language for language, _ in versions[1:]]:
                data = message_xml(message, references, config, level, [versions[0], *held])
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
