"""The command line: parse options, call the engine, print problems and a summary.

Exit status: 0 success, 1 content or configuration errors, 2 usage errors,
3 an internal error (a bug in Bulletin: the traceback is printed for a report).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from .clock import resolve_now
from .errors import BulletinError, Problems, Severity, summary_line, terminal_text
from .fields import HTTP_URL
from .paths import CACHE_DIR, output_overlap
from .stamp import Stamp
from .workers import max_jobs

# The engine (Jinja, Markdown, the site model) is imported late, only when there is work to do:
# a run that finds nothing changed answers from the last build's stamp in a fraction of that time.

COMMANDS = ("build", "serve", "watch", "check", "new", "schema")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"bulletin: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="build.py" if os.path.basename(sys.argv[0]) == "build.py" else "bulletin",  # as the user typed it
        description="Bulletin: build a static site of public-safety briefings.",
        epilog='Commands: build (default), check, new briefing "TITLE", new site DIR, schema [DIR], serve, watch. '
        "Exit status: 0 ok, 1 content errors, 2 usage errors, 3 a bug in Bulletin, 130 interrupted.",
    )
    parser.add_argument("command", nargs="?", default="build", choices=COMMANDS, help="what to do (default: build)")
    parser.add_argument("args", nargs="*", help='for new: briefing "TITLE", or site DIR; for schema: DIR')
    parser.add_argument("--site", metavar="DIR", default=".", help="the site's root, holding site.yaml (default: .)")
    parser.add_argument("--output", metavar="DIR", help="output folder (default: site.yaml output_dir, else public)")
    parser.add_argument("--base-url", metavar="URL", help="override site.yaml base_url")
    parser.add_argument("--drafts", action="store_true", help="include drafts, embargoed and expired briefings")
    parser.add_argument("--now", metavar="ISO8601", help="the time embargo and expiry are judged against")
    parser.add_argument("--strict", action="store_true", help="warnings count as errors")
    parser.add_argument("--jobs", metavar="N", type=_positive_int, default=os.cpu_count() or 1, help="worker processes")
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    volume.add_argument("--verbose", "-v", action="store_true", help="print more")
    parser.add_argument(
        "--locked",
        action="store_true",
        help="fail instead of recording new CAP messages in published/ (for CI)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where parsed sources are kept between runs (default: .bulletin-cache in the site)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="serve: port (default 8000)")
    parser.add_argument("--poll", action="store_true", help="serve/watch: poll for changes instead of OS events")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return value


class TerminalReporter:
    """Prints build events (the engine's Reporter interface) on standard error."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.quarter = 0

    def progress(self, done: int, total: int) -> None:
        """A bar redrawn in place on a terminal; in a log, a plain line each quarter of a long build."""
        if self.quiet or total < 500:
            return
        if self.tty:
            if time.monotonic() - self.last > 0.2 or done == total:
                self.last = time.monotonic()
                filled = done * 24 // total
                end = "\n" if done == total else ""
                bar = "#" * filled + "-" * (24 - filled)
                print(f"\rrendering pages [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif total >= 2000 and done * 4 // total > self.quarter:
            self.quarter = done * 4 // total
            print(f"rendering pages: {done}/{total}", file=sys.stderr, flush=True)
        if done == total:
            self.quarter = 0

    def info(self, message: str) -> None:
        if message and not self.quiet:
            print(terminal_text(message), file=sys.stderr)  # messages name paths: a file name cannot forge a line

    def detail(self, message: str) -> None:
        if self.verbose:
            print(terminal_text(message), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    try:
        options = parser.parse_args(argv)
        return _run(parser, options)
    except SystemExit as exc:  # argparse's way out: --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        print("interrupted; the output folder was left as it was", file=sys.stderr)
        return 130
    except BulletinError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except Exception:  # a bug: say so plainly and keep the traceback for the report
        traceback.print_exc()
        print("bulletin: internal error (this is a bug in Bulletin, please report it)", file=sys.stderr)
        return 3


def _run(parser: argparse.ArgumentParser, options: argparse.Namespace) -> int:
    site_root = Path(options.site)
    if not site_root.is_dir():
        parser.error(f"--site {options.site}: no such folder")
    try:
        now = resolve_now(options.now)
    except ValueError as exc:
        if options.now:
            parser.error(f"--now {options.now!r} is not an ISO 8601 date or date-time ({exc})")
        parser.error(f"SOURCE_DATE_EPOCH must be whole seconds since 1970 ({exc})")
    if options.base_url is not None and not HTTP_URL.fullmatch(options.base_url):
        parser.error(f"--base-url {options.base_url!r} must be an absolute http:// or https:// URL")
    if options.output and (overlap := output_overlap(Path(options.output), site_root)):
        parser.error(f"--output: {overlap}")
    if options.no_cache and options.cache_dir:
        parser.error("--cache-dir and --no-cache cannot be used together")
    if options.cache_dir:
        cache = Path(options.cache_dir).resolve()
        for folder in ("content", "static", "templates", "published"):
            if cache.is_relative_to((site_root / folder).resolve()):
                parser.error(
                    f"--cache-dir {options.cache_dir}: inside the site's {folder}/ (it would be published or read)"
                )
    if options.locked and options.drafts:
        parser.error("--locked and --drafts cannot be used together (a --drafts build never records messages)")
    if options.command == "new":
        return _new(parser, options, site_root, now)
    if options.command == "schema":
        return _schema(parser, options, site_root)
    if options.args:
        parser.error(f"unexpected arguments: {' '.join(options.args)}")
    if options.jobs > max_jobs():
        print(f"--jobs {options.jobs}: using {max_jobs()} worker processes (twice the CPUs)", file=sys.stderr)
        options.jobs = max_jobs()
    cache_dir = None if options.no_cache else Path(options.cache_dir) if options.cache_dir else site_root / CACHE_DIR
    reporter = TerminalReporter(options.quiet, options.verbose)
    output = Path(options.output) if options.output else None
    if options.command == "build" and cache_dir is not None:
        started = time.perf_counter()
        stamp = Stamp(
            cache_dir,
            site_root,
            output=output,
            base_url=options.base_url,
            drafts=options.drafts,
            strict=options.strict,
            locked=options.locked,
            record=True,
        )
        replay = stamp.fresh(now)
        if replay is not None:
            problems = Problems()
            problems.extend(replay.problems)
            for line in replay.infos:
                reporter.info(line)
            reporter.detail(f"nothing changed since the last build; {replay.output} left as it was")
            _print_problems(problems, summary=not options.quiet)
            if not options.quiet:
                seconds = time.perf_counter() - started
                print(
                    f"up to date: {replay.pages} pages ({replay.files} files) in "
                    f"{terminal_text(str(replay.output))}, nothing written ({seconds:.2f} s)",
                    file=sys.stderr,
                )
            return 0

    from . import builder, live  # late: see the note at the top

    build_options = builder.BuildOptions(
        site_root=site_root,
        now=now,
        output=output,
        base_url=options.base_url,
        drafts=options.drafts,
        strict=options.strict,
        jobs=options.jobs,
        now_from_clock=not options.now and not os.environ.get("SOURCE_DATE_EPOCH"),
        locked=options.locked,
        cache_dir=cache_dir,
    )
    if options.command == "serve":
        return live.serve(build_options, options.host, options.port, options.poll, reporter)
    if options.command == "watch":
        return live.watch(build_options, options.poll, reporter)
    if options.command == "check":
        result = builder.check(build_options, reporter)
    else:
        result = builder.build(build_options, reporter)
    _print_problems(result.problems, summary=not options.quiet or not result.ok)
    if result.ok:
        if not options.quiet:
            if options.command == "check":
                print(f"checked: {result.pages} pages would be written ({result.seconds:.2f} s)", file=sys.stderr)
            else:
                print(
                    f"wrote {result.pages} pages ({result.files} files) to {terminal_text(str(result.output))} "
                    f"in {result.seconds:.2f} s: {result.changed} changed, {result.files - result.changed} "
                    f"unchanged, {result.removed} removed",
                    file=sys.stderr,
                )
        return 0
    if options.strict and not result.problems.errors and result.problems.warnings:
        print("warnings count as errors (--strict); nothing written", file=sys.stderr)
    elif options.command != "check":
        print("nothing written; the output folder was left as it was", file=sys.stderr)
    return 1


def _print_problems(problems: Problems, summary: bool = True) -> None:
    """Every problem, sorted (so they come together at the end of the run), then the count (SPEC §3),
    which --quiet leaves out when all is well. Coloured only on a terminal, and never with NO_COLOR."""
    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    for problem in problems.sorted():
        if colour:
            severity = f"\x1b[1;{31 if problem.severity is Severity.ERROR else 33}m{problem.severity.value}\x1b[0m"
            where = f"{terminal_text(problem.path)}:{problem.line}"
            print(f"{where}: {severity}: {terminal_text(problem.message)}", file=sys.stderr)
        else:
            print(problem, file=sys.stderr)
    if summary:
        print(summary_line(problems.errors, problems.warnings), file=sys.stderr)


def _schema(parser: argparse.ArgumentParser, options: argparse.Namespace, site_root: Path) -> int:
    """``schema [DIR]``: JSON Schemas for editors, by default in the site's .schemas/."""
    if len(options.args) > 1:
        parser.error("usage: schema [DIR]")
    from .schema import write_schemas  # late: see the note at the top

    folder = Path(options.args[0]) if options.args else site_root / ".schemas"
    try:
        written = write_schemas(site_root, folder)
    except OSError as exc:
        print(f"{terminal_text(str(folder))}:1: error: cannot write the schemas: {exc.strerror}", file=sys.stderr)
        return 1
    if not options.quiet:
        names = ", ".join(path.name for path in written)
        print(f"wrote {names} to {terminal_text(str(folder))}", file=sys.stderr)
    return 0


def _new(parser: argparse.ArgumentParser, options: argparse.Namespace, site_root: Path, now: dt.datetime) -> int:
    if len(options.args) != 2 or options.args[0] not in ("briefing", "site"):
        parser.error('usage: new briefing "TITLE", or new site DIR')
    from .config import load_config  # late: see the note at the top
    from .scaffold import new_briefing, new_site
    from .site import load_site

    if options.args[0] == "site":
        folder = Path(options.args[1])
        new_site(folder, now)
        shown = terminal_text(str(folder))
        print(f"created a new site in {shown}; build it with: bulletin build --site {shown}", file=sys.stderr)
        print(f"preview it with: bulletin serve --site {shown}", file=sys.stderr)
        return 0

    problems = Problems()
    config = load_config(site_root, problems, options.base_url)
    if config is None:
        _print_problems(problems)
        return 1
    site = load_site(site_root, now, Problems(), base_url=options.base_url)
    level = site.current_level.level if site and site.current_level else None
    path = new_briefing(site_root, config, options.args[1], now, level)
    shown = path.relative_to(site_root) if not path.is_absolute() else path
    print(f"created {terminal_text(str(shown))}", file=sys.stderr)
    return 0
