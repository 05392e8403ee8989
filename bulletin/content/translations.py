"""Translations of briefings and pages: ``<stem>.<lang>.md`` beside the original.

A translation carries only text: the title, summary, advice, a free-text area, each quote's
text, each update's note and each source's title, named by their position in the original,
and its own body. Everything else (dates, levels, people, the alert) comes from the original,
so a translation can never say that something happened at another time or another level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from babel import localedata

from .. import fields as f
from ..errors import Problems
from .areas import AREA_DESC_LIMIT
from .briefings import PLACEHOLDER, event_text, front_matter, normalise_quote
from .model import Alert, Briefing, Page, Quote, Source
from .pages import PAGE_SCHEMA
from .parse import ParsedSource

_QUOTE = {"text": f.Field(f.text, required=True, doc="the quote in this language")}
_UPDATE = {"note": f.Field(f.text, required=True, doc="the update's note in this language")}
_SOURCE = {"title": f.Field(f.line_text, required=True, doc="the source's title in this language")}
_ALERT = {
    "event": f.Field(event_text, doc="the CAP event in this language, at most 35 characters"),
    "cancel": f.Field(
        f.record({"reason": f.Field(f.text, required=True, doc="why, in this language")}, "alert.cancel"),
        doc="{reason}: the Cancel's reason in this language",
    ),
}
BRIEFING_TEXT = {
    "title": f.Field(f.line_text, doc="the title in this language"),
    "summary": f.Field(f.text, doc="default: the translated body's first paragraph"),
    "advice": f.Field(f.text, doc="the advice in this language (Markdown)"),
    "area": f.Field(f.line_text, doc="the area in this language, when the original's is free text"),
    "quotes": f.Field(f.list_of(f.record(_QUOTE, "a quote")), doc="{text} of each quote, in the original's order"),
    "updates": f.Field(f.list_of(f.record(_UPDATE, "an update")), doc="{note} of each update, in its order"),
    "sources": f.Field(f.list_of(f.record(_SOURCE, "a source")), doc="{title} of each source, in its order"),
    "alert": f.Field(f.record(_ALERT, "alert"), doc="{event, cancel: {reason}}: the CAP texts in this language"),
}
PAGE_TEXT = {"title": f.Field(f.line_text, doc="the page's title in this language")}
_BRIEFING_WORDS = (
    "title, summary, advice, a free-text area, quotes' text, updates' note, sources' title, "
    "alert.event and alert.cancel.reason"
)


@dataclass(frozen=True)
class BriefingText:
    """What a translation file says; ``apply`` puts it on the original (or on it as at some moment)."""

    language: str
    path: str
    title: str | None
    summary: str
    body_html: str
    body_text: str
    advice_html: str | None
    advice_text: str | None
    area: str | None
    quotes: tuple[tuple[int, str], ...]  # (position, text)
    notes: tuple[tuple[int, str], ...]  # (position of the update in the original file, note)
    source_titles: tuple[tuple[int, str], ...]
    event: str | None = None  # None: the alert's event is not translated (CAP then names the level)
    cancel_reason: str | None = None

    def apply(self, b: Briefing) -> Briefing:
        quotes, notes, titles = dict(self.quotes), dict(self.notes), dict(self.source_titles)
        names = [dict(area.names) for area in b.areas]
        untranslated = {
            "title": not self.title,
            "advice": bool(b.advice_html) and self.advice_html is None,
            "area": (bool(b.area) and not self.area) or any(self.language not in n for n in names),
            "quotes": any(i not in quotes for i in range(len(b.quotes))),
            "updates": any(u.index not in notes for u in b.updates),
            "sources": any(i not in titles for i in range(len(b.sources))),
            "cancel": bool(b.alert and b.alert.cancel) and not self.cancel_reason,
        }
        return dataclasses.replace(
            b,
            title=self.title or b.title,
            summary=self.summary or b.summary,
            body_html=self.body_html,
            body_text=self.body_text,
            advice_html=b.advice_html if self.advice_html is None else self.advice_html,
            advice_text=b.advice_text if self.advice_text is None else self.advice_text,
            area=self.area or b.area,
            areas=tuple(area.localised(self.language) for area in b.areas),
            quotes=tuple(Quote(q.by, quotes.get(i, q.text)) for i, q in enumerate(b.quotes)),
            updates=tuple(dataclasses.replace(u, note=notes.get(u.index, u.note)) for u in b.updates),
            sources=tuple(Source(titles.get(i, s.title), s.url) for i, s in enumerate(b.sources)),
            alert=self._alert(b.alert),
            language=self.language,
            fallback=frozenset(field for field, shown in untranslated.items() if shown),
        )

    def _alert(self, alert: Alert | None) -> Alert | None:
        if alert is None:
            return None
        cancel = alert.cancel
        if cancel is not None and self.cancel_reason:
            cancel = dataclasses.replace(cancel, reason=self.cancel_reason)
        return dataclasses.replace(alert, event=self.event, cancel=cancel)


@dataclass(frozen=True)
class PageText:
    language: str
    path: str
    title: str | None
    body_html: str

    def apply(self, page: Page) -> Page:
        return dataclasses.replace(
            page, title=self.title or page.title, body_html=self.body_html, language=self.language
        )


def split_language(path: str, languages: Collection[str]) -> tuple[str, str] | None:
    """``(original path, language)`` when ``path`` is named ``<stem>.<lang>.md`` for one of ``languages``."""
    tag = _suffix(path)
    if tag is None:
        return None
    for language in languages:
        if language.casefold() == tag.casefold():
            name = PurePosixPath(path)
            return str(name.with_name(name.stem.rpartition(".")[0] + name.suffix)), language
    return None


def unknown_language(path: str) -> str | None:
    """The tag of a file named like a translation into a language the site does not publish in."""
    tag = _suffix(path)
    known = tag is not None and localedata.exists(tag.split("-")[0].lower())
    return tag if known else None


def _suffix(path: str) -> str | None:
    name = PurePosixPath(path)
    base, dot, tag = name.stem.rpartition(".")
    return tag if dot and base and f.LANGUAGE_TAG.fullmatch(tag) else None


def read_briefing_text(
    parsed: ParsedSource, original: Briefing, language: str, problems: Problems
) -> BriefingText | None:
    """Check a briefing's translation against its original; None when it has errors (all reported)."""
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None or parsed.body is None:
        return None
    reader = f.Reader(doc, parsed.path, problems)
    given = _only_text(reader, doc.value, BRIEFING_TEXT, front_matter(None), _BRIEFING_WORDS, original.path)
    values = reader.mapping((), given, BRIEFING_TEXT, "front matter") if given is not None else None
    if values is None:
        return None
    area = values.get("area")
    if area and original.alert is not None and len(area) > AREA_DESC_LIMIT:
        reader.error(
            ("area",),
            f"area: the CAP areaDesc would be {len(area)} characters; aggregators take at most {AREA_DESC_LIMIT}",
        )
    if "area" in values and original.area is None:
        why = "names areas of content/areas.yaml; translate their names there" if original.areas else "has no area"
        reader.error(("area",), f"area: the original ({original.path}) {why}")
    _check_positions(reader, values, "quotes", len(original.quotes), original.path)
    _check_positions(reader, values, "updates", len(original.updates), original.path)
    _check_positions(reader, values, "sources", len(original.sources), original.path)
    given_alert = values.get("alert", {})
    if given_alert and original.alert is None:
        reader.error(("alert",), f"alert: the original ({original.path}) publishes no CAP alert")
    elif "cancel" in given_alert and original.alert is not None and original.alert.cancel is None:
        reader.error(("alert", "cancel"), f"alert.cancel: the original ({original.path}) has no cancel")
    body = parsed.body
    if not body.text.strip():
        reader.error((), f"the translation has no body; translate the body of {original.path} below the front matter")
    quotes = tuple((i, q["text"]) for i, q in enumerate(values.get("quotes", ())) if q)
    for index, text in quotes:
        shown = parsed.fields_markdown[f"quotes.{index}"].text if f"quotes.{index}" in parsed.fields_markdown else text
        if index < len(original.quotes) and normalise_quote(shown) not in normalise_quote(body.text):
            reader.warning(("quotes", index, "text"), "the translated quote does not appear in the translated body")
    if not original.draft:
        _check_placeholders(reader, doc.value if isinstance(doc.value, dict) else {}, body.text)
    if reader.failures or parsed.failed:
        return None
    advice = parsed.fields_markdown.get("advice")
    return BriefingText(
        language=language,
        path=parsed.path,
        title=values.get("title"),
        summary=values.get("summary") or body.first_paragraph,
        body_html=body.html,
        body_text=body.text,
        advice_html=advice.html if advice else None,
        advice_text=advice.text if advice else None,
        area=values.get("area"),
        quotes=quotes,
        notes=tuple((i, u["note"]) for i, u in enumerate(values.get("updates", ())) if u),
        source_titles=tuple((i, s["title"]) for i, s in enumerate(values.get("sources", ())) if s),
        event=given_alert.get("event"),
        cancel_reason=given_alert.get("cancel", {}).get("reason"),
    )


def read_page_text(parsed: ParsedSource, original: Page, language: str, problems: Problems) -> PageText | None:
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None or parsed.body is None:
        return None
    reader = f.Reader(doc, parsed.path, problems)
    given = _only_text(reader, doc.value, PAGE_TEXT, PAGE_SCHEMA, "title", original.path)
    values = reader.mapping((), given, PAGE_TEXT, "front matter") if given is not None else None
    if values is None:
        return None
    if not parsed.body.text.strip():
        reader.error((), f"the translation has no body; translate the body of {original.path} below the front matter")
    if not original.draft:
        _check_placeholders(reader, doc.value if isinstance(doc.value, dict) else {}, parsed.body.text)
    if reader.failures or parsed.failed:
        return None
    return PageText(language, parsed.path, values.get("title"), parsed.body.html)


def _only_text(
    reader: f.Reader, value: Any, texts: dict[str, f.Field], original_keys: Collection[str], words: str, original: str
) -> dict[str, Any] | None:
    """The front matter without the original's other keys, each reported: they are never translated."""
    if value is None:
        return {}  # a translation may give only its body
    if not isinstance(value, dict):
        return value  # the mapping check reports it
    kept = {}
    for key, item in value.items():
        if key in texts or key not in original_keys:
            kept[key] = item  # an unknown key is reported by the mapping check, with its hint
        else:
            reader.error(
                (key,),
                f"'{key}' is not translated: a translation holds only the {words}; the rest comes from {original}",
                key=True,
            )
    return kept


def _check_positions(reader: f.Reader, values: dict[str, Any], key: str, count: int, original: str) -> None:
    """Quotes, updates and sources are named by position: each must exist in the original."""
    for index in range(count, len(values.get(key, ()))):
        has = f"{count} {key}" if count != 1 else f"one {key.removesuffix('s')}"
        reader.error((key, index), f"{key}[{index + 1}]: the original ({original}) has {has if count else f'no {key}'}")


def _check_placeholders(reader: f.Reader, front: dict[str, Any], body: str) -> None:
    """A ``TODO:`` anywhere in the translation, nested texts (quotes, alert.event) included."""

    def texts(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return [text for item in items for text in texts(item)]

    if any(PLACEHOLDER in text for text in texts(front)) or PLACEHOLDER in body:
        reader.warning((), f"the translation still holds the placeholder '{PLACEHOLDER}'; write the text")
