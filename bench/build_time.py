"""Build-time benchmark: Bulletin (--jobs 1, --jobs 2, check) against Pelican on the same corpus.

    .venv/bin/python bench/build_time.py [--sizes 1000,10000] [--runs N] [--pelican /tmp/peer-venv/bin/pelican]

For each size N the corpus is generated once (bench/generate.py: a Bulletin site and the same
briefings as a Pelican project), checked with ``build.py check --strict``, then the commands are
run in alternation, round after round (the order rotates each round), each build into a fresh
output folder, timing the wall clock of the whole command. Before every timed run the page cache
is flushed (``os.sync()``, untimed) so no command pays for the previous one's dirty pages. Then
the example site of the repository is built ``--example-runs`` times, and one Bulletin build of
the largest size (and, for comparison, of the smallest) is profiled with cProfile.

Prints a Markdown report and writes it to bench/RESULTS.md (``--results``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import io
import os
import platform
import pstats
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import generate  # bench/generate.py: this script's folder is sys.path[0]

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SNAPSHOT_PARTS = ("build.py", "bulletin", "templates", "static", "site.yaml", "content")
NOW = "2026-01-01T00:00:00Z"
DEFAULT_PELICAN = "/tmp/peer-venv/bin/pelican"
PROJECT_PACKAGES = ("Jinja2", "Markdown", "PyYAML", "nh3", "MarkupSafe", "watchdog")
NOTES_MARKER = "<!-- Notes below this line are written by hand; build_time.py keeps them. -->"
PEER_PACKAGES = ("pelican", "Markdown", "Jinja2", "Pygments", "feedgenerator")


@dataclass
class Code:
    """The Bulletin being measured: a copy taken at the start, so edits made meanwhile do not mix in."""

    root: Path = REPO
    description: str = "the working tree"

    @property
    def build_py(self) -> str:
        return str(self.root / "build.py")


CODE = Code()


def snapshot(work: Path, revision: str) -> Code:
    """Copy the engine, theme and example site (the working tree, or a git revision) into ``work``."""
    target = work / "code"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    head = _git("rev-parse", "--short", "HEAD")
    if revision == "worktree":
        for part in SNAPSHOT_PARTS:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif source.exists():
                shutil.copy2(source, target / part)
        status = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", *SNAPSHOT_PARTS], capture_output=True, text=True
        )
        dirty = [line[3:] for line in status.stdout.splitlines() if line[3:]]
        if dirty:
            more = f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
            state = f"with uncommitted changes in {', '.join(dirty[:5])}{more}"
        else:
            state = "no uncommitted changes"
        return Code(target, f"a copy of the working tree taken at the start (HEAD {head}, {state})")
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "--", *SNAPSHOT_PARTS], capture_output=True)
    if archive.returncode:
        sys.exit(f"git archive {revision} failed: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    commit = _git("rev-parse", "--short", revision)
    return Code(target, f"commit {commit} (git archive of {revision!r})")


def _git(*args: str) -> str:
    found = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
    return found.stdout.strip() or "unknown"


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the command and the worker processes it waited for
    rss_mb: float  # peak resident set of the largest of those processes


@dataclass
class Series:
    size: int
    label: str
    command: str
    runs: list[Run] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    largest: tuple[int, str] = (0, "")

    @property
    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


# --------------------------------------------------------------------------- running commands


def run_timed(cmd: list[str], cwd: Path | None = None) -> tuple[Run, int, str]:
    """Run ``cmd`` once; wall clock from start to exit, CPU and peak RSS from wait4()."""
    os.sync()  # untimed: start every run with no dirty pages left by the previous one
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), proc.returncode, text


def must_succeed(cmd: list[str], rc: int, output: str) -> None:
    if rc != 0:
        sys.exit(f"command failed (exit {rc}): {shlex.join(cmd)}\n{output}")


def output_stats(folder: Path) -> tuple[int, int, tuple[int, str]]:
    files = total = 0
    largest = (0, "")
    for here, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(here) / name
            size = path.stat().st_size
            files += 1
            total += size
            largest = max(largest, (size, path.relative_to(folder).as_posix()))
    return files, total, largest


# --------------------------------------------------------------------------- the benchmark


def bulletin_build(site: Path, out: Path, jobs: int) -> list[str]:
    cmd = [sys.executable, CODE.build_py, "--site", str(site), "--output", str(out), "--now", NOW]
    return [*cmd, f"--jobs={jobs}", "-q"]


def measure_size(args: argparse.Namespace, size: int, work: Path, log) -> list[Series]:
    site, peer = work / f"site-{size}", work / f"pelican-{size}"
    started = time.perf_counter()
    generate.generate(site, size, args.seed, None if args.no_pelican else peer)
    log(f"N={size}: generated both corpora in {time.perf_counter() - started:.1f} s")
    check_cmd = [sys.executable, CODE.build_py, "check", "--site", str(site), "--strict", "--now", NOW, "-q"]
    _run, rc, text = run_timed(check_cmd)
    must_succeed(check_cmd, rc, text)
    if text.strip():
        sys.exit(f"check --strict printed problems for the generated site:\n{text}")
    log(f"N={size}: check --strict: 0 errors, 0 warnings")

    runs_dir = work / "runs"

    def fresh(label: str, round_: int) -> Path:
        parent = runs_dir / f"{label}-{size}-{round_}"
        parent.mkdir(parents=True)
        return parent / "out"

    series = [
        Series(size, "Bulletin build --jobs 1", ""),
        Series(size, "Bulletin build --jobs 2", ""),
        Series(size, f"Bulletin check --jobs {args.check_jobs}", ""),
    ]
    if not args.no_pelican:
        series.append(Series(size, "Pelican", ""))
    n_runs = args.runs or (5 if size <= 2000 else 3)
    for round_ in range(n_runs):
        order = series[round_ % len(series) :] + series[: round_ % len(series)]
        for s in order:
            out = fresh(s.label.split()[0].lower() + str(series.index(s)), round_)
            cwd = None
            if s.label.startswith("Bulletin build"):
                cmd = bulletin_build(site, out, int(s.label.split()[-1]))
                display = shlex.join(bulletin_build(Path(f"bench-work/site-{size}"), Path("OUT"), int(s.label[-1])))
            elif s.label.startswith("Bulletin check"):
                cmd = [sys.executable, CODE.build_py, "check", "--site", str(site), "--strict", "--now", NOW]
                cmd += [f"--jobs={args.check_jobs}", "-q"]
                display = shlex.join([*cmd[:4], f"bench-work/site-{size}", *cmd[5:]])
            else:
                cmd = [args.pelican, "content", "-s", "pelicanconf.py", "-o", str(out), "-q"]
                cwd = peer
                display = f"(cd bench-work/pelican-{size} && {Path(args.pelican).name} {shlex.join(cmd[1:5])} OUT -q)"
            run, rc, text = run_timed(cmd, cwd)
            must_succeed(cmd, rc, text)
            s.runs.append(run)
            s.command = _short(display)
            if round_ == 0 and out.exists():
                s.files, s.bytes, s.largest = output_stats(out)
            shutil.rmtree(out.parent, ignore_errors=True)
            log(f"N={size} round {round_ + 1}/{n_runs}: {s.label}: {run.wall:.2f} s")
    return series


def measure_example(args: argparse.Namespace, work: Path, log) -> Series:
    s = Series(len(list((CODE.root / "content" / "briefings").rglob("*.md"))), "example site (repository root)", "")
    for i in range(args.example_runs):
        out = work / "runs" / f"example-{i}" / "out"
        out.parent.mkdir(parents=True)
        cmd = [sys.executable, CODE.build_py, "--site", str(CODE.root), "--output", str(out), "--now", NOW, "-q"]
        run, rc, text = run_timed(cmd)
        must_succeed(cmd, rc, text)
        s.runs.append(run)
        if i == 0:
            s.files, s.bytes, s.largest = output_stats(out)
        shutil.rmtree(out.parent, ignore_errors=True)
    s.command = _short(shlex.join([*cmd[:3], ".", "--output", "OUT", *cmd[6:]]))
    log(f"example site: median {s.median:.3f} s over {len(s.runs)} runs")
    return s


def profile(size: int, work: Path, seed: int, log) -> Path:
    site = work / f"site-{size}"
    if not (site / "site.yaml").exists():
        generate.generate(site, size, seed)
    out = work / "runs" / f"profile-{size}" / "out"
    out.parent.mkdir(parents=True)
    prof = work / f"profile-{size}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), CODE.build_py, "--site", str(site)]
    cmd += ["--output", str(out), "--now", NOW, "--jobs=1", "-q"]
    run, rc, text = run_timed(cmd)
    must_succeed(cmd, rc, text)
    shutil.rmtree(out.parent, ignore_errors=True)
    log(f"profiled N={size} (--jobs 1) in {run.wall:.1f} s")
    return prof


# --------------------------------------------------------------------------- profile analysis

Key = tuple[str, int, str]


def load_stats(path: Path) -> tuple[pstats.Stats, dict[Key, tuple]]:
    stats = pstats.Stats(str(path))
    return stats, stats.stats  # type: ignore[attr-defined]


def cumulative(raw: dict[Key, tuple], file_suffix: str, func: str) -> float:
    return sum(v[3] for k, v in raw.items() if k[0].endswith(file_suffix) and k[2] == func)


def tottime(raw: dict[Key, tuple], file_suffix: str, func: str) -> float:
    return sum(v[2] for k, v in raw.items() if k[0].endswith(file_suffix) and k[2] == func)


def categories(raw: dict[Key, tuple]) -> tuple[float, list[tuple[str, float]]]:
    """Disjoint shares of one build: (total, [(what, seconds)])."""
    total = cumulative(raw, "bulletin/builder.py", "build")
    md_all = cumulative(raw, "bulletin/markdown.py", "render")
    md_convert = cumulative(raw, "markdown/core.py", "convert")
    yaml_ = cumulative(raw, "bulletin/yamlsafe.py", "load_yaml")
    parse = cumulative(raw, "bulletin/content/parse.py", "parse_source")
    load = cumulative(raw, "bulletin/site.py", "load_site")
    jinja = cumulative(raw, "bulletin/render.py", "render") + cumulative(raw, "bulletin/render.py", "check_templates")
    write = sum(cumulative(raw, "bulletin/writer.py", f) for f in ("write", "copy", "commit", "remove_leftovers"))
    sync = tottime(raw, "~", "<built-in method posix.sync>")
    machine = cumulative(raw, "bulletin/outputs/data.py", "data_files")
    rows = [
        ("Markdown → HTML (Python-Markdown `convert`)", md_convert),
        ("sanitising + plain text of that HTML (nh3, audit, html_to_text)", md_all - md_convert),
        ("YAML (front matter, people, site.yaml: `load_yaml`)", yaml_),
        ("rest of reading sources (decode, split, stage one)", parse - md_all - yaml_ + _config_yaml(raw)),
        ("validation and site model (stage two, `load_site` minus parsing)", load - parse - _config_yaml(raw)),
        ("Jinja rendering (`Renderer.render`, template compile)", jinja),
        ("machine outputs (`data_files`: CAP, feeds, sitemap, search index)", machine),
        (f"writing files (`writer.py`, incl. os.sync() {sync:.2f} s)", write),
    ]
    rows.append(("other (views, page plan, imports, start-up)", total - sum(v for _, v in rows)))
    return total, rows


def _config_yaml(raw: dict[Key, tuple]) -> float:
    """YAML time spent outside parse_source (site.yaml, threat-levels.yaml are read by other callers)."""
    return max(0.0, cumulative(raw, "bulletin/yamlsafe.py", "load_yaml") - _yaml_in_parse(raw))


def _yaml_in_parse(raw: dict[Key, tuple]) -> float:
    for key, value in raw.items():
        if key[0].endswith("bulletin/yamlsafe.py") and key[2] == "load_yaml":
            callers = value[4]
            return sum(c[3] for ck, c in callers.items() if ck[0].endswith("content/parse.py"))
    return 0.0


def top_lines(stats: pstats.Stats, n: int) -> str:
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(n)
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    return "\n".join(_short(line) for line in lines[start:] if line.strip())


def growth(small: dict[Key, tuple], big: dict[Key, tuple], factor: float, total_big: float) -> list[tuple]:
    """Functions (>= 1% of the big build) whose time or calls grow faster than the corpus."""
    rows = []
    for key, (_cc, nc, _tt, ct, _callers) in big.items():
        if ct < 0.01 * total_big or key not in small:
            continue
        s_nc, s_ct = small[key][1], small[key][3]
        if s_ct <= 0 or s_nc <= 0:
            continue
        rows.append((ct / s_ct / factor, nc / s_nc / factor, key, s_ct, ct, s_nc, nc))
    rows.sort(key=lambda r: r[0], reverse=True)
    return rows


def markdown_extension_costs(site: Path, sample: int = 300) -> list[tuple[str, float]]:
    """ms per briefing body for Bulletin's Markdown setup, without each extension, and the full render."""
    sys.path.insert(0, str(CODE.root))
    try:
        import markdown

        from bulletin.markdown import _EXTENSIONS, MarkdownRenderer
    except ImportError:
        return []
    files = sorted((site / "content" / "briefings").rglob("*.md"))[:sample]
    bodies = [f.read_text(encoding="utf-8").split("---\n", 2)[2] for f in files]

    def per_body(extensions: list[str]) -> float:
        md = markdown.Markdown(extensions=extensions, output_format="html")
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for body in bodies:
                md.reset().convert(body)
            best = min(best, time.perf_counter() - start)
        return best / len(bodies) * 1000

    rows = [("Bulletin's extensions: " + ", ".join(_EXTENSIONS), per_body(list(_EXTENSIONS)))]
    rows.append(("no extensions", per_body([])))
    for ext in _EXTENSIONS:
        rows.append((f"without {ext}", per_body([e for e in _EXTENSIONS if e != ext])))
    renderer = MarkdownRenderer(False)
    start = time.perf_counter()
    for body in bodies:
        renderer.render(body)
    full = (time.perf_counter() - start) / len(bodies) * 1000
    rows.append(("MarkdownRenderer.render (Markdown + nh3 + audit + text)", full))
    return rows


# --------------------------------------------------------------------------- report


def _short(text: str) -> str:
    prefixes = (str(REPO / ".venv/lib") + "/", str(CODE.root) + "/", str(REPO) + "/", sys.prefix + "/")
    prefixes += (sys.base_prefix + "/lib/",)
    for prefix in prefixes:
        text = text.replace(prefix, "")
    return text


def versions(pelican: str | None) -> list[str]:
    lines = [f"Bulletin venv: Python {platform.python_version()}"]
    for name in PROJECT_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            lines[-1] += f", {name} {importlib.metadata.version(name)}"
    lines[-1] += _libyaml()
    if pelican:
        code = (
            "import importlib.metadata as m, platform; print('Python', platform.python_version(), end='');"
            f"[print(f', {{n}} {{m.version(n)}}', end='') for n in {PEER_PACKAGES!r}]"
        )
        peer_python = str(Path(pelican).parent / "python")
        found = subprocess.run([peer_python, "-c", code], capture_output=True, text=True, check=False)
        lines.append(f"Pelican venv ({Path(pelican).parent.parent}): {found.stdout.strip() or found.stderr.strip()}")
    return lines


def _libyaml() -> str:
    try:
        import yaml

        return f" (libyaml C loader: {'yes' if hasattr(yaml, 'CSafeLoader') else 'no'})"
    except ImportError:
        return ""


def fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}"


def results_table(all_series: list[Series], example: Series | None) -> str:
    lines = [
        "| N | command | runs | median s | min s | max s | CPU s (median) | peak RSS MB | ms / briefing | ÷ Pelican |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in [*all_series, *([example] if example else [])]:
        peer = next((p for p in all_series if p.size == s.size and p.label == "Pelican"), None)
        ratio = f"{s.median / peer.median:.2f}" if peer and "check" not in s.label else "–"
        cpu = statistics.median(r.cpu for r in s.runs)
        rss = max(r.rss_mb for r in s.runs)
        per = f"{s.median / s.size * 1000:.2f}" if s is not example else "–"
        lines.append(
            f"| {s.size} | {s.label} | {len(s.runs)} | {fmt(s.median)} | {fmt(min(s.walls))} | {fmt(max(s.walls))} "
            f"| {fmt(cpu)} | {rss:.0f} | {per} | {ratio} |"
        )
    return "\n".join(lines)


def output_table(all_series: list[Series]) -> str:
    lines = ["| N | command | files written | MB written | largest file |", "|---:|---|---:|---:|---|"]
    for s in all_series:
        if s.files:
            size, name = s.largest
            lines.append(f"| {s.size} | {s.label} | {s.files} | {s.bytes / 1e6:.0f} | {name} ({size / 1e3:.0f} kB) |")
    return "\n".join(lines)


def interpretation(all_series: list[Series], sizes: list[int], shares: list[tuple[str, float]] | None) -> list[str]:
    notes = []
    by = {(s.size, s.label): s for s in all_series}
    for n in sizes:
        j1, j2, peer = (by.get((n, k)) for k in ("Bulletin build --jobs 1", "Bulletin build --jobs 2", "Pelican"))
        if j1 and j2:
            text = (
                f"N={n}: Bulletin takes {j1.median:.1f} s with --jobs 1 and {j2.median:.1f} s with --jobs 2 "
                f"({abs(1 - j2.median / j1.median) * 100:.0f}% {'less' if j2.median < j1.median else 'more'}"
            )
            text += "; only reading/Markdown runs in workers, Jinja rendering and writing stay in one process)"
            cpu1 = statistics.median(r.cpu for r in j1.runs)
            cpu2 = statistics.median(r.cpu for r in j2.runs)
            text += f", using {cpu1:.1f} and {cpu2:.1f} CPU seconds"
            if peer:
                text += (
                    f"; Pelican takes {peer.median:.1f} s, so Bulletin is {j1.median / peer.median:.2f}× "
                    f"(--jobs 1) and {j2.median / peer.median:.2f}× (--jobs 2) Pelican's time"
                )
            notes.append(text + ".")
        check = next((s for s in all_series if s.size == n and s.label.startswith("Bulletin check")), None)
        if check and j2:
            notes.append(
                f"N={n}: `check --strict` takes {check.median:.1f} s, {check.median / j2.median * 100:.0f}% of a "
                "--jobs 2 build: it validates and renders every page in memory, and skips only the writing."
            )
    if len(sizes) >= 2:
        lo, hi = min(sizes), max(sizes)
        for label in ("Bulletin build --jobs 1", "Bulletin build --jobs 2", "Pelican"):
            a, b = by.get((lo, label)), by.get((hi, label))
            if a and b:
                per_lo, per_hi = a.median / lo * 1000, b.median / hi * 1000
                verdict = (
                    "grows with N: look for superlinear work"
                    if per_hi > 1.25 * per_lo
                    else "about constant: linear scaling"
                )
                notes.append(
                    f"{label}: {per_lo:.2f} ms per briefing at N={lo}, {per_hi:.2f} ms at N={hi} "
                    f"(×{per_hi / per_lo:.2f}; {verdict})."
                )
    spreads = [(max(s.walls) - min(s.walls)) / min(s.walls) for s in all_series if len(s.runs) > 1]
    if spreads:
        notes.append(
            f"Noise: max/min spread per command is {min(spreads) * 100:.0f}–{max(spreads) * 100:.0f}% "
            "(shared 2-core machine); compare medians, and minima for best-case figures."
        )
    if shares:
        total = sum(v for _, v in shares)
        md = sum(v for k, v in shares[:2])
        notes.append(
            f"In the profile, Markdown rendering (with sanitising) is {md / total * 100:.0f}% of a --jobs 1 build "
            f"and Jinja rendering {shares[5][1] / total * 100:.0f}%; only the former is parallelised by --jobs, so "
            "on 2 cores a build cannot drop much below the Jinja + writing + validation time."
        )
    return notes


def write_report(
    args: argparse.Namespace,
    all_series: list[Series],
    example: Series | None,
    prof_text: str,
    shares: list[tuple[str, float]] | None,
    head_at_start: str,
    started: dt.datetime,
    elapsed: float,
    loads: list[str],
) -> str:
    sizes = sorted({s.size for s in all_series})
    out = [
        "# Build-time benchmark",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `bench/build_time.py` in {elapsed / 60:.1f} min.",
        "",
        f"- Machine: `nproc` = {_nproc()}, {platform.machine()}, {platform.platform()}; "
        f"shared and noisy (load average {'; '.join(loads)}).",
        *[f"- {line}" for line in versions(None if args.no_pelican else args.pelican)],
        f"- Bulletin measured: {CODE.description}.{_moved(head_at_start)}",
        f"- Corpus: bench/generate.py, seed {args.seed}; dates 2016–2025, 4–8 paragraphs per briefing, "
        "30 people, 20 regions, 60 tags, 4 pages; `check --strict` passes with 0 errors and 0 warnings.",
        "",
        "## Results",
        "",
        "Wall clock of the whole command (process start to exit), each build into a fresh output folder, "
        "commands alternating round by round. CPU s is user+system time of the command and its workers. "
        "`÷ Pelican` is the ratio of medians (below 1: Bulletin is faster).",
        "",
        results_table(all_series, example),
        "",
        output_table(all_series),
        "",
        "## Interpretation",
        "",
        *[f"- {note}" for note in interpretation(all_series, sizes, shares)],
        "",
        prof_text,
        "## Reproduce",
        "",
        "```sh",
        "python3 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install 'pelican[markdown]'   # the peer, kept apart",
        f".venv/bin/python bench/build_time.py {shlex.join(_argv())}",
        "```",
        "",
        "Each timed command, with `bench-work` the work folder and `OUT` a fresh folder per run:",
        "",
        "```sh",
        *[s.command for s in _unique(all_series)],
        *([example.command] if example else []),
        "```",
        "",
        f"The corpora alone: `.venv/bin/python bench/generate.py bench-work/site-N --briefings N --seed {args.seed} "
        "--pelican bench-work/pelican-N`.",
        "",
    ]
    return "\n".join(out)


def _moved(head_at_start: str) -> str:
    now = _git("rev-parse", "--short", "HEAD")
    return (
        f" (HEAD moved from {head_at_start} to {now} during the run; the copy was not affected)"
        if now != head_at_start
        else ""
    )


def _unique(all_series: list[Series]) -> list[Series]:
    seen, out = set(), []
    for s in all_series:
        if s.label not in seen:
            seen.add(s.label)
            out.append(s)
    return out


def _argv() -> list[str]:
    return sys.argv[1:]


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def profile_section(args: argparse.Namespace, work: Path, sizes: list[int], log) -> tuple[str, list]:
    big = args.profile_size
    prof_big = profile(big, work, args.seed, log)
    stats, raw_big = load_stats(prof_big)
    total, rows = categories(raw_big)
    out = [
        f"## Profile: one Bulletin build of {big} briefings (--jobs 1, cProfile)",
        "",
        f"`python -m cProfile` around `build.py --jobs=1` (with --jobs 2 the Markdown work would run in workers "
        f"that cProfile does not see). The build took {total:.1f} s under the profiler; cProfile's overhead "
        "inflates pure-Python code (Python-Markdown, Jinja) more than C code (nh3, libyaml), so read the shares "
        "as approximate.",
        "",
        "| where the time goes | seconds | share |",
        "|---|---:|---:|",
        *[f"| {what} | {secs:.2f} | {secs / total * 100:.1f}% |" for what, secs in rows],
        f"| **total (`builder.build`)** | {total:.2f} | 100% |",
        "",
        "Top 25 functions by cumulative time:",
        "",
        "```",
        top_lines(stats, 25),
        "```",
        "",
    ]
    small_size = min(sizes) if sizes else None
    if small_size and small_size < big:
        prof_small = profile(small_size, work, args.seed, log)
        _stats_small, raw_small = load_stats(prof_small)
        total_small = cumulative(raw_small, "bulletin/builder.py", "build")
        factor = big / small_size
        rows_g = growth(raw_small, raw_big, factor, total)
        flagged = [r for r in rows_g if r[1] > 1.3]  # more calls per briefing: work that grows faster than N
        watch = [r for r in rows_g if r not in flagged and r[0] > 1.3]  # same calls, each one slower
        out += [
            f"### Superlinear growth? N={small_size} against N={big} (×{factor:.0f} briefings)",
            "",
            f"Whole build under the profiler: {total_small:.2f} s → {total:.2f} s, "
            f"×{total / total_small:.1f} for ×{factor:.0f} the briefings "
            f"({total_small / small_size * 1000:.2f} → {total / big * 1000:.2f} ms per briefing). "
            "Below: the functions taking at least 1% of the large build with the highest growth of time "
            "relative to the corpus (1.0 = linear; fixed costs show below 1; above ~1.5 is superlinear).",
            "",
            "| function | time N=small → N=big (s) | time growth ÷ N growth | calls growth ÷ N growth |",
            "|---|---:|---:|---:|",
        ]
        for t_ratio, c_ratio, key, s_ct, ct, _s_nc, _nc in rows_g[:10]:
            name = f"{_short(key[0])}:{key[1]}({key[2]})"
            out.append(f"| `{name}` | {s_ct:.2f} → {ct:.2f} | {t_ratio:.2f} | {c_ratio:.2f} |")
        out.append("")
        if flagged:
            out.append(
                "**Flagged: called more often per briefing at the larger size (work growing faster than N):** "
                + "; ".join(f"`{_short(r[2][0])}:{r[2][2]}` (×{r[1]:.1f} calls per briefing)" for r in flagged)
                + "."
            )
        else:
            out.append(
                "No function taking ≥1% of the build is called more often per briefing at the larger size: "
                "no algorithmic superlinear work."
            )
        if watch:
            out.append("")
            out.append(
                "**Same calls per briefing, but each call slower at the larger size (time per briefing up more "
                "than 30%):** "
                + "; ".join(f"`{_short(r[2][0])}:{r[2][2]}` (×{r[0]:.2f})" for r in watch)
                + ". The inputs per call are the same, so this is the state of the process (a larger heap, "
                "cache misses, garbage collection attributed to whatever runs) or machine noise, not an "
                "algorithm; it still makes the build slightly superlinear."
            )
        out.append("")
    site = work / f"site-{min(sizes) if sizes else big}"
    costs = markdown_extension_costs(site)
    if costs:
        base = costs[0][1]
        out += [
            "### Markdown extensions: cost per briefing body",
            "",
            "Python-Markdown alone (no sanitising) on 300 generated bodies, best of 5, outside any build, "
            "to show which enabled extension the Markdown time comes from:",
            "",
            "| setup | ms per body | vs Bulletin's setup |",
            "|---|---:|---:|",
            *[f"| {what} | {ms:.2f} | {(ms / base - 1) * 100:+.0f}% |" for what, ms in costs],
            "",
        ]
    return "\n".join(out), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, help="runs per command (default: 5 up to 2000 briefings, else 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check-jobs", type=int, default=2, help="--jobs for the timed `check` (default 2)")
    parser.add_argument("--pelican", default=DEFAULT_PELICAN, help=f"the peer's executable (default {DEFAULT_PELICAN})")
    parser.add_argument("--no-pelican", action="store_true", help="measure Bulletin only")
    parser.add_argument("--example-runs", type=int, default=10, help="builds of the repository's example site")
    parser.add_argument("--profile-size", type=int, help="briefings in the profiled build (default: largest size)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--code",
        default="worktree",
        metavar="REV",
        help="what to measure: 'worktree' (a copy of the working tree, default) or a git revision",
    )
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary folder, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="where to write the report")
    args = parser.parse_args(argv)
    sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs positive numbers")
    args.profile_size = args.profile_size or max(sizes)
    if not args.no_pelican and not Path(args.pelican).exists():
        parser.error(
            f"Pelican not found at {args.pelican}: python3 -m venv /tmp/peer-venv && "
            "/tmp/peer-venv/bin/pip install 'pelican[markdown]' (or pass --no-pelican)"
        )

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="bulletin-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - clock:6.0f} s] {message}", file=sys.stderr, flush=True)

    loads = [f"{os.getloadavg()[0]:.2f} at start"]
    global CODE
    head = _git("rev-parse", "--short", "HEAD")
    try:
        CODE = snapshot(work, args.code)
        log(f"measuring {CODE.description}")
        all_series: list[Series] = []
        for size in sizes:
            all_series += measure_size(args, size, work, log)
        example = measure_example(args, work, log) if args.example_runs else None
        loads.append(f"{os.getloadavg()[0]:.2f} after the timed runs")
        prof_text, shares = ("", None) if args.no_profile else profile_section(args, work, sizes, log)
        elapsed = time.perf_counter() - clock
        report = write_report(args, all_series, example, prof_text, shares, head, started, elapsed, loads)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    previous = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
    notes = previous[previous.index(NOTES_MARKER) :] if NOTES_MARKER in previous else NOTES_MARKER + "\n"
    args.results.write_text(report + "\n" + notes, encoding="utf-8")
    print(report)
    log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
