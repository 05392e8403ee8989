"""``build`` and ``check``: the recipe. Load and validate everything, render in memory, then swap in.

Nothing touches the output folder until every source is valid and every page has
rendered; then the whole site is written beside the output and swapped in at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .cache import BuildCache, Memo
from .clock import resolve_now
from .config import CONFIG_FILE
from .diskcache import DiskCache
from .errors import BulletinError, Problem, Problems
from .outputs.cap import NewMessage
from .outputs.data import DataOutput, data_files
from .outputs.html import PageSpec, navigation, plan_pages
from .outputs.languages import Edition, alternates, available, editions
from .outputs.structured import news_article
from .pagecache import Kept, PageStore, common_key, page_key
from .pagejobs import render_all
from .paths import THEME_ROOT, UnsafePath, output_file, output_overlap, page_link
from .published import RECORD_DIR, read_record, record_path, remove_stale_temporaries, write_record
from .render import Renderer
from .site import Site, load_site
from .sitefiles import SiteFile, UnreadableFile, shown_path, source_folder, walk
from .stamp import Replay, Stamp, next_moment
from .views import LevelView, ViewBuilder
from .writer import bytes_are, prepare_output, release, unchanged_output


class Reporter:
    """Receives build events; the command line prints them, tests collect them."""

    def progress(self, done: int, total: int) -> None:
        """Called while pages render."""

    def info(self, message: str) -> None:
        """A line for the user (not a problem)."""

    def detail(self, message: str) -> None:
        """A line for --verbose."""


@dataclass(frozen=True)
class BuildOptions:
    site_root: Path
    now: dt.datetime  # naive means the site's time zone
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int = 1
    cache: BuildCache | None = field(default=None, compare=False)  # kept between rebuilds (serve, watch)
    now_from_clock: bool = False  # no --now and no SOURCE_DATE_EPOCH: live sessions read the clock each rebuild
    locked: bool = False  # a due CAP message that published/ does not hold is an error, not recorded
    cache_dir: Path | None = None  # where parsed sources are kept between runs; None: not at all
    record: bool = True  # write new CAP messages to published/ (watch does not: only a deliberate build does)


@dataclass
class BuildResult:
    problems: Problems
    ok: bool = False
    pages: int = 0
    files: int = 0
    changed: int = 0  # files written afresh (the rest were linked in unchanged)
    removed: int = 0  # files of the previous site that this one does not have
    seconds: float = 0.0
    output: Path | None = None
    site: Site | None = field(default=None, repr=False)
    rendered: dict[PurePosixPath, bytes] = field(default_factory=dict, repr=False)  # check's pages and data
    static: dict[PurePosixPath, SiteFile] = field(default_factory=dict, repr=False)


def check(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    """Everything ``build`` does (validate, render every page in memory), except writing."""
    return build(options, reporter, write=False)


def build(options: BuildOptions, reporter: Reporter | None = None, *, write: bool = True) -> BuildResult:
    """Load and validate, render in memory, then (``write``) swap the new site in whole."""
    started = time.perf_counter()
    result = BuildResult(Problems())
    problems = result.problems
    reporter = _Recorder(reporter or Reporter())
    stamp = _stamp(options) if write else None
    if stamp is not None and (replay := stamp.fresh(options.now)) is not None:
        problems.extend(replay.problems)
        for line in replay.infos:
            reporter.info(line)
        reporter.detail(f"nothing changed since the last build; {replay.output} left as it was")
        result.ok, result.pages, result.files, result.output = True, replay.pages, replay.files, replay.output
        result.seconds = time.perf_counter() - started
        return result
    try:
        site = _load(options, problems, reporter)
        if site is None:
            return result
        result.site = site
        reporter.detail(
            f"loaded {len(site.briefings)} briefings ({len(site.on_pages)} with pages, {len(site.listed)} listed), "
            f"{len(site.people)} people, {len(site.pages)} pages in {time.perf_counter() - started:.2f} s"
        )
        output = options.output or (site.root / site.config.output_dir)
        overlap = output_overlap(output, site.root)
        if overlap:
            problems.error("site.yaml", site.config.key_lines.get("output_dir", 1), overlap)
        if problems.has_errors(options.strict):
            return result
        renderer = _renderer(site, options.cache)
        problems.extend(renderer.check_templates())
        if problems.has_errors(options.strict):
            return result
        rendering = time.perf_counter()
        views = ViewBuilder(site, options.cache.memo if options.cache else None)
        store = _page_store(options, output) if write else None
        pages: dict[PurePosixPath, bytes | Kept] = {}
        languages: dict[PurePosixPath, tuple[tuple[str, str], ...] | None] = {}
        translated: list[tuple[Edition, ViewBuilder, Memo | None]] = []
        claimed: dict[str, str] = {}  # output path (casefolded) -> what writes it, across every edition
        for edition in editions(site):
            # Each translation has its own views, renderer (catalogue, dates) and, in a live session, caches.
            cache = options.cache if options.cache is None or edition.main else options.cache.edition(edition.language)
            edition_views, edition_renderer = views, renderer
            if not edition.main:
                edition_views = ViewBuilder(edition.site, cache.memo if cache else None)
                edition_renderer = _renderer(edition.site, cache)
                translated.append((edition, edition_views, cache.memo if cache else None))
            if edition_renderer.warning:
                key = "language" if edition.main else "translations"
                problems.warning(CONFIG_FILE, site.config.key_lines.get(key, 1), edition_renderer.warning)
            pages.update(
                render_pages(
                    edition.site,
                    edition_views,
                    edition_renderer,
                    reporter,
                    problems,
                    cache,
                    options.jobs,
                    store,
                    edition,
                    languages,
                    claimed,  # a page whose slug is a language would share its path with that edition's home
                )
            )
        html_count = len(pages)
        kept = sum(isinstance(page, Kept) for page in pages.values())
        reporter.detail(
            f"{html_count - kept} pages rendered, {kept} kept from the last build "
            f"({time.perf_counter() - rendering:.2f} s)"
        )
        record = read_record(site.root, problems)
        memo = options.cache.memo if options.cache else None
        machine = data_files(site, views, list(pages), problems, record, memo, translated, languages)
        pages.update(machine.files)
        if options.locked:
            for (slug, number), new in sorted(machine.new_messages.items()):
                problems.error(
                    new.path,
                    new.line,
                    f"CAP message {number} of '{slug}' is due but {record_path(slug, number)} does not hold it "
                    "(--locked); build without --locked and commit published/",
                )
        reporter.detail(
            f"{len(machine.files)} feeds, alerts and indexes made; {time.perf_counter() - rendering:.2f} s in all"
        )
        static = collect_static(site.root, problems)
        check_collisions(pages, static, problems)
        if problems.has_errors(options.strict):
            return result
        if not write:
            result.ok = True
            result.pages = html_count
            result.rendered, result.static = pages, static
            return result
        writing = time.perf_counter()
        expected = {path: data.same if isinstance(data, Kept) else bytes_are(data) for path, data in pages.items()}
        expected.update({path: source.same_bytes for path, source in static.items()})
        prepare_output(output)  # a run with nothing to write still removes what killed builds left
        if not problems.errors and unchanged_output(output, expected):
            # Every byte as before: no new folder, no swap, so sync tools and file watchers see nothing.
            reporter.detail(f"nothing changed; {output} left as it was ({time.perf_counter() - writing:.2f} s)")
            result.ok, result.pages, result.files, result.output = True, html_count, len(expected), output
            _record(options, site, machine.new_messages, reporter)
            _report_next(site, machine, reporter)
            _save_stamp(stamp, site, machine, result, reporter)
            if store is not None:
                store.save()
            return result
        with release(output) as rel:
            for path, data in sorted(pages.items()):
                if isinstance(data, Kept):
                    rel.keep(path, data.same)
                else:
                    rel.write(path, data)
            for path, source in sorted(static.items()):
                try:
                    rel.copy(path, source)
                except UnreadableFile as exc:  # replaced since it was checked: never copy what it became
                    problems.error(source.shown, 1, f"{exc} (it changed during the build)")
            if problems.errors:
                return result
            rel.commit()
            result.changed, result.removed = rel.files - rel.kept, rel.removed
            reporter.detail(
                f"wrote and swapped in {output} in {time.perf_counter() - writing:.2f} s "
                f"({rel.files - rel.kept} files changed, {rel.kept} kept with their modification times)"
            )
        _record(options, site, machine.new_messages, reporter)
        result.ok = True
        result.pages = html_count
        result.files = len(pages) + len(static)
        result.output = output
        _report_next(site, machine, reporter)
        _save_stamp(stamp, site, machine, result, reporter)
        if store is not None:
            store.save()
    except BulletinError as exc:
        problems.extend([exc.problem])
    except OSError as exc:  # a full disk, a read-only or vanished folder: not a bug, and nothing was swapped in
        where = exc.filename or (options.output or "output")
        problems.error(str(where), 1, f"cannot write the output: {exc.strerror or exc}")
    finally:
        result.seconds = time.perf_counter() - started
    return result


class _Recorder(Reporter):
    """Passes events on, keeping the info lines for the stamp (a run that finds nothing to do repeats them)."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self.infos: list[str] = []

    def progress(self, done: int, total: int) -> None:
        self.inner.progress(done, total)

    def info(self, message: str) -> None:
        self.infos.append(message)
        self.inner.info(message)

    def detail(self, message: str) -> None:
        self.inner.detail(message)


def _stamp(options: BuildOptions) -> Stamp | None:
    """The last build's stamp, for a build that keeps a cache (live sessions keep theirs in memory)."""
    if options.cache_dir is None or options.cache is not None:
        return None
    return Stamp(
        options.cache_dir,
        options.site_root,
        output=options.output,
        base_url=options.base_url,
        drafts=options.drafts,
        strict=options.strict,
        locked=options.locked,
        record=options.record,
    )


def _save_stamp(stamp: Stamp | None, site: Site, machine: DataOutput, result: BuildResult, reporter: _Recorder) -> None:
    """Stamp a build whose output a later run may trust as it is: not one with CAP messages still to
    record (a later run records them), nor one whose cache had trouble (its note is not repeatable)."""
    if stamp is None or result.output is None or machine.new_messages:
        return
    if any(line.startswith("note:") for line in reporter.infos):
        stamp.forget()
        return
    upcoming = [next_moment([site.briefings, site.timeline, site.pages, site.people], site.now)]
    upcoming += [u.when for u in (machine.next_index_change, machine.next_expiry) if u is not None]
    if not site.listed:  # an empty feed is dated at the build's time: any later run differs
        upcoming.append(site.now + dt.timedelta(microseconds=1))
    until = min((when for when in upcoming if when is not None), default=None)
    replay = Replay(result.output, result.pages, result.files, tuple(result.problems.sorted()), tuple(reporter.infos))
    stamp.save(site.now, until, site.config.timezone, replay)


def _report_next(site: Site, machine: DataOutput, reporter: Reporter) -> None:
    """When a scheduler should run the build again."""
    reporter.info(_next_change(site))
    if machine.next_index_change:
        upcoming = machine.next_index_change
        reporter.info(f"next change to alerts.xml: {upcoming.when.isoformat()} ({upcoming.what}); rebuild then")
    if machine.next_expiry:
        upcoming = machine.next_expiry
        reporter.info(
            f"next CAP alert to expire: {upcoming.what.removesuffix(' expires')} at "
            f"{upcoming.when.isoformat()}; rebuild then"
        )


def _record(options: BuildOptions, site: Site, new: dict[tuple[str, int], NewMessage], reporter: Reporter) -> None:
    """Record the messages this build published for the first time, once the site is swapped in
    (a build that fails or is refused records nothing). A build killed between the two has
    published what it did not record; the next build makes the same bytes again and records them."""
    if not options.record or options.drafts:
        return
    remove_stale_temporaries(site.root)
    if not new:
        return
    if options.base_url is not None:
        reporter.info(f"{RECORD_DIR}/ not updated: --base-url builds publish messages but never record them")
        return
    clock = dt.datetime.now(dt.UTC)
    due = {key: message.data for key, message in new.items() if message.sent <= clock}
    if len(due) < len(new):
        reporter.info(f"{len(new) - len(due)} CAP message(s) sent after the real time (--now is later) not recorded")
    for path in write_record(site.root, due):
        reporter.info(f"recorded {path}; commit it with the content")


def _load(options: BuildOptions, problems: Problems, reporter: Reporter) -> Site | None:
    disk = DiskCache(options.cache_dir) if options.cache_dir is not None else None
    try:
        return load_site(
            options.site_root,
            options.now,
            problems,
            include_drafts=options.drafts,
            base_url=options.base_url,
            jobs=options.jobs,
            cache=options.cache.parsed if options.cache else None,
            memo=options.cache.memo if options.cache else None,
            disk=disk,
        )
    except BulletinError as exc:
        problems.extend([exc.problem])
        return None
    finally:
        if disk is not None:
            disk.close()
            reporter.detail(f"reused {disk.hits} parsed sources from {disk.folder}")
            if disk.problem:
                reporter.info(f"note: {disk.problem}")


def _renderer(site: Site, cache: BuildCache | None = None) -> Renderer:
    """The Jinja renderer; a live session reuses one, so templates compile once (Jinja reloads
    a template whose file changed)."""
    config = site.config
    current = site.current_level
    globals_ = {
        "site": config,
        "nav": navigation(site),
        "levels": [LevelView.of(level) for level in config.threat_levels],
        "current_level": LevelView.of(config.level(current.level), current) if current else None,
        "timeline": [
            {
                "level": LevelView.of(config.level(c.level), c),
                "since": c.since,
                "note": c.note,
                "recorded_in": c.recorded_in,
            }
            for c in reversed(site.timeline)
        ],
        "news_article": functools.partial(news_article, config),
    }
    if config.translations:  # which links of a translation's pages lead to its own pages (render._url)
        globals_["page_slugs"] = frozenset(page.slug for page in site.pages)
    if cache is not None:
        kept = cache.renderer
        same_site = isinstance(kept, Renderer) and kept.site_root == site.root and kept.language == config.language
        if same_site and kept.refresh():  # type: ignore[union-attr]
            kept.set_globals(globals_)  # type: ignore[union-attr]
            return kept  # type: ignore[return-value]
        cache.renderer = Renderer(site.root, config.language, globals_)
        return cache.renderer
    return Renderer(site.root, config.language, globals_)


def render_pages(
    site: Site,
    views: ViewBuilder,
    renderer: Renderer,
    reporter: Reporter,
    problems: Problems,
    cache: BuildCache | None = None,
    jobs: int = 1,
    store: PageStore | None = None,
    edition: Edition | None = None,
    languages: dict[PurePosixPath, tuple[tuple[str, str], ...] | None] | None = None,
    claimed: dict[str, str] | None = None,
) -> dict[PurePosixPath, bytes | Kept]:
    """Every page of one language's edition (default: the main one), rendered, or kept from the last
    build when ``store`` says nothing it is made of changed."""
    specs: list[PageSpec] = list(plan_pages(site, views))
    if cache:
        cache.pages.begin((renderer.digest, renderer.plain_globals()))
    common = common_key(renderer.digest, renderer.plain_globals(), store.keys) if store else b""
    keys: dict[int, str | None] = {}
    done: dict[int, tuple[PurePosixPath, bytes | Kept]] = {}
    todo: list[tuple[int, PurePosixPath, PageSpec, dict[str, Any]]] = []
    sources = claimed if claimed is not None else {}
    warned: set[str] = set()
    for index, spec in enumerate(specs):
        if edition is not None and not edition.main:
            spec = dataclasses.replace(spec, url=edition.path(spec.url))
        path = output_file(spec.url)
        key = str(path).casefold()
        if key in sources:
            where = _where(spec.source) if spec.source.startswith("content/") else _where(sources[key])
            problems.error(where, 1, f"{spec.source} and {sources[key]} would both be written to {path}")
            continue
        sources[key] = spec.source
        context = {**spec.context, "page_url": spec.url, **_language_context(site, spec, edition)}
        if languages is not None and "alternates" in context:  # for the sitemap
            versions = context["alternates"]
            own = any(a.current and a.translated for a in versions)
            languages[path] = tuple((a.lang, a.absolute) for a in versions if a.translated) if own else None
        cached = cache.pages.get(spec.url, spec.template, context) if cache else None
        if store is not None:
            keys[index] = page_key(store.keys, common, spec.template, context)
            kept = store.kept(spec.url, path, keys[index])
            if kept is not None:
                store.note(spec.url, path, keys[index], kept.marked)
                _check_marked(path, kept.marked, spec.template, warned, problems)
                done[index] = (path, kept)
                continue
        if cached is not None:
            done[index] = (path, cached)
        else:
            todo.append((index, path, spec, context))
    reporter.progress(len(done), len(specs))
    # A live session keeps threads and a render cache: it renders in-process.
    outcomes = render_all(
        renderer,
        [(s.template, c, s.source) for _, _, s, c in todo],
        jobs if cache is None else 1,
        lambda count: reporter.progress(len(done) + count, len(specs)),
    )
    failed: set[tuple[str, int]] = set()
    for (index, path, spec, context), outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, Problem):
            # One template bug breaks every page using it: report it once per template line.
            if (outcome.path, outcome.line) not in failed:
                failed.add((outcome.path, outcome.line))
                problems.add(outcome)
            continue
        if cache:
            cache.pages.put(spec.url, spec.template, context, outcome)
        marked = b"data-threat-level=" in outcome
        if store is not None:
            store.note(spec.url, path, keys[index], marked)
        _check_marked(path, marked, spec.template, warned, problems)
        done[index] = (path, outcome)
    reporter.progress(len(specs), len(specs))
    return dict(done[index] for index in sorted(done))


def _language_context(site: Site, spec: PageSpec, edition: Edition | None) -> dict[str, Any]:
    """What a page needs to know about the site's other languages: the path it has in the main one,
    the prefix of its own edition, its canonical path and the switch to each language's version."""
    prefix = edition.prefix if edition is not None else ""
    main_path = spec.url.removeprefix(prefix) if prefix else spec.url
    language = edition.language if edition is not None else site.config.language
    own = available(site, spec.content, language)
    context: dict[str, Any] = {"page_path": main_path, "canonical_path": spec.url if own else main_path}
    if not site.config.translations:
        return context
    context["lang_prefix"] = prefix
    if not spec.context.get("absolute_links"):  # the 404 page is served at any address: no switch
        versions = alternates(site, main_path, spec.content, language)
        context["alternates"] = tuple(dataclasses.replace(a, url=page_link(spec.url, a.url)) for a in versions)
    return context


def _check_marked(path: PurePosixPath, marked: bool, template: str, warned: set[str], problems: Problems) -> None:
    """Every page must show the threat level (SPEC §6): warn once per template whose pages do not."""
    if path.suffix == ".html" and not marked and template not in warned:
        warned.add(template)
        problems.warning(
            f"templates/{template}", 1, f"{path} has no element with data-threat-level (see partials/banner.html)"
        )


def _page_store(options: BuildOptions, output: Path) -> PageStore | None:
    """The last build's pages, for a build that keeps a cache (live sessions keep theirs in memory)."""
    if options.cache_dir is None or options.cache is not None:
        return None
    return PageStore(options.cache_dir, output)


def _where(source: str) -> str:
    """A message location for a page: its source file when it has one."""
    return source if source.startswith("content/") else "content"


def collect_static(site_root: Path, problems: Problems) -> dict[PurePosixPath, SiteFile]:
    """Static files by output path; the site's own ``static/`` wins over the default theme's.

    Each file is opened once here to prove it can be published, so ``check`` reports what a
    ``build`` would fail on; the copy opens it again and checks again.
    """
    found: dict[PurePosixPath, SiteFile] = {}
    for base in (THEME_ROOT, site_root):
        folder = base / "static"
        if not source_folder(folder, shown_path(folder, site_root), problems):
            continue
        real_base = base.resolve()
        for item in walk(folder, real_base, base, problems):
            static = SiteFile(item.path, real_base, item.shown)
            try:
                static.check()
            except UnreadableFile as exc:
                problems.error(item.shown, 1, str(exc))
                continue
            found[item.relative] = static
    return found


def check_collisions(
    pages: dict[PurePosixPath, bytes], static: dict[PurePosixPath, SiteFile], problems: Problems
) -> None:
    """Two outputs on one path, also when they differ only in case (they collide on macOS and Windows)."""
    claimed: dict[str, str] = {}
    for path in pages:
        claimed.setdefault(str(path).casefold(), f"the generated page {path}")
    for path in static:
        other = claimed.get(str(path).casefold())
        if other:
            problems.error(f"static/{path}", 1, f"would overwrite {other}; rename or remove it")
        else:
            claimed[str(path).casefold()] = f"static/{path}"


def _next_change(site: Site) -> str:
    """When the published site would next differ (an embargo lifts, a briefing expires), for schedulers."""
    upcoming = []
    for b in site.briefings:
        if b.draft or site.include_drafts:
            continue
        if b.publish_at and b.publish_at.at > site.now:
            upcoming.append((b.publish_at.at, f"{b.path} is published"))
        if b.expires and b.expires.at > site.now:
            upcoming.append((b.expires.at, f"{b.path} expires"))
        for update in b.updates:
            if update.date.at > site.now:
                upcoming.append((update.date.at, f"{b.path}: the update of {update.date.iso()} is published"))
        if b.alert and b.alert.cancel and b.alert.cancel.at.at > site.now:
            upcoming.append((b.alert.cancel.at.at, f"{b.path}: the alert's cancel is published"))
    if not upcoming:
        return ""
    when, what = min(upcoming)
    return f"next scheduled change: {when.isoformat()} ({what}); rebuild then"


__all__ = ["BuildOptions", "BuildResult", "Reporter", "UnsafePath", "build", "check", "output_overlap", "resolve_now"]
