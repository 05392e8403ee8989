"""View models: what templates receive. Documented in docs/templates.md.

Templates never see the raw records or the Site; they get these small frozen views,
with every URL already a site path (``/briefings/x/``) that the ``url()`` helper
turns into a link relative to the page being rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cache import Memo
from .config import SiteConfig, ThreatLevel
from .content.model import Briefing, Cancel, LevelChange, Page, Person, Source, Update
from .fields import Moment, slugify
from .outputs.areamap import AreaMap, area_map
from .site import Site


@dataclass(frozen=True)
class Link:
    name: str
    url: str
    lang: str = ""  # the language of ``name`` when it may differ from the page's (an untranslated page's title)


@dataclass(frozen=True)
class LevelView:
    id: str
    label: str
    meaning: str
    colour: str
    text_colour: str  # black or white, whichever contrasts more with colour: the label's colour on it
    since: Moment | None
    note: str

    @classmethod
    def of(cls, level: ThreatLevel, change: LevelChange | None = None) -> LevelView:
        return cls(
            level.id,
            level.label,
            level.meaning,
            level.colour,
            level.text_colour,
            change.since if change else None,
            change.note if change else "",
        )


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    role: str | None
    organisation: str | None
    external_url: str | None
    bio_html: str
    url: str
    lang: str = ""  # the language of its role, organisation and biography


@dataclass(frozen=True)
class QuoteView:
    text: str
    person: PersonView


@dataclass(frozen=True)
class BriefingView:
    slug: str
    url: str
    title: str
    date: Moment
    modified: Moment
    summary: str
    body_html: str
    level: LevelView | None
    officers: Any  # content.model.Officers or None
    area: str | None  # the free text, or the names of the areas
    area_map: AreaMap | None  # the outline of the areas with a polygon or circle
    region: Link | None
    tags: tuple[Link, ...]
    spokespeople: tuple[PersonView, ...]
    quotes: tuple[QuoteView, ...]
    advice_html: str
    updates: tuple[Update, ...]  # newest first
    sources: tuple[Source, ...]
    expired: bool
    expires: Moment | None
    has_alert: bool  # publishes CAP messages (alert.xml)
    cancel: Cancel | None  # the alert was cancelled (at, reason), once that is published
    draft: bool
    embargoed: bool
    extra: dict[str, Any]
    path: str  # the source file
    lang: str  # the language its text is in (a page in another language marks it with lang)
    main_lang: str  # the site's main language, of the fields a translation leaves out
    fallback: frozenset[str]  # those fields: title, summary, advice, area, quotes, updates, sources, cancel

    def lang_of(self, field: str) -> str:
        """The language one text field is shown in: a translation's own, or the main one where it gives none."""
        return self.main_lang if field in self.fallback else self.lang


@dataclass(frozen=True)
class PageView:
    slug: str
    url: str
    title: str
    body_html: str
    extra: dict[str, Any]
    path: str
    lang: str


@dataclass(frozen=True)
class Taxonomy:
    """A tag or a region: its first spelling, its slug and its briefings (newest first)."""

    name: str
    slug: str
    url: str
    briefings: tuple[BriefingView, ...]


def person_view(person: Person, main_language: str = "") -> PersonView:
    return PersonView(
        person.id,
        person.name,
        person.role,
        person.organisation,
        person.url,
        person.bio_html,
        f"/people/{person.id}/",
        person.language or main_language,
    )


def briefing_url(slug: str) -> str:
    return f"/briefings/{slug}/"


def tag_url(name: str) -> str:
    return f"/tags/{slugify(name)}/"


def region_url(name: str) -> str:
    return f"/regions/{slugify(name)}/"


class ViewBuilder:
    """Builds the views of one site once, so each briefing's view is shared by every page showing it."""

    def __init__(self, site: Site, memo: Memo | None = None) -> None:
        self.site = site
        self.memo = memo
        self.config: SiteConfig = site.config
        self.people = {pid: person_view(p, self.config.languages[0]) for pid, p in site.people.items()}
        self.tag_names = _first_spellings(b.tags for b in _oldest_first(site.on_pages))
        self.region_names = _first_spellings((b.region,) if b.region else () for b in _oldest_first(site.on_pages))
        # What every briefing's view depends on besides the briefing itself: compared once per build.
        shared = (self.config, self.people, self.tag_names, self.region_names)
        same_shared = memo is not None and not Memo.missing(memo.get("views", None, shared))
        if memo is not None:
            memo.put("views", None, shared, True)
        self.briefings = {}
        for b in site.on_pages:
            # The clock matters to a view only through these two flags.
            inputs = (b, site.is_expired(b), b.publish_at is not None and b.publish_at.at > site.now)
            kept = memo.get("view", b.slug, inputs) if memo is not None and same_shared else None
            if kept is None or Memo.missing(kept):
                kept = self._briefing(b)
                if memo is not None:
                    memo.put("view", b.slug, inputs, kept)
            self.briefings[b.slug] = kept  # type: ignore[assignment]

    def level(self, level_id: str | None, change: LevelChange | None = None) -> LevelView | None:
        if level_id is None:
            return None
        return LevelView.of(self.config.level(level_id), change)

    def _briefing(self, b: Briefing) -> BriefingView:
        site = self.site
        tags = tuple(Link(self.tag_names.get(slugify(t), t), tag_url(t)) for t in b.tags)
        region = Link(self.region_names.get(slugify(b.region), b.region), region_url(b.region)) if b.region else None
        return BriefingView(
            slug=b.slug,
            url=briefing_url(b.slug),
            title=b.title,
            date=b.date,
            modified=b.modified,
            summary=b.summary,
            body_html=b.body_html,
            level=self.level(b.threat_level),
            officers=b.officers,
            area=b.area_text,
            area_map=area_map(b.areas, self.config.language),  # its figures in the page's language
            region=region,
            tags=tags,
            spokespeople=tuple(self.people[p] for p in b.spokespeople),
            quotes=tuple(QuoteView(q.text, self.people[q.by]) for q in b.quotes),
            advice_html=b.advice_html,
            updates=tuple(reversed(b.updates)),
            sources=b.sources,
            expired=site.is_expired(b),
            expires=b.expires,
            has_alert=b.alert is not None and (site.include_drafts or b.date.at <= site.now),
            cancel=b.alert.cancel if b.alert else None,
            draft=b.draft,
            embargoed=b.publish_at is not None and b.publish_at.at > site.now,
            extra=b.extra,
            path=b.path,
            lang=b.language or self.config.languages[0],
            main_lang=self.config.languages[0],
            fallback=b.fallback,
        )

    def listed(self) -> list[BriefingView]:
        """Briefings in listings and feeds, newest first."""
        return [self.briefings[b.slug] for b in self.site.listed]

    def on_pages(self) -> list[BriefingView]:
        """Every briefing with a page, expired ones included, newest first."""
        return [self.briefings[b.slug] for b in self.site.on_pages]

    def taxonomy(self, kind: str) -> list[Taxonomy]:
        """Every tag or region of a briefing with a page, listing its listed briefings; sorted by name.

        A tag whose briefings have all expired keeps its page (briefing pages still link to it), empty.
        """
        groups: dict[str, list[BriefingView]] = {}
        listed = {b.slug for b in self.site.listed}
        for b in self.site.on_pages:
            names = b.tags if kind == "tags" else ((b.region,) if b.region else ())
            for name in names:
                items = groups.setdefault(slugify(name), [])
                if b.slug in listed:
                    items.append(self.briefings[b.slug])
        spellings = self.tag_names if kind == "tags" else self.region_names
        result = [
            self.stable(("taxonomy", kind, slug), Taxonomy(spellings[slug], slug, f"/{kind}/{slug}/", tuple(items)))
            for slug, items in groups.items()
        ]
        return sorted(result, key=lambda t: (t.name.casefold(), t.slug))

    def stable(self, key: object, value: Any) -> Any:
        """``value``, or the equal object of the previous build: pages that share it then compare by
        identity when the render cache checks their context (one comparison per build, not per page)."""
        return value if self.memo is None else self.memo.intern(key, value)

    def page(self, page: Page) -> PageView:
        lang = page.language or self.config.languages[0]
        return PageView(page.slug, f"/{page.slug}/", page.title, page.body_html, page.extra, page.path, lang)


def _oldest_first(briefings: tuple[Briefing, ...]) -> list[Briefing]:
    return sorted(briefings, key=lambda b: (b.date.at, b.slug))


def _first_spellings(groups: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for group in groups:
        for name in group:
            names.setdefault(slugify(name), name)
    return names
