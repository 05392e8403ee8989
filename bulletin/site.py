"""Loading a whole site: find the sources, parse them, validate them, check them against each other.

``load_site`` is phase one of a build. It touches nothing on disk but reads, and it
returns either a complete, valid :class:`Site` or None with every problem reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cache import Memo, ParseCache
from .config import CONFIG_FILE, SiteConfig, load_config
from .content.areas import AREA_DESC_LIMIT, read_areas
from .content.briefings import as_of, read_briefing
from .content.model import Area, Briefing, LevelChange, Page, Person
from .content.pages import read_page
from .content.parse import Kind, ParsedSource, parse_source
from .content.people import read_person
from .content.timeline import read_timeline
from .content.translations import (
    BriefingText,
    PageText,
    read_briefing_text,
    read_page_text,
    split_language,
    unknown_language,
)
from .diskcache import DiskCache
from .errors import Problems
from .markdown import MarkdownRenderer
from .sitefiles import UnreadableFile, read_inside, source_folder, walk
from .workers import worker_pool

CONTENT = "content"
TIMELINE_FILE = "content/threat-levels.yaml"
AREAS_FILE = "content/areas.yaml"
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200
HIDDEN_STATUSES = ("Exercise", "Test")


@dataclass(frozen=True)
class SourceRef:
    kind: Kind
    path: str  # relative to the site root, with '/'


@dataclass(frozen=True)
class Site:
    root: Path
    config: SiteConfig
    now: dt.datetime
    include_drafts: bool
    briefings: tuple[Briefing, ...]  # every valid briefing, newest first, with all its updates
    people: dict[str, Person]
    pages: tuple[Page, ...]
    timeline: tuple[LevelChange, ...]  # oldest first
    on_pages: tuple[Briefing, ...]  # briefings that get a page, expired ones included (marked), as at now
    listed: tuple[Briefing, ...]  # briefings in listings and feeds: on pages and not expired
    published: tuple[Briefing, ...]  # not draft, not embargoed: what CAP alerts are made from
    # By language, then by the original's path: what each translation file says.
    translations: dict[str, dict[str, BriefingText]] = field(default_factory=dict)
    page_translations: dict[str, dict[str, PageText]] = field(default_factory=dict)

    def is_expired(self, briefing: Briefing) -> bool:
        return briefing.expires is not None and briefing.expires.at <= self.now

    def level_at(self, when: dt.datetime) -> LevelChange | None:
        current = None
        for change in self.timeline:
            if change.since.at <= when:
                current = change
        return current

    @property
    def current_level(self) -> LevelChange | None:
        return self.level_at(self.now)

    def localised(self, language: str) -> Site:
        """The site as its pages in ``language`` show it: translated briefings, pages, people and
        site.yaml texts where they exist, the main language's elsewhere."""
        if language == self.config.language or language not in self.config.translations:
            return self
        texts = self.translations.get(language, {})
        pages = self.page_translations.get(language, {})

        def translated(briefings: tuple[Briefing, ...]) -> tuple[Briefing, ...]:
            return tuple(texts[b.path].apply(b) if b.path in texts else b for b in briefings)

        return dataclasses.replace(
            self,
            config=self.config.localised(language),
            briefings=translated(self.briefings),
            on_pages=translated(self.on_pages),
            listed=translated(self.listed),
            published=translated(self.published),
            people={pid: person.localised(language) for pid, person in self.people.items()},
            pages=tuple(pages[p.path].apply(p) if p.path in pages else p for p in self.pages),
            timeline=tuple(_localised_change(change, language, texts) for change in self.timeline),
        )

    def versions(self, briefing: Briefing) -> list[tuple[str, Briefing]]:
        """``briefing`` in every language it is written in: the main language first, then each
        translation in site.yaml's order."""
        result = [(self.config.language, briefing)]
        for language in self.config.translations:
            text = self.translations.get(language, {}).get(briefing.path)
            if text is not None:
                result.append((language, text.apply(briefing)))
        return result


def load_site(
    root: Path,
    now: dt.datetime,
    problems: Problems,
    *,
    include_drafts: bool = False,
    base_url: str | None = None,
    jobs: int = 1,
    cache: ParseCache | None = None,
    memo: Memo | None = None,
    disk: DiskCache | None = None,
) -> Site | None:
    config = load_config(root, problems, base_url)
    if config is None:
        return None
    if memo is not None:
        config = memo.intern("config", config)
    now = (now if now.tzinfo else now.replace(tzinfo=config.tz)).astimezone(config.tz)
    refs = list(discover(root, problems))
    parsed = parse_all(root, refs, config, jobs, problems, cache, disk)
    people: dict[str, Person] = {}
    briefings: list[Briefing] = []
    pages: list[Page] = []
    timeline_source: ParsedSource | None = None
    person_files: dict[str, str] = {}
    for source in parsed:  # people first: briefings are checked against them
        if source.kind is Kind.PERSON:
            stem = PurePosixPath(source.path).stem
            if stem in person_files:
                problems.error(source.path, 1, f"person '{stem}' is also defined by {person_files[stem]}; keep one")
                continue
            person_files[stem] = source.path
            person = read_person(source, problems)
            if person:
                people[person.id] = person
                _check_languages(source, (), config, problems)
    person_ids = frozenset(PurePosixPath(s.path).stem for s in parsed if s.kind is Kind.PERSON)
    if memo is not None:
        person_ids = memo.intern("person_ids", person_ids)
    areas: dict[str, Area | None] | None = None  # None: no areas.yaml, so every area is free text
    for source in parsed:  # areas before briefings too: a briefing names them
        if source.kind is Kind.AREAS:
            areas = read_areas(source, problems)
            for index in range(len(source.doc.value) if source.doc and isinstance(source.doc.value, list) else 0):
                _check_languages(source, (index,), config, problems)
            if memo is not None:
                areas = memo.intern("areas", areas)
    translated, parsed = _translation_sources(parsed, config, problems)
    for source in parsed:
        if source.kind is Kind.BRIEFING:
            briefing = _read_briefing(source, config, person_ids, areas, problems, memo)
            if briefing:
                briefings.append(briefing)
        elif source.kind is Kind.PAGE:
            page = read_page(source, problems)
            if page and (include_drafts or not page.draft):
                pages.append(page)
        elif source.kind is Kind.TIMELINE:
            timeline_source = source
    docs = {source.path: source.doc for source in parsed}
    _check_unique_slugs(briefings, docs, problems, "briefings")
    _check_unique_slugs(pages, docs, problems, "")
    texts, page_texts = _read_translations(translated, docs, briefings, pages, problems)
    _check_title_as_area(config, briefings, problems)
    timeline: tuple[LevelChange, ...] | None = ()
    if timeline_source is not None:
        timeline = read_timeline(timeline_source, config, problems)
        entries = timeline_source.doc.value if timeline_source.doc else None
        for index in range(len(entries) if isinstance(entries, list) else 0):
            _check_languages(timeline_source, (index,), config, problems)
    if problems.errors or timeline is None:
        return None
    briefings.sort(key=lambda b: (b.date.at, b.slug), reverse=True)
    # Pages, feeds and CAP see each briefing as it stands at ``now``: updates and a cancel
    # dated later are not published yet (a preview with --drafts shows them all).
    current = [b if include_drafts else as_of(b, now) for b in briefings]
    on_pages = tuple(b for b in current if _on_pages(b, now, include_drafts))
    listed = tuple(b for b in on_pages if include_drafts or b.expires is None or b.expires.at > now)
    published = tuple(b for b in current if include_drafts or _released(b, now))
    if timeline_source is not None:
        _check_levels_against_timeline(briefings, timeline, docs, problems)
    else:
        timeline = derive_timeline(on_pages)
    return Site(
        root=root,
        config=config,
        now=now,
        include_drafts=include_drafts,
        briefings=tuple(briefings),
        people=dict(sorted(people.items())),
        pages=tuple(sorted(pages, key=lambda p: p.slug)),
        timeline=timeline,
        on_pages=on_pages,
        published=published,
        listed=listed,
        translations=texts,
        page_translations=page_texts,
    )


def _localised_change(change: LevelChange, language: str, texts: dict[str, BriefingText]) -> LevelChange:
    """A change in ``language``: its translated note, or the translated title of the briefing recording it."""
    change = change.localised(language)
    text = texts.get(change.recorded_by)
    return dataclasses.replace(change, recorded_in=text.title) if text is not None and text.title else change


def _check_title_as_area(config: SiteConfig, briefings: list[Briefing], problems: Problems) -> None:
    """An alert with no area and no region is described by the site's title, in each language: a
    translated title must fit CAP's areaDesc as the main one must (read_briefing checks that one)."""
    if not any(b.alert and not b.area_text and not b.region for b in briefings):
        return
    for language, translation in config.translations.items():
        if translation.title and len(translation.title) > AREA_DESC_LIMIT:
            problems.error(
                CONFIG_FILE,
                config.key_lines.get("translations", 1),
                f"translations.{language}.title is {len(translation.title)} characters, and the CAP areaDesc of an "
                f"alert without area or region; aggregators take at most {AREA_DESC_LIMIT}: shorten it, or give "
                "those briefings an area",
            )


def _check_languages(source: ParsedSource, at: tuple[int, ...], config: SiteConfig, problems: Problems) -> None:
    """A person's or an area's ``translations`` may name only the languages of site.yaml."""
    value = source.doc.value if source.doc else None
    for part in at:
        value = value[part] if isinstance(value, list) and part < len(value) else None
    given = value.get("translations") if isinstance(value, dict) else None
    for tag in given if isinstance(given, dict) else ():
        if tag not in config.translations and isinstance(tag, str):
            listed = ", ".join(config.translations) or "none"
            line = source.doc.key_line((*at, "translations", tag)) if source.doc else 1
            problems.error(
                source.path, line, f"translations: '{tag}' is not one of site.yaml translations (now: {listed})"
            )


def _translation_sources(
    parsed: list[ParsedSource], config: SiteConfig, problems: Problems
) -> tuple[list[tuple[ParsedSource, str, str]], list[ParsedSource]]:
    """Translation files (with their original's path and language) apart from every other source.

    A file named like a translation into a language site.yaml does not list is an error rather than
    a briefing of its own (published as one, it would repeat the original in another language) on a
    site with translations, or beside its original. Elsewhere a name such as ``privacy.am.md`` is
    just a name, as it was before Bulletin had translations.
    """
    translated: list[tuple[ParsedSource, str, str]] = []
    others: list[ParsedSource] = []
    paths = {source.path for source in parsed}
    for source in parsed:
        if source.kind not in (Kind.BRIEFING, Kind.PAGE):
            others.append(source)
            continue
        found = split_language(source.path, config.translations)
        tag = unknown_language(source.path) if found is None else None
        beside = split_language(source.path, [tag]) if tag is not None else None  # (its original, tag)
        if found is not None:
            translated.append((source, *found))
        elif beside is not None and (config.translations or beside[0] in paths):
            listed = ", ".join(config.translations) or "none"
            problems.error(
                source.path,
                1,
                f"named like a translation into '{tag}' (<name>.<language>.md), but '{tag}' is not one of "
                f"site.yaml translations (now: {listed}); add it there, or rename the file",
            )
        else:
            others.append(source)
    return translated, others


def _read_translations(
    translated: list[tuple[ParsedSource, str, str]],
    docs: dict[str, object],
    briefings: list[Briefing],
    pages: list[Page],
    problems: Problems,
) -> tuple[dict[str, dict[str, BriefingText]], dict[str, dict[str, PageText]]]:
    by_path: dict[str, Briefing | Page] = {item.path: item for item in [*briefings, *pages]}
    texts: dict[str, dict[str, BriefingText]] = {}
    page_texts: dict[str, dict[str, PageText]] = {}
    for source, original_path, language in sorted(translated, key=lambda item: item[0].path):
        original = by_path.get(original_path)
        if original is None:
            if original_path not in docs:  # an original with errors is reported on its own
                problems.extend(source.problems)
                problems.error(
                    source.path,
                    1,
                    f"a translation into '{language}' without an original: there is no {original_path}",
                )
            continue
        twin = texts.get(language, {}).get(original_path) or page_texts.get(language, {}).get(original_path)
        if twin is not None:  # x.cy.md and x.CY.md
            problems.error(source.path, 1, f"{original_path} is also translated into '{language}' by {twin.path}")
            continue
        if isinstance(original, Briefing):
            text = read_briefing_text(source, original, language, problems)
            if text is not None:
                texts.setdefault(language, {})[original_path] = text
        else:
            page = read_page_text(source, original, language, problems)
            if page is not None:
                page_texts.setdefault(language, {})[original_path] = page
    return texts, page_texts


def _read_briefing(
    source: ParsedSource,
    config: SiteConfig,
    person_ids: frozenset[str],
    areas: dict[str, Area | None] | None,
    problems: Problems,
    memo: Memo | None,
) -> Briefing | None:
    """Stage two, reused in a live session while the parsed source, config, people and areas are unchanged."""
    if memo is None:
        return read_briefing(source, config, person_ids, areas, problems)
    inputs = (source, config, person_ids, areas)
    kept = memo.get("briefing", source.path, inputs)
    if not Memo.missing(kept):
        briefing, found = kept  # type: ignore[misc]
        problems.extend(found)
        return briefing
    local = Problems()
    briefing = read_briefing(source, config, person_ids, areas, local)
    found = local.sorted()
    problems.extend(found)
    memo.put("briefing", source.path, inputs, (briefing, found))
    return briefing


def _on_pages(briefing: Briefing, now: dt.datetime, include_drafts: bool) -> bool:
    if briefing.alert is not None and briefing.alert.status in HIDDEN_STATUSES:
        return False  # exercises and tests live only in CAP files and /alerts.xml
    return include_drafts or _released(briefing, now)


def _released(briefing: Briefing, now: dt.datetime) -> bool:
    embargoed = briefing.publish_at is not None and briefing.publish_at.at > now
    return not briefing.draft and not embargoed


def discover(root: Path, problems: Problems) -> Iterator[SourceRef]:
    """Every content source under ``root``, in a stable order; what cannot be read is an error."""
    content = root / CONTENT
    if not os.path.lexists(content):
        problems.error(CONTENT, 1, "no content/ folder (briefings go in content/briefings/)")
        return
    if not source_folder(content, CONTENT, problems):
        return
    for found in walk(content, root.resolve(), root, problems):
        rel = found.shown
        kind = classify(rel)
        if kind is None:
            problems.warning(rel, 1, "not a content file Bulletin knows; ignored")
        else:
            yield SourceRef(kind, rel)


def classify(rel: str) -> Kind | None:
    """Which kind of source a site-relative path is, or None."""
    parts = rel.split("/")
    if rel == TIMELINE_FILE:
        return Kind.TIMELINE
    if rel == AREAS_FILE:
        return Kind.AREAS
    if len(parts) >= 3 and parts[1] == "briefings" and rel.endswith(".md"):
        return Kind.BRIEFING
    if len(parts) >= 3 and parts[1] == "pages" and rel.endswith(".md"):
        return Kind.PAGE
    if len(parts) == 3 and parts[1] == "people" and rel.endswith((".yaml", ".yml")):
        return Kind.PERSON
    return None


def parse_all(
    root: Path,
    refs: list[SourceRef],
    config: SiteConfig,
    jobs: int,
    problems: Problems,
    cache: ParseCache | None = None,
    disk: DiskCache | None = None,
) -> list[ParsedSource]:
    """Stage one for every source (in worker processes when there are many), reusing what ``cache``
    (this session's memory) or ``disk`` (earlier runs) holds."""
    settings = (config.allow_raw_html, config.limits.markdown_seconds)
    items: list[tuple[Kind, str, bytes]] = []
    real_root = root.resolve()
    for ref in refs:
        markdown = ref.kind in (Kind.BRIEFING, Kind.PAGE)
        limit = config.limits.markdown_bytes if markdown else config.limits.yaml_bytes
        setting = "limits.markdown_bytes" if markdown else "limits.yaml_bytes"
        try:
            items.append((ref.kind, ref.path, read_inside(root / ref.path, real_root, limit)))
        except UnreadableFile as exc:
            hint = f"; raise {setting} in site.yaml if it must be" if "too large" in str(exc) else ""
            problems.error(ref.path, 1, f"{exc}{hint}")
    results: dict[int, ParsedSource] = {}
    todo: list[int] = []
    keys: dict[int, bytes] = {}
    for index, (kind, path, data) in enumerate(items):
        hit = cache.get(kind, path, data, settings) if cache else None
        if disk is not None:
            keys[index] = disk.key(kind, path, data, settings)
            if hit is not None:
                disk.mark(keys[index])  # a live session's memory had it: the store must keep it too
            else:
                hit = disk.get(keys[index])
                if hit is not None and cache:
                    cache.put(kind, path, data, settings, hit)
        if hit is None:
            todo.append(index)
        else:
            results[index] = hit
    parsed: list[ParsedSource] | None = None
    if jobs > 1 and len(todo) >= PARALLEL_THRESHOLD:
        chunk = max(1, len(todo) // (jobs * 4))
        # A worker killed from outside (the out-of-memory killer) breaks the pool: parse here instead.
        with contextlib.suppress(BrokenProcessPool), worker_pool(jobs, _init_worker, settings) as pool:
            parsed = list(pool.map(_parse_in_worker, [items[i] for i in todo], chunksize=chunk))
    if parsed is None:
        renderer = MarkdownRenderer(*settings)
        parsed = [parse_source(*items[i], renderer) for i in todo]
    for index, result in zip(todo, parsed, strict=True):
        results[index] = result
        if cache:
            kind, path, data = items[index]
            cache.put(kind, path, data, settings, result)
        if disk is not None and index in keys and not result.timed_out:  # it may pass on a quieter machine
            disk.put(keys[index], result)
    if cache:
        cache.keep_only({path for _, path, _ in items})
    return [results[i] for i in range(len(items))]


_worker_renderer: list[MarkdownRenderer] = []  # one per worker process, set by its initializer


def _init_worker(allow_raw_html: bool, seconds: float) -> None:
    _worker_renderer.append(MarkdownRenderer(allow_raw_html, seconds))


def _parse_in_worker(item: tuple[Kind, str, bytes]) -> ParsedSource:
    return parse_source(*item, _worker_renderer[0])


def _check_unique_slugs(items: list[Briefing] | list[Page], docs: dict, problems: Problems, folder: str) -> None:
    first: dict[str, Briefing | Page] = {}
    for item in sorted(items, key=lambda b: b.path):
        other = first.setdefault(item.slug, item)
        if other is not item:
            doc = docs[item.path]
            line = doc.key_line(("slug",)) if ("slug",) in doc.key_lines else 1
            where = f"{folder}/{item.slug}/" if folder else f"{item.slug}/"
            problems.error(
                item.path, line, f"slug '{item.slug}' is also used by {other.path}; both would be written to {where}"
            )


def _check_levels_against_timeline(
    briefings: list[Briefing], timeline: tuple[LevelChange, ...], docs: dict, problems: Problems
) -> None:
    for briefing in briefings:
        if briefing.threat_level is None:
            continue
        in_force = None
        for change in timeline:
            if change.since.at <= briefing.date.at or (
                change.since.date_only and change.since.at.date() <= briefing.date.at.date()
            ):
                in_force = change
        if in_force is not None and in_force.level != briefing.threat_level:
            line = docs[briefing.path].line(("threat_level",))
            problems.warning(
                briefing.path,
                line,
                f"threat_level '{briefing.threat_level}' differs from '{in_force.level}', "
                f"in force since {in_force.since.iso()} according to {TIMELINE_FILE}",
            )


def derive_timeline(briefings: tuple[Briefing, ...]) -> tuple[LevelChange, ...]:
    """Without threat-levels.yaml: the level changes as the briefings record them, oldest first."""
    changes: list[LevelChange] = []
    for briefing in sorted(briefings, key=lambda b: (b.date.at, b.slug)):
        if briefing.threat_level and (not changes or changes[-1].level != briefing.threat_level):
            change = LevelChange(briefing.threat_level, briefing.date, recorded_in=briefing.title)
            changes.append(dataclasses.replace(change, recorded_by=briefing.path))
    return tuple(changes)
