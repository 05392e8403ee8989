"""Stage two for briefings: a parsed source and the site config become a :class:`Briefing`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from .. import fields as f
from ..config import CAP_CATEGORIES, CAP_CERTAINTY, CAP_SEVERITY, CAP_URGENCY, SiteConfig
from ..errors import Problems, did_you_mean
from ..yamlsafe import KeyPath
from .areas import AREA_DESC_LIMIT, AREAS_FILE
from .model import Alert, Area, Briefing, Cancel, Officers, Quote, Source, Update
from .parse import ParsedSource

ALERT_STATUSES = ("Actual", "Exercise", "Test")
RESPONSE_TYPES = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "AllClear", "None")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")

_OFFICERS = {
    "added": f.Field(f.count, doc="officers added by this deployment"),
    "total": f.Field(f.count, doc="officers deployed in total after it; at least added"),
    "previous": f.Field(f.count, doc="officers deployed before it: previous + added = total"),
    "armed": f.Field(f.boolean, doc="whether the officers are armed"),
}
_QUOTE = {
    "by": f.Field(f.id_of("person"), required=True, doc="who said it: a person id, also in spokespeople"),
    "text": f.Field(f.text, required=True, doc="the words quoted, as they appear in the body"),
}
_UPDATE = {
    "date": f.Field(f.moment, required=True, doc="when: ISO 8601, after the briefing's date"),
    "note": f.Field(f.text, required=True, doc="what changed (Markdown)"),
}
_SOURCE = {
    "title": f.Field(f.line_text, required=True, doc="the source's title"),
    "url": f.Field(f.url, required=True, doc="an absolute http:// or https:// URL"),
}
EVENT_LIMIT = 35  # CAP event: the badge aggregators show

PLACEHOLDER = "TODO:"  # how new briefing marks the text an author must still write


@f.accepts(lambda describe: f.refine(describe(f.line_text), maxLength=EVENT_LIMIT))
def event_text(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    if len(result) > EVENT_LIMIT:
        raise f.Invalid(f"is {len(result)} characters; aggregators show at most {EVENT_LIMIT}, e.g. 'Suspicious item'")
    return result


_CANCEL = {
    "at": f.Field(f.moment, required=True, doc="when the Cancel is sent; later than every earlier message"),
    "reason": f.Field(f.text, required=True, doc="why: issued in error, or the alert is over"),
}
_cancel_record = f.record(_CANCEL, "alert.cancel")


@f.accepts(lambda describe: describe(_cancel_record))
def _cancel(reader: f.Reader, at: KeyPath, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        raise f.Invalid(
            "must be a mapping {at, reason}: when the Cancel is sent and why, e.g. "
            f'{{at: 2021-03-20T14:30:00, reason: "{value.strip()[:40]}"}}'
        )
    return _cancel_record(reader, at, value)


_ALERT = {
    "status": f.Field(
        f.one_of(*ALERT_STATUSES), doc="Exercise and Test alerts appear only in CAP files; default Actual"
    ),
    "response": f.Field(f.one_of(*RESPONSE_TYPES), doc="the CAP responseType: what the public should do"),
    "event": f.Field(event_text, doc="what happens, at most 35 characters; default: the threat level"),
    "category": f.Field(f.one_of(*CAP_CATEGORIES), doc="the CAP category; default Security"),
    "urgency": f.Field(f.one_of(*CAP_URGENCY), doc="the CAP urgency; default: the threat level's cap"),
    "severity": f.Field(f.one_of(*CAP_SEVERITY), doc="the CAP severity; default: the threat level's cap"),
    "certainty": f.Field(f.one_of(*CAP_CERTAINTY), doc="the CAP certainty; default: the threat level's cap"),
    "onset": f.Field(f.moment, doc="when the hazard begins; default: the briefing's date"),
    "cancel": f.Field(_cancel, doc="{at, reason}: publishes a CAP Cancel at that time"),
}
_alert_record = f.record(_ALERT, "alert")


@f.accepts(lambda describe: {"anyOf": [{"const": False}, describe(_alert_record)]})
def _alert(reader: f.Reader, at: KeyPath, value: Any) -> dict[str, Any] | None:
    if value is False:
        return None
    if isinstance(value, dict):
        return _alert_record(reader, at, value)
    raise f.Invalid("must be false (no CAP alert) or a mapping such as {response: Avoid, event: Suspicious item}")


_area_id = f.id_of("area")
_area_ids = f.list_of(_area_id)


def _area_shape(describe: Any) -> f.JsonSchema:
    # Free text, or ids: a value written like an id must be one (when areas.yaml exists, see _resolve_area).
    id_like = f.matching(rf"^(?!(?:{f.SLUG.pattern})$)", f"is written like an id, so it must be an id of {AREAS_FILE}")
    free_text = f.refine(describe(f.line_text), allOf=[id_like])
    ids = {**describe(_area_ids), "type": "array", "minItems": 1}  # not null: an empty area is an error
    return {"anyOf": [free_text, describe(_area_id), ids]}


@f.accepts(_area_shape)
def _area(reader: f.Reader, at: KeyPath, value: Any) -> str | tuple[str, ...]:
    if isinstance(value, list):
        return _area_ids(reader, at, value)
    return f.line_text(reader, at, value)


def schema(config: SiteConfig) -> dict[str, f.Field]:
    """The front matter of a briefing; threat levels come from site.yaml."""
    return front_matter(config.level_ids)


def front_matter(level_ids: Sequence[str] | None) -> dict[str, f.Field]:
    """The front matter of a briefing for these threat level ids; None (a JSON Schema for no site in
    particular) takes any id, as the level's own declaration in site.yaml does."""
    level = f.one_of(*level_ids) if level_ids is not None else f.id_of("threat level")
    return {
        "title": f.Field(f.line_text, required=True, doc="the briefing's title, on one line"),
        "date": f.Field(f.moment, required=True, doc="ISO 8601 date or date-time; no offset means site.yaml timezone"),
        "summary": f.Field(f.text, doc="one or two sentences; default: the body's first paragraph"),
        "threat_level": f.Field(level, doc="one of site.yaml threat_levels ids"),
        "officers": f.Field(f.record(_OFFICERS, "officers"), doc="officer numbers: added, total, previous, armed"),
        "area": f.Field(_area, doc="free text (the CAP areaDesc), or ids of content/areas.yaml"),
        "region": f.Field(f.line_text, doc="groups briefings; becomes /regions/<slug>/"),
        "tags": f.Field(f.list_of(f.line_text), doc="each becomes /tags/<slug>/"),
        "spokespeople": f.Field(f.list_of(f.id_of("person")), doc="person ids, each a file in content/people/"),
        "quotes": f.Field(f.list_of(f.record(_QUOTE, "a quote")), doc="{by, text}: what spokespeople said"),
        "advice": f.Field(f.text, doc="Markdown; the CAP instruction"),
        "updates": f.Field(f.list_of(f.record(_UPDATE, "an update")), doc="{date, note}: the public updates log"),
        "sources": f.Field(f.list_of(f.record(_SOURCE, "a source")), doc="{title, url}"),
        "slug": f.Field(f.slug, doc="the URL name; default: the file name without a leading YYYY-MM-DD-"),
        "draft": f.Field(f.boolean, doc="true: published only with --drafts; default false"),
        "publish_at": f.Field(f.moment, doc="embargo: not published before this time"),
        "expires": f.Field(f.moment, doc="not listed after this time (the page stays, marked expired); CAP expires"),
        "alert": f.Field(_alert, doc="false (no CAP alert) or a mapping such as {response: Avoid}"),
        "extra": f.Field(f.free, doc="free data for templates, never checked"),
    }


def read_briefing(
    parsed: ParsedSource,
    config: SiteConfig,
    person_ids: Collection[str],
    areas: Mapping[str, Area | None] | None,
    problems: Problems,
) -> Briefing | None:
    """Validate one briefing against the site's people and areas (None: no areas.yaml); None when it
    has errors (all of them reported)."""
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
    updates = tuple(
        sorted(
            (
                Update(**u, line=doc.line(("updates", i, "date")), index=i)
                for i, u in enumerate(values.get("updates", ()))
            ),
            key=lambda u: u.date.at,
        )
    )
    date = values.get("date")
    if date is not None:
        _check_update_times(reader, date, values.get("updates", ()))
        if "expires" in values and values["expires"].at <= date.at:
            reader.error(("expires",), "expires must be after the briefing's date")
        if "expires" in values and "publish_at" in values and values["publish_at"].at >= values["expires"].at:
            reader.error(("publish_at",), "publish_at is not before expires, so the briefing would never be listed")
    area_text, named = _resolve_area(reader, values.get("area"), areas)
    alert = _make_alert(reader, values, doc.value, config, updates)
    if alert is not None:
        _check_alert_times(reader, alert, values, config)
    if alert is not None and (named or area_text or "area" not in doc.value):
        _check_alert_area(reader, area_text, named, values, config, "area" in doc.value)
    if alert is not None and not (summary or body.text.strip()):
        reader.error((), "a CAP alert needs a description (aggregators refuse one without): write a summary or a body")
    advice = parsed.fields_markdown.get("advice")
    if not values.get("draft", False):
        _check_placeholders(reader, doc.value, body.text)
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
        area=area_text,
        areas=named,
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
        alert=alert,
        extra=values.get("extra", {}),
        date_line=doc.line(("date",)),
    )


def _check_placeholders(reader: f.Reader, front: Mapping[str, Any], body: str) -> None:
    """A briefing ready to publish still holding the ``TODO:`` stubs of ``new briefing`` would put
    them on the public page and in its CAP alert: warn at each one (``--strict`` makes it an error)."""
    for key, value in front.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and PLACEHOLDER in text for text in texts):
            reader.warning((key,), f"{key} still holds the placeholder '{PLACEHOLDER}' of new briefing; write the text")
    if PLACEHOLDER in body:
        reader.warning((), f"the body still holds the placeholder '{PLACEHOLDER}' of new briefing; write the text")


def as_of(b: Briefing, now: dt.datetime) -> Briefing:
    """The briefing as published at ``now``: updates and a cancel dated later wait for their time."""
    updates = tuple(u for u in b.updates if u.date.at <= now)
    alert = b.alert
    if alert is not None and alert.cancel is not None and alert.cancel.at.at > now:
        alert = dataclasses.replace(alert, cancel=None)
    if len(updates) == len(b.updates) and alert is b.alert:
        return b  # the same object, so caches keyed on it still match
    return dataclasses.replace(b, updates=updates, alert=alert)


def _check_update_times(reader: f.Reader, date: f.Moment, updates: tuple[dict[str, Any], ...]) -> None:
    """Each update is a CAP Update sent at its date: after the briefing, and never two at once."""
    seen: dict[dt.datetime, int] = {}
    for index, update in enumerate(updates):
        when = update["date"].at
        if when < date.at:
            reader.error(("updates", index, "date"), "update is dated before the briefing's date")
        elif when == date.at:
            reader.error(
                ("updates", index, "date"),
                f"update is dated {update['date'].iso()}, the briefing's own date; give it the time of the update",
            )
        elif when in seen:
            reader.error(
                ("updates", index, "date"),
                f"two updates at {update['date'].iso()} (the other is updates[{seen[when] + 1}]); "
                "give each its own time",
            )
        seen.setdefault(when, index)


def _resolve_area(
    reader: f.Reader, value: str | tuple[str, ...] | None, areas: Mapping[str, Area | None] | None
) -> tuple[str | None, tuple[Area, ...]]:
    """Free text, or the gazetteer areas it names: a value written like an id must be one when
    areas.yaml exists (so a typo cannot silently become an area without geometry)."""
    if value is None:
        return None, ()
    if isinstance(value, str) and (areas is None or not f.SLUG.fullmatch(value)):
        return value, ()
    ids = (value,) if isinstance(value, str) else value
    if not ids:
        reader.error(("area",), "area: give at least one area, or leave the key out")
        return None, ()
    if areas is None:
        reader.error(("area",), f"area: a list names areas of {AREAS_FILE}, which does not exist; create it")
        return None, ()
    named = []
    for index, area_id in enumerate(ids):
        if area_id in areas:
            area = areas[area_id]
            if area is not None:  # None: its entry in areas.yaml has errors, reported there
                named.append(area)
            continue
        at: KeyPath = ("area",) if isinstance(value, str) else ("area", index)
        hint = did_you_mean(area_id, sorted(areas))
        reader.error(at, f"area: unknown area '{area_id}': not an id in {AREAS_FILE}{hint}")
    for index, area_id in enumerate(ids):
        if area_id in ids[:index]:
            reader.error(("area", index), f"area: names '{area_id}' twice")
    return None, tuple(named)


def _make_alert(
    reader: f.Reader,
    values: dict[str, Any],
    written: dict[str, Any],
    config: SiteConfig,
    updates: tuple[Update, ...],
) -> Alert | None:
    if "alert" not in written:
        return Alert(line=reader.doc.line(("date",))) if config.alert_by_default else None
    given = values.get("alert")
    if given is None:
        return None  # alert: false, or invalid (reported)
    cancel = None
    if "cancel" in given:
        line = reader.doc.line(("alert", "cancel", "at"))
        cancel = Cancel(given["cancel"]["at"], given["cancel"]["reason"], line)
        date = values.get("date")
        earlier = [("the briefing's date", date)] if date else []
        earlier += [(f"the update of {u.date.iso()}", u.date) for u in updates]
        for what, when in earlier:
            if when is not None and cancel.at.at <= when.at:
                reader.error(
                    ("alert", "cancel", "at"),
                    f"alert.cancel.at {cancel.at.iso()} is not after {what}; "
                    "a Cancel must be sent after every earlier message",
                )
                break
    fields = {k: v for k, v in given.items() if k != "cancel"}
    return Alert(**fields, cancel=cancel, line=reader.doc.key_line(("alert",)))


def _check_alert_times(reader: f.Reader, alert: Alert, values: dict[str, Any], config: SiteConfig) -> None:
    """Every message must be sent before it expires, and the hazard begin before the alert ends."""
    expires = values.get("expires")
    if expires is not None:
        for index, update in enumerate(values.get("updates", ())):
            if update["date"].at >= expires.at:
                reader.error(
                    ("updates", index, "date"),
                    "update is not before expires, so its CAP Update would be sent already expired; move expires later",
                )
        if alert.cancel is not None and alert.cancel.at.at >= expires.at:
            reader.error(
                ("alert", "cancel", "at"), "alert.cancel.at is not before expires; an expired alert needs no Cancel"
            )
    date = values.get("date")
    first_expiry = expires.at if expires else date.at + dt.timedelta(hours=config.alert_hours) if date else None
    if alert.onset is not None and first_expiry is not None and alert.onset.at >= first_expiry:
        reader.error(
            ("alert", "onset"),
            f"alert.onset is not before the alert expires ({first_expiry.isoformat()}); aggregators drop such alerts",
        )


def _check_alert_area(
    reader: f.Reader,
    area_text: str | None,
    named: tuple[Area, ...],
    values: dict[str, Any],
    config: SiteConfig,
    area_written: bool,
) -> None:
    """An alert's area is what aggregators map and title it by."""
    if named:
        return  # every area of areas.yaml has a polygon, a circle or a geocode
    description = area_text or values.get("region") or config.title
    at: KeyPath = ("area",) if area_written else ("alert",)
    if len(description) > AREA_DESC_LIMIT:
        source = "area" if area_text else "region" if values.get("region") else "the site title (no area given)"
        reader.error(
            at,
            f"the CAP areaDesc would be {source}, {len(description)} characters; aggregators take at most "
            f"{AREA_DESC_LIMIT}: name an area of {AREAS_FILE} or write a shorter area",
        )
    else:
        reader.warning(
            at,
            "CAP alert area has no polygon, circle or geocode, so Google Public Alerts refuses it "
            f"(rule CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED); name an area of {AREAS_FILE}",
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
            if quote.by in person_ids:  # a real person: the list is what lacks them (or holds a typo of them)
                hint = f"; add '{quote.by}' to spokespeople"
            else:
                hint = did_you_mean(quote.by, [*spokespeople, *sorted(person_ids)])
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
