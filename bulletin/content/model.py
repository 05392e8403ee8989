"""Frozen records for each kind of content, as they are after validation."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Alert:
    status: str = "Actual"
    response: str = "Monitor"
    cancel: str | None = None


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
    area: str | None = None
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
    alert: Alert | None = field(default_factory=Alert)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def modified(self) -> Moment:
        """The latest of the date and the updates."""
        return max([self.date, *(u.date for u in self.updates)])


@dataclass(frozen=True)
class Person:
    id: str
    path: str
    name: str
    role: str | None = None
    organisation: str | None = None
    url: str | None = None
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


@dataclass(frozen=True)
class LevelChange:
    level: str
    since: Moment
    note: str = ""
