"""Stage two for briefings: a parsed source and the site config become a :class:`Briefing`."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import PurePosixPath
from typing import Any

from .. import fields as f
from ..config import SiteConfig
from ..errors import Problems, did_you_mean
from ..yamlsafe import KeyPath
from .model import Alert, Briefing, Officers, Quote, Source, Update
from .parse import ParsedSource

ALERT_STATUSES = ("Actual", "Exercise", "Test")
RESPONSE_TYPES = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "AllClear", "None")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")

_OFFICERS = {
    "added": f.Field(f.count, doc="officers added by this deployment"),
    "total": f.Field(f.count, doc="officers deployed in total after it"),
    "previous": f.Field(f.count, doc="officers deployed before it"),
    "armed": f.Field(f.boolean),
}
_QUOTE = {"by": f.Field(f.slug, required=True), "text": f.Field(f.text, required=True)}
_UPDATE = {"date": f.Field(f.moment, required=True), "note": f.Field(f.text, required=True)}
_SOURCE = {"title": f.Field(f.line_text, required=True), "url": f.Field(f.url, required=True)}
_ALERT = {
    "status": f.Field(f.one_of(*ALERT_STATUSES)),
    "response": f.Field(f.one_of(*RESPONSE_TYPES)),
    "cancel": f.Field(f.text, doc="why the briefing was issued in error; publishes a CAP Cancel"),
}
_alert_record = f.record(_ALERT, "alert")


def _alert(reader: f.Reader, at: KeyPath, value: Any) -> dict[str, Any] | None:
    if value is False:
        return None
    if isinstance(value, dict):
        return _alert_record(reader, at, value)
    raise f.Invalid("must be false (no CAP alert) or a mapping with status, response and cancel")


def schema(config: SiteConfig) -> dict[str, f.Field]:
    """The front matter of a briefing; threat levels come from site.yaml."""
    return {
        "title": f.Field(f.line_text, required=True),
        "date": f.Field(f.moment, required=True),
        "summary": f.Field(f.text, doc="default: the body's first paragraph"),
        "threat_level": f.Field(f.one_of(*config.level_ids)),
        "officers": f.Field(f.record(_OFFICERS, "officers")),
        "area": f.Field(f.line_text, doc="the CAP areaDesc"),
        "region": f.Field(f.line_text),
        "tags": f.Field(f.list_of(f.line_text)),
        "spokespeople": f.Field(f.list_of(f.slug)),
        "quotes": f.Field(f.list_of(f.record(_QUOTE, "a quote"))),
        "advice": f.Field(f.text, doc="Markdown; the CAP instruction"),
        "updates": f.Field(f.list_of(f.record(_UPDATE, "an update"))),
        "sources": f.Field(f.list_of(f.record(_SOURCE, "a source"))),
        "slug": f.Field(f.slug),
        "draft": f.Field(f.boolean),
        "publish_at": f.Field(f.moment),
        "expires": f.Field(f.moment),
        "alert": f.Field(_alert),
        "extra": f.Field(f.free),
    }


def read_briefing(
    parsed: ParsedSource, config: SiteConfig, person_ids: Collection[str], problems: Problems
) -> Briefing | None:
    """Validate one briefing; None when it has errors (all of them reported)."""
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None or parsed.body is None:
        return None
    reader = f.Reader(doc, parsed.path, problems, config.tz)
    values = reader.mapping((), doc.value, schema(config), "front matter")
    if values is None:
        return None
    slug = values.get("slug") or _default_slug(parsed.path, reader)
    body = parsed.body
    summary = values.get("summary") or body.first_paragraph
    if not summary and "summary" not in doc.value:
        reader.warning((), "no summary and the body has no first paragraph to use as one")
    officers = _officers(reader, values.get("officers"))
    quotes = tuple(Quote(**q) for q in values.get("quotes", ()))
    spokespeople = values.get("spokespeople", ())
    quote_texts = [
        parsed.fields_markdown[f"quotes.{i}"].text if f"quotes.{i}" in parsed.fields_markdown else q.text
        for i, q in enumerate(quotes)
    ]
    _check_people_lists(reader, spokespeople, quotes, quote_texts, body.text, person_ids)
    _check_tags(reader, values.get("tags", ()), "tags")
    if "region" in values:
        _check_tags(reader, (values["region"],), "region")
    updates = tuple(sorted((Update(**u) for u in values.get("updates", ())), key=lambda u: u.date.at))
    date = values.get("date")
    if date is not None:
        for index, update in enumerate(values.get("updates", ())):
            if update["date"].at < date.at:
                reader.error(("updates", index, "date"), "update is dated before the briefing's date")
        if "expires" in values and values["expires"].at <= date.at:
            reader.error(("expires",), "expires must be after the briefing's date")
        if "expires" in values and "publish_at" in values and values["publish_at"].at >= values["expires"].at:
            reader.error(("publish_at",), "publish_at is not before expires, so the briefing would never be listed")
    alert_values = values.get("alert", {})
    advice = parsed.fields_markdown.get("advice")
    if reader.failures or parsed.failed or date is None:
        return None
    return Briefing(
        path=parsed.path,
        slug=slug,
        title=values["title"],
        date=date,
        summary=summary,
        body_html=body.html,
        body_text=body.text,
        threat_level=values.get("threat_level"),
        officers=officers,
        area=values.get("area"),
        region=values.get("region"),
        tags=tuple(dict.fromkeys(values.get("tags", ()))),
        spokespeople=tuple(dict.fromkeys(spokespeople)),
        quotes=quotes,
        advice_html=advice.html if advice else "",
        advice_text=advice.text if advice else "",
        updates=updates,
        sources=tuple(Source(**s) for s in values.get("sources", ())),
        draft=values.get("draft", False),
        publish_at=values.get("publish_at"),
        expires=values.get("expires"),
        alert=None if alert_values is None else Alert(**alert_values),
        extra=values.get("extra", {}),
    )


def _default_slug(path: str, reader: f.Reader) -> str:
    stem = _DATE_PREFIX.sub("", PurePosixPath(path).stem)
    slug = stem if f.SLUG.fullmatch(stem) else f.slugify(stem)
    try:
        if not slug:
            raise f.Invalid(f"cannot make a slug from the file name '{PurePosixPath(path).name}'; add slug:")
        f.check_portable_name(slug)
    except f.Invalid as exc:
        reader.error((), str(exc))
    return slug


def _officers(reader: f.Reader, values: dict[str, Any] | None) -> Officers | None:
    if values is None:
        return None
    officers = Officers(**values)
    at: KeyPath = ("officers",)
    if officers.added is not None and officers.total is not None and officers.total < officers.added:
        reader.error(
            (*at, "total"), f"officers.total ({officers.total}) is less than officers.added ({officers.added})"
        )
    if officers.previous is not None:
        if officers.added is not None and officers.total is not None:
            if officers.previous + officers.added != officers.total:
                reader.error(
                    (*at, "previous"),
                    f"officers do not add up: previous {officers.previous} + added {officers.added} "
                    f"= {officers.previous + officers.added}, but total is {officers.total}",
                )
        else:
            reader.error((*at, "previous"), "officers.previous needs officers.added and officers.total")
    return officers


def _check_people_lists(
    reader: f.Reader,
    spokespeople: tuple[str, ...],
    quotes: tuple[Quote, ...],
    quote_texts: list[str],
    body: str,
    person_ids: Collection[str],
) -> None:
    for index, person_id in enumerate(spokespeople):
        if person_id not in person_ids:
            hint = did_you_mean(person_id, sorted(person_ids))
            reader.error(
                ("spokespeople", index), f"unknown person '{person_id}': no content/people/{person_id}.yaml{hint}"
            )
    listed = set(spokespeople)
    normal_body = normalise_quote(body)
    for index, quote in enumerate(quotes):
        if quote.by not in listed:
            hint = did_you_mean(quote.by, spokespeople)
            reader.error(("quotes", index, "by"), f"quote by '{quote.by}' who is not in spokespeople{hint}")
        elif normalise_quote(quote_texts[index]) not in normal_body:
            reader.warning(("quotes", index, "text"), f"quote by '{quote.by}' does not appear in the body")


def _check_tags(reader: f.Reader, names: tuple[str, ...], key: str) -> None:
    for index, name in enumerate(names):
        at: KeyPath = (key, index) if key == "tags" else (key,)
        slug = f.slugify(name)
        if not slug:
            reader.error(at, f"{key}: '{name}' has no letters a-z or digits 0-9 to make a URL from")
            continue
        try:
            f.check_portable_name(slug)
        except f.Invalid as exc:
            reader.error(at, f"{key}: '{name}' gives the URL name {exc}")


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'})


def normalise_quote(text: str) -> str:
    """For comparing a quote with the body: case, whitespace, curly quotes and end punctuation ignored."""
    flat = " ".join(text.translate(_QUOTES).lower().split())
    return flat.strip(" .,;:!?'\"\u2026")
