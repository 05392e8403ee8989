"""Where a Bulletin rebuild spends its time: cProfile of a one-briefing edit (and of a clean build), by phase.

    .venv/bin/python bench/profile_edit.py [--size 10000] [--serve] [--clean] [--code HEAD] [--results FILE]

Untimed preparation, as bench/vs_hugo.py does it: generate the corpus (seed 1; reused when ``--work`` already
holds one of that size), take a copy of Bulletin (``git archive HEAD`` by default), one build with
``--no-cache`` to record the corpus's CAP messages in published/, then a cached build into the output (the
parse cache, the page store and the build stamp written), a wait until Bulletin's background removal of any
replaced output has finished, and one sentence appended to the middle briefing. Then, in a new process::

    python -m cProfile -o edit.prof build.py --site C --output O --now 2026-01-01T00:00:00+00:00 --jobs 1 -v

(``--jobs 1``: with workers, cProfile would not see their part). The same edit is then made again (another
sentence) and built without the profiler, ``--jobs 1`` and default jobs, for the real wall times. With
``--serve``, the rebuild that ``serve`` runs after a save (``builder.check`` with a live session's cache, then
``PreviewState.publish``) is driven in a process of its own: a first build, three timed saves, one profiled
(default jobs; cProfile sees the main process). With ``--clean``, the output and the cache are removed and a
``--no-cache --jobs 1`` build is profiled too.

Prints (and with ``--results`` appends to a file) Markdown: the wall times, a table of the time by phase from
the profile's cumulative times (phases nest as indented; "other" is what the listed phases leave of their
parent), and the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import io
import json
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

import build_time
import generate
import vs_hugo

BENCH = Path(__file__).resolve().parent
NOW = vs_hugo.NOW

Key = tuple[str, int, str]

LOAD = "load (`builder._load`)"
PAGES = "pages (`render_pages`)"
STAMP = "build stamp: stat walk of the inputs, and the check (`Stamp.__init__`, `Stamp.fresh`)"
WRITE = "writing the new tree of hard links and the swap (`release`, `Release.write/keep/copy/commit`)"
AFTER = "after the swap: stamp, page store, record (`_save_stamp`, `PageStore.save`, `_record`)"
# (label, depth, [(file suffix, function name)], parent label or None). Seconds are cumulative times summed over
# the functions named; a parent's "other" row is what its children leave.
PHASES: list[tuple[str, int, list[tuple[str, str]], str | None]] = [
    (STAMP, 0, [("bulletin/stamp.py", "__init__"), ("bulletin/stamp.py", "fresh")], None),
    (LOAD, 0, [("bulletin/builder.py", "_load")], None),
    ("site.yaml (`load_config`)", 1, [("bulletin/config.py", "load_config")], LOAD),
    ("listing content/ (`discover`)", 1, [("bulletin/site.py", "discover")], LOAD),
    ("reading sources (`read_inside`)", 1, [("bulletin/sitefiles.py", "read_inside")], LOAD),
    ("hashing sources for the parse cache (`DiskCache.key`)", 1, [("bulletin/diskcache.py", "key")], LOAD),
    ("parse cache: SQLite + unpickling (`DiskCache.get`)", 1, [("bulletin/diskcache.py", "get")], LOAD),
    ("parsing changed sources (`parse_source`)", 1, [("bulletin/content/parse.py", "parse_source")], LOAD),
    ("parse cache: storing, marking, closing (`put`, `mark`, `close`)", 1,
     [("bulletin/diskcache.py", "put"), ("bulletin/diskcache.py", "mark"), ("bulletin/diskcache.py", "close")],
     LOAD),
    ("stage two: validation and site model (`read_briefing`, `read_person`, `as_of`, slug and timeline checks)", 1,
     [], LOAD),
    ("renderer and template check (`_renderer`, `check_templates`)", 0,
     [("bulletin/builder.py", "_renderer"), ("bulletin/render.py", "check_templates")], None),
    ("views of every briefing, person, tag (`ViewBuilder.__init__`)", 0, [("bulletin/views.py", "__init__")], None),
    ("page store: reading pages.json (`PageStore.__init__`)", 0, [("bulletin/pagecache.py", "__init__")], None),
    (PAGES, 0, [("bulletin/builder.py", "render_pages")], None),
    ("page plan (`plan_pages`)", 1, [("bulletin/outputs/html.py", "plan_pages")], PAGES),
    ("page keys (`page_key`, `common_key`, `PageStore.kept`, `note`)", 1,
     [("bulletin/pagecache.py", "page_key"), ("bulletin/pagecache.py", "common_key"),
      ("bulletin/pagecache.py", "kept"), ("bulletin/pagecache.py", "note")], PAGES),
    ("rendering (`render_all`: Jinja)", 1, [("bulletin/pagejobs.py", "render_all")], PAGES),
    ("machine outputs (`data_files`: CAP, feeds, sitemap, search index)", 0,
     [("bulletin/outputs/data.py", "data_files")], None),
    ("static files (`collect_static`, `check_collisions`)", 0,
     [("bulletin/builder.py", "collect_static"), ("bulletin/builder.py", "check_collisions")], None),
    ("comparing every file with the output (`prepare_output`, `unchanged_output`)", 0,
     [("bulletin/writer.py", "prepare_output"), ("bulletin/writer.py", "unchanged_output")], None),
    (WRITE, 0,
     [("bulletin/writer.py", "release"), ("bulletin/writer.py", "write"), ("bulletin/writer.py", "keep"),
      ("bulletin/writer.py", "copy"), ("bulletin/writer.py", "commit")], None),
    ("pages kept: a hard link each, after comparing (`Release.keep`)", 1, [("bulletin/writer.py", "keep")], WRITE),
    ("pages and data written (`Release.write`)", 1, [("bulletin/writer.py", "write")], WRITE),
    ("the swap, counting what is missing, sync, retiring the old tree (`Release.commit`)", 1,
     [("bulletin/writer.py", "commit")], WRITE),
    (AFTER, 0,
     [("bulletin/builder.py", "_record"), ("bulletin/builder.py", "_save_stamp"), ("bulletin/pagecache.py", "save"),
      ("bulletin/builder.py", "_report_next")], None),
    ("the next moment the output can change (`next_moment`, over every briefing)", 1,
     [("bulletin/stamp.py", "next_moment")], AFTER),
    ("stat walk of the new output (`Stamp.save` → `output_digest`)", 1, [("bulletin/stamp.py", "save")], AFTER),
    ("pages.json (`PageStore.save`)", 1, [("bulletin/pagecache.py", "save")], AFTER),
    ("serve only: publishing the new snapshot (`PreviewState.publish`: every page compared with the one served)", 0,
     [("bulletin/serve.py", "publish")], None),
]  # fmt: skip

# The rebuild of ``serve`` after a save, as bulletin/live.py does it (``builder.check`` with the session's
# BuildCache, then ``PreviewState.publish``), in a process of its own importing the measured copy of Bulletin.
SERVE_DRIVER = """
import cProfile, json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bulletin import builder
from bulletin.cache import BuildCache
from bulletin.clock import resolve_now
from bulletin.serve import PreviewState
site, edited, prof, now = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5]
options = builder.BuildOptions(site_root=site, now=resolve_now(now), jobs=os.cpu_count() or 1,
                               cache_dir=site / ".bulletin-cache", cache=BuildCache())
state = PreviewState()
original = edited.read_text(encoding="utf-8")
def rebuild():
    result = builder.check(options)
    assert result.ok, result.problems.sorted()[:3]
    state.publish(result.rendered, result.static)
times = {}
try:
    started = time.perf_counter(); rebuild(); times["first build"] = time.perf_counter() - started
    for n in range(3):  # unprofiled saves
        edited.write_text(original.rstrip() + f"\\n\\nA sentence saved in the preview ({n}).\\n", encoding="utf-8")
        started = time.perf_counter(); rebuild(); times.setdefault("rebuilds", []).append(time.perf_counter() - started)
    edited.write_text(original.rstrip() + "\\n\\nA sentence saved in the preview (profiled).\\n", encoding="utf-8")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable(); rebuild(); profiler.disable()
    times["profiled rebuild"] = time.perf_counter() - started
    profiler.dump_stats(prof)
finally:
    edited.write_text(original, encoding="utf-8")
print(json.dumps(times))
"""


def cumulative(raw: dict[Key, tuple], pairs: list[tuple[str, str]]) -> tuple[float, int]:
    seconds, calls = 0.0, 0
    for (file, _line, func), (_cc, nc, _tt, ct, _callers) in raw.items():
        if any(file.endswith(suffix) and func == name for suffix, name in pairs):
            seconds += ct
            calls += nc
    return seconds, calls


def phase_table(prof: Path) -> tuple[str, float]:
    stats = pstats.Stats(str(prof))
    raw = stats.stats  # type: ignore[attr-defined]
    program, _ = cumulative(raw, [("build.py", "<module>")])
    build, _ = cumulative(raw, [("bulletin/builder.py", "build")])
    publish, _ = cumulative(raw, [("bulletin/serve.py", "publish")])
    serve = not program  # the serve driver: a rebuild is builder.build (via check) and publish
    if serve:
        program = build + publish
    values: dict[str, tuple[float, int]] = {}
    for label, _depth, pairs, _parent in PHASES:
        values[label] = cumulative(raw, pairs) if pairs else (0.0, 0)
    # Stage two: load_site minus what it calls for stage one.
    load_site, _ = cumulative(raw, [("bulletin/site.py", "load_site")])
    parse_all, _ = cumulative(raw, [("bulletin/site.py", "parse_all")])
    config, _ = values["site.yaml (`load_config`)"]
    discover, _ = values["listing content/ (`discover`)"]
    stage_two = [label for label, _d, pairs, _p in PHASES if not pairs][0]
    values[stage_two] = (load_site - parse_all - config - discover, 0)
    lines = ["| phase | seconds | share of the program | calls |", "|---|---:|---:|---:|"]

    def row(label: str, depth: int, seconds: float, calls: int | None) -> None:
        indent = "&nbsp;&nbsp;&nbsp;&nbsp;" * depth + ("↳ " if depth else "")
        shown_calls = f"{calls:,}" if calls else ""
        lines.append(f"| {indent}{label} | {seconds:.2f} | {seconds / program * 100:.1f}% | {shown_calls} |")

    # The stamp is checked by the command line before the builder is imported, and again by builder.build.
    in_build = 0.0
    for (file, _line, func), value in raw.items():
        if file.endswith("bulletin/stamp.py") and func in ("__init__", "fresh"):
            in_build += sum(c[3] for ck, c in value[4].items() if ck[0].endswith("bulletin/builder.py"))
    stamp_label = STAMP
    top_level = -in_build  # the part of the stamp check that builder.build contains
    for index, (label, depth, _pairs, parent) in enumerate(PHASES):
        seconds, calls = values[label]
        row(label, depth, seconds, calls)
        if label == stamp_label and in_build:
            row("of which in `builder.build`, where the stamp is made and checked a second time", 1, in_build, None)
        if depth == 0:
            top_level += seconds
        last_child = parent is not None and (index + 1 == len(PHASES) or PHASES[index + 1][3] != parent)
        if last_child:
            children = sum(values[lbl][0] for lbl, _d, _p, par in PHASES if par == parent)
            row("other", depth, values[parent][0] - children, None)
    row("other parts of `builder.build`", 0, build - top_level + publish, None)
    if serve:
        lines.append(f"| **the rebuild under cProfile (`builder.check` + `publish`)** | **{program:.2f}** | 100% | |")
    else:
        row("start-up: imports, argument parsing (outside `builder.build` and the stamp check)", 0,
            program - build - (values[stamp_label][0] - in_build), None)  # fmt: skip
        lines.append(f"| **the program under cProfile (`build.py` module)** | **{program:.2f}** | 100% | |")
    return "\n".join(lines), program


def top(prof: Path, sort: str, n: int) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(str(prof), stream=stream)
    stats.sort_stats(sort).print_stats(n)
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    return "\n".join(build_time._short(line) for line in lines[start:] if line.strip())


def profile_tables(table: str, prof: Path, n: int, sorts: tuple[str, ...]) -> list[str]:
    """The phase table, then the top ``n`` functions of each sort ("cumulative": with callees; "tottime": own)."""
    what = {"cumulative": "cumulative time", "tottime": "own time"}
    lines = [table, ""]
    for sort in sorts:
        lines += [f"Top {n} functions by {what[sort]}:", "", "```", top(prof, sort, n), "```", ""]
    return lines


def run(cmd: list[str], what: str, log) -> tuple[float, str]:
    result, rc, text = build_time.run_timed(cmd)
    build_time.must_succeed(cmd, rc, text)
    log(f"{what}: {result.wall:.2f} s, peak RSS {result.rss_mb:.0f} MB")
    return result.wall, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10000, help="briefings in the corpus (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", default="HEAD", metavar="REV", help="git revision measured, or 'worktree'")
    parser.add_argument("--clean", action="store_true", help="also profile a clean --no-cache build")
    parser.add_argument("--serve", action="store_true", help="also profile serve's rebuild after a save")
    parser.add_argument("--work", type=Path, default=BENCH / "out" / "profile", help="corpus, output, .prof files")
    parser.add_argument("--top", type=int, default=25, help="functions listed (default 25)")
    parser.add_argument("--results", type=Path, help="append the Markdown to this file as well")
    args = parser.parse_args(argv)
    clock = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - clock:6.0f} s] {message}", file=sys.stderr, flush=True)

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    code = build_time.snapshot(work, args.code)
    site, out = work / f"site-{args.size}", work / f"out-{args.size}"
    marker = site / ".bench-size"
    if not marker.exists() or marker.read_text() != f"{args.size} {args.seed}":
        shutil.rmtree(site, ignore_errors=True)
        generate.generate(site, args.size, args.seed)
        marker.write_text(f"{args.size} {args.seed}")
        log(f"generated {args.size} briefings")
    briefings = sorted((site / "content" / "briefings").glob("*/*.md"))
    edited = briefings[len(briefings) // 2]
    original = edited.read_text(encoding="utf-8")
    base = [sys.executable, code.build_py, "--site", str(site), "--output", str(out), "--now", NOW]
    profiled_base = [sys.executable, "-m", "cProfile", "-o"]
    sections = [
        f"Bulletin {code.description}; corpus of {args.size:,} briefings (seed {args.seed}); "
        f"edited: `{edited.relative_to(site)}`.",
        "",
    ]
    try:
        vs_hugo.wait_for_trash(out)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(site / ".bulletin-cache", ignore_errors=True)
        run([*base, "--no-cache", "-q"], "untimed: recording published/ (--no-cache)", log)
        vs_hugo.wait_for_trash(out)
        run([*base, "-q"], "untimed: cached build (parse cache, page store, stamp)", log)
        vs_hugo.wait_for_trash(out)
        _, text = run([*base, "-v"], "untimed: no-change check (-v)", log)
        stamp_line = next((line for line in text.splitlines() if "nothing changed" in line), "(no such line)")

        edited.write_text(original.rstrip("\n") + "\n\nOne sentence appended for the profile.\n", encoding="utf-8")
        prof = work / f"edit-{args.size}.prof"
        wall, text = run([*profiled_base, str(prof), *base[1:], "--jobs", "1", "-v"], "profiled edit (--jobs 1)", log)
        verbose = [line for line in text.splitlines() if "rendered" in line or "swapped" in line or "feeds" in line]
        real = {}
        for n, jobs in enumerate(("1", None)):
            vs_hugo.wait_for_trash(out)
            extra = f"\n\nAnother sentence, appended for an unprofiled run ({n}).\n"
            edited.write_text(original.rstrip("\n") + extra, encoding="utf-8")
            cmd = [*base, "-q", *(["--jobs", jobs] if jobs else [])]
            real[jobs or "default"], _ = run(cmd, f"unprofiled edit (--jobs {jobs or 'default'})", log)
        table, program = phase_table(prof)
        sections += [
            f"### One briefing edited (N = {args.size:,})",
            "",
            f"Command: `python -m cProfile -o edit.prof build.py --site C --output O --now {NOW} --jobs 1 -v` after "
            "a warm cached build, the background removal finished, and one sentence appended to one briefing. "
            f"Wall time under the profiler {wall:.2f} s (the profiled program {program:.2f} s); the same edit "
            f"without the profiler: {real['1']:.2f} s with `--jobs 1`, {real['default']:.2f} s with default jobs. "
            f"The no-change run before it: “{stamp_line.strip()}”. The profiled run's `-v` lines: "
            + "; ".join(f"“{line.strip()}”" for line in verbose)
            + ".",
            "",
            *profile_tables(table, prof, args.top, ("cumulative", "tottime")),
        ]
    finally:
        edited.write_text(original, encoding="utf-8")
    if args.serve:
        prof = work / f"serve-{args.size}.prof"
        cmd = [sys.executable, "-c", SERVE_DRIVER, str(code.root), str(site), str(edited), str(prof), NOW]
        started = time.perf_counter()
        found = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if found.returncode:
            sys.exit(f"the serve driver failed:\n{found.stderr}")
        times = json.loads(found.stdout.strip().splitlines()[-1])
        log(f"serve driver: {times} ({time.perf_counter() - started:.0f} s in all)")
        table, program = phase_table(prof)
        rebuilds = ", ".join(f"{t:.2f}" for t in times["rebuilds"])
        sections += [
            f"### A save in `serve` (N = {args.size:,})",
            "",
            "The rebuild `serve` runs after a save (bulletin/live.py: `builder.check` with the session's "
            "`BuildCache`, then `PreviewState.publish`), driven in a process of its own with the parse cache of "
            f"the builds above on disk and default jobs: first build {times['first build']:.2f} s; three "
            f"unprofiled saves of the same briefing rebuilt in {rebuilds} s; the profiled one took "
            f"{times['profiled rebuild']:.2f} s. (Not included: watchdog's 50 ms quiet period, the event stream "
            "and the browser's fetch.)",
            "",
            *profile_tables(table, prof, args.top, ("cumulative",)),
        ]
    if args.clean:
        vs_hugo.wait_for_trash(out)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(site / ".bulletin-cache", ignore_errors=True)
        prof = work / f"clean-{args.size}.prof"
        cmd = [*profiled_base, str(prof), *base[1:], "--no-cache", "--jobs", "1", "-q"]
        wall, _ = run(cmd, "profiled clean build (--no-cache --jobs 1)", log)
        vs_hugo.wait_for_trash(out)
        shutil.rmtree(out, ignore_errors=True)
        real_clean, _ = run([*base, "--no-cache", "--jobs", "1", "-q"], "unprofiled clean build (--jobs 1)", log)
        table, program = phase_table(prof)
        sections += [
            f"### Clean build (N = {args.size:,})",
            "",
            f"Command: `python -m cProfile -o clean.prof build.py --site C --output O --now {NOW} --no-cache "
            f"--jobs 1 -q` into an output folder that does not exist. Wall time under the profiler {wall:.2f} s "
            f"(the profiled program {program:.2f} s); without the profiler {real_clean:.2f} s.",
            "",
            *profile_tables(table, prof, args.top, ("cumulative",)),
        ]
    vs_hugo.wait_for_trash(out)
    text = "\n".join(sections)
    print(text)
    if args.results:
        with args.results.open("a", encoding="utf-8") as f:
            f.write(text + "\n")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
