"""Frozen records for each kind of content, as they are after validation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..fields import Moment


@dataclass(frozen=True)
class Officers:
    added: int | None = None
    total: int | None = None
    previous: int | None = None
    armed: bool | None = None


@dataclass(frozen=True)
class Quote:
    by: str
    text: str


@dataclass(frozen=True)
class Update:
    date: Moment
    note: str
    line: int = 1  # of its date in the source, for messages about the CAP message it publishes
    index: int = 0  # its position in the file, by which a translation names it


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Cancel:
    at: Moment
    reason: str
    line: int = 1  # of ``at`` in the source


@dataclass(frozen=True)
class Alert:
    """How a briefing goes out as CAP; None fields take the threat level's defaults."""

    status: str = "Actual"
    response: str = "Monitor"
    event: str | None = None
    category: str = "Security"
    urgency: str | None = None
    severity: str | None = None
    certainty: str | None = None
    onset: Moment | None = None
    cancel: Cancel | None = None
    line: int = 1  # of the ``alert`` key, or of the date when alert_by_default made it


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Area:
    """A named place of content/areas.yaml with its CAP geometry (WGS 84, ``(lat, lon)`` pairs)."""

    id: str
    name: str
    polygon: tuple[tuple[float, float], ...] = ()
    circle: Circle | None = None
    geocodes: tuple[tuple[str, str], ...] = ()  # (code system, value), in file order
    names: tuple[tuple[str, str], ...] = ()  # (language, name) of its translations

    @property
    def has_shape(self) -> bool:
        return bool(self.polygon) or self.circle is not None

    def localised(self, language: str) -> Area:
        name = dict(self.names).get(language)
        return self if name is None else dataclasses.replace(self, name=name)


@dataclass(frozen=True)
class Briefing:
    path: str  # site-relative source path, for messages
    slug: str
    title: str
    date: Moment
    summary: str
    body_html: str
    body_text: str
    threat_level: str | None = None
    officers: Officers | None = None
    area: str | None = None  # free text, when the area is not named in content/areas.yaml
    areas: tuple[Area, ...] = ()  # the gazetteer areas the briefing names
    region: str | None = None
    tags: tuple[str, ...] = ()
    spokespeople: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    advice_html: str = ""
    advice_text: str = ""
    updates: tuple[Update, ...] = ()  # oldest first
    sources: tuple[Source, ...] = ()
    draft: bool = False
    publish_at: Moment | None = None
    expires: Moment | None = None
    alert: Alert | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    date_line: int = 1  # of ``date`` in the source
    language: str = ""  # the language of its text when it is a translation; "": the site's language
    # In a translation, the text fields it does not translate (shown in the main language): title,
    # summary, advice, area, quotes, updates, sources, cancel.
    fallback: frozenset[str] = frozenset()

    @property
    def modified(self) -> Moment:
        """The latest of the date and the updates."""
        return max([self.date, *(u.date for u in self.updates)])

    @property
    def area_text(self) -> str | None:
        """The area as readers and CAP's areaDesc see it: the free text, or the areas' names."""
        return self.area or (", ".join(a.name for a in self.areas) if self.areas else None)


@dataclass(frozen=True)
class Person:
    id: str
    path: str
    name: str
    role: str | None = None
    organisation: str | None = None
    url: str | None = None
    bio_html: str = ""
    translations: tuple[tuple[str, PersonText], ...] = ()  # (language, texts)
    language: str = ""  # as Briefing.language: set when its texts are a translation's

    def localised(self, language: str) -> Person:
        texts = dict(self.translations).get(language)
        if texts is None:
            return self
        return dataclasses.replace(
            self,
            role=texts.role or self.role,
            organisation=texts.organisation or self.organisation,
            bio_html=texts.bio_html or self.bio_html,
            language=language,
        )


@dataclass(frozen=True)
class PersonText:
    """A person's role, organisation and biography in another language; None or "": as in the main one."""

    role: str | None = None
    organisation: str | None = None
    bio_html: str = ""


@dataclass(frozen=True)
class Page:
    path: str
    slug: str
    title: str
    body_html: str
    menu: int | None = None
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    language: str = ""  # as Briefing.language


@dataclass(frozen=True)
class LevelChange:
    level: str
    since: Moment
    note: str = ""
    notes: tuple[tuple[str, str], ...] = ()  # (language, note) of its translations
    recorded_in: str = ""  # without threat-levels.yaml: the title of the briefing that records the change
    recorded_by: str = ""  # and that briefing's source, whose translations give the title in other languages

    def localised(self, language: str) -> LevelChange:
        note = dict(self.notes).get(language)
        return self if note is None else dataclasses.replace(self, note=note)
