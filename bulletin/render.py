"""The one Jinja environment: autoescaping everywhere, strict undefined, site-first template lookup.

Templates are looked up in the site's own ``templates/`` first, then in the default
theme's. A template error becomes a Problem at the template's file and line, never
a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from .errors import BulletinError, Problem, Problems, Severity
from .fields import Moment
from .i18n import Localiser, load_interface, og_locale
from .paths import THEME_ROOT, localised_path, page_link
from .sitefiles import UnreadableFile, read_inside, source_folder, walk
from .sourcefile import decode

MAX_TEMPLATE_BYTES = 1024 * 1024


def template_dirs(site_root: Path) -> list[Path]:
    """Where templates are looked up: the site's own folder first, then the default theme's."""
    dirs = [(site_root / "templates").resolve(), THEME_ROOT / "templates"]
    return [d for i, d in enumerate(dirs) if d.is_dir() and d not in dirs[:i]]


class Renderer:
    """Renders named templates with a shared set of globals."""

    def __init__(self, site_root: Path, language: str, globals_: dict[str, Any]) -> None:
        self.site_root = site_root
        self.language = language
        self.template_dirs = template_dirs(site_root)
        self.sources: dict[str, tuple[str, str]] = {}  # template name -> (text, file)
        self.load_problems: list[Problem] = []
        self.localiser = Localiser(language)
        self.interface = load_interface(language)
        # The one warning about the language (unknown, or no interface translation), for the caller
        # to report at site.yaml's language; None when both formats and interface are in it.
        self.warning: str | None = self.localiser.warning or self.interface.warning
        self.env = jinja2.Environment(
            loader=jinja2.FunctionLoader(self._source),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_translations(self.interface.translations, newstyle=True)  # type: ignore[attr-defined]
        self.env.filters.update(
            date=self.format_date,
            datetime=self.format_datetime,
            month=self.format_month,
            iso=iso,
            number=self.format_number,
            og_locale=og_locale,
        )
        # For the search page's script: one sample number per plural category for the texts it counts
        # in, and dates written as the pages write them.
        self.env.globals["plural_samples"] = self.localiser.plural_samples()
        self.env.globals["formats_locale"] = self.localiser.bcp47
        self.env.globals["date_parts"] = self.localiser.date_parts()
        self.set_globals(globals_)
        self.digest = self.templates_digest()

    def set_globals(self, globals_: dict[str, Any]) -> None:
        """The site-wide variables; a renderer kept between rebuilds gets each build's."""
        self.env.globals.update(globals_)
        self.data_globals = frozenset(k for k, v in globals_.items() if not callable(v))
        self.env.globals["url"] = _url

    def refresh(self) -> bool:
        """For a renderer kept between rebuilds: forget compiled templates if any file changed.

        Jinja's own check looks at modification times, which a copy with ``cp -p`` keeps.
        Returns False when the template folders themselves changed (make a new renderer).
        """
        if template_dirs(self.site_root) != self.template_dirs:
            return False
        digest = self.templates_digest()
        if digest != self.digest:
            self.env.cache.clear()
            self.digest = digest
        return True

    def _interface_digest(self) -> str:
        """The interface catalogues, read again: a changed catalogue changes pages as a template would."""
        interface = load_interface(self.language)
        if interface.digest != self.interface.digest:
            self.interface = interface
            self.env.install_gettext_translations(interface.translations, newstyle=True)  # type: ignore[attr-defined]
        return interface.digest

    def templates_digest(self) -> str:
        """Read every template file once (Jinja is served from what was read here) and digest
        them all, with the interface catalogues: any change to one can change any page."""
        digest = hashlib.sha256()
        sources: dict[str, tuple[str, str]] = {}
        problems = Problems()
        source_folder(self.site_root / "templates", "templates", problems)  # a file or a broken link there
        for folder in self.template_dirs:
            # Folders are resolved (template_dirs), so messages are relative to the resolved root.
            base = THEME_ROOT if folder == THEME_ROOT / "templates" else self.site_root.resolve()
            real_base = base.resolve()
            for found in walk(folder, real_base, base, problems):
                try:
                    data = read_inside(found.path, real_base, MAX_TEMPLATE_BYTES, "template")
                except UnreadableFile as exc:
                    problems.error(found.shown, 1, str(exc))
                    continue
                digest.update(str(found.path).encode() + b"\0" + data)
                text, decoding = decode(data, found.shown)
                problems.extend(decoding)
                if text is not None:
                    sources.setdefault(str(found.relative), (text, str(found.path)))
        digest.update(b"catalogues\0" + self._interface_digest().encode())
        self.sources = sources
        self.load_problems = problems.sorted()
        return digest.hexdigest()

    def _source(self, name: str) -> tuple[str, str, Callable[[], bool]] | None:
        found = self.sources.get(name)
        # Always up to date: refresh() replaces the sources and clears the compiled templates.
        return None if found is None else (found[0], found[1], lambda: True)

    def plain_globals(self) -> tuple[tuple[str, Any], ...]:
        """The globals that are data (not functions), for telling whether pages can be reused."""
        return tuple((k, v) for k, v in sorted(self.env.globals.items()) if k in self.data_globals)

    def check_templates(self) -> list[Problem]:
        """Compile every template, reporting syntax errors with their lines."""
        problems = list(self.load_problems)
        for name in sorted(n for n in self.sources if n.endswith((".html", ".xml", ".txt", ".json"))):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(self._problem(exc, name))
        return problems

    def render(self, template: str, context: dict[str, Any], for_what: str) -> str:
        try:
            return self.env.get_template(template).render(context)
        except jinja2.TemplateNotFound as exc:
            raise BulletinError("templates", 1, f"template '{exc.name}' not found (needed for {for_what})") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise _as_error(self._problem(exc, template)) from exc
        except RecursionError as exc:
            raise BulletinError(
                self._display(template), 1, f"template recursion too deep while rendering {for_what}"
            ) from exc
        except Exception as exc:  # any template bug must surface as a located error, not a traceback
            raise _as_error(self._runtime_problem(exc, template, for_what)) from exc

    def _display(self, template_file: str) -> str:
        path = Path(template_file)
        if not path.is_absolute():
            return f"templates/{template_file}"
        for root in (self.site_root, THEME_ROOT):
            if path.resolve().is_relative_to(root.resolve()):
                return path.resolve().relative_to(root.resolve()).as_posix()
        return str(path)

    def _problem(self, exc: jinja2.TemplateSyntaxError, fallback: str) -> Problem:
        where = exc.filename or exc.name or fallback
        return Problem(self._display(where), exc.lineno or 1, Severity.ERROR, f"template syntax: {exc.message}")

    def _runtime_problem(self, exc: Exception, template: str, for_what: str) -> Problem:
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if any(Path(frame.filename).is_relative_to(d) for d in self.template_dirs)
        ]
        where, line = (frames[-1].filename, frames[-1].lineno or 1) if frames else (template, 1)
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return Problem(
            self._display(where), line, Severity.ERROR, f"template error while rendering {for_what}: {message}"
        )

    def format_date(self, value: Moment | dt.datetime) -> str:
        return self.localiser.date(value)

    def format_month(self, value: Moment | dt.datetime) -> str:
        return self.localiser.month(value)

    def format_datetime(self, value: Moment | dt.datetime) -> str:
        return self.localiser.datetime(value)

    def format_number(self, value: float) -> str:
        return self.localiser.number(value)


def iso(value: Moment | dt.datetime) -> str:
    """The machine value for ``datetime`` attributes: a date, or a date-time with its offset."""
    if isinstance(value, Moment):
        return value.iso()
    return value.isoformat()


@jinja2.pass_context
def _url(context: Any, target: str) -> Markup | str:
    """A link to a site path, relative to the page being rendered.

    Folder links name their ``index.html``, so the site works opened from disk as well as served
    under any path. Pages served at unknown addresses (the 404 page) get links from the base URL's
    path instead. A page of a translation links to its own edition's pages (``lang_prefix``).
    """
    target = localised_path(target, context.get("lang_prefix", ""), context.get("page_slugs", frozenset()))
    if context.get("absolute_links"):
        base_path = urlsplit(context["site"].base_url).path or "/"
        return base_path.rstrip("/") + target if target.startswith("/") else target
    return page_link(context["page_url"], target)


def _as_error(problem: Problem) -> BulletinError:
    return BulletinError(problem.path, problem.line, problem.message)
