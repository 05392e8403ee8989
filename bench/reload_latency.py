#!/usr/bin/env python3
"""Save-to-reload latency of ``build.py serve``: from an editor's save to the reloaded page.

For each site, starts ``serve``, opens a briefing in Debian's chromium (playwright), then N times:
rewrites the briefing's title by an atomic rename (as VS Code and JetBrains save), and waits until
the page in the browser shows the new title. Reports median and worst, in milliseconds.

    .venv/bin/python bench/reload_latency.py                  # example site and a 10,000-briefing corpus
    .venv/bin/python bench/reload_latency.py --sizes 0 --runs 5   # example site only, quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(site: Path, briefing: Path, url_path: str, runs: int, browser) -> list[float]:  # type: ignore[no-untyped-def]
    port = free_port()
    log = open(site.parent / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--site", str(site), "--port", str(port), "--jobs", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 600
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("serve did not start; see " + str(site.parent / "serve.log"))
            time.sleep(0.2)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}{url_path}", timeout=120000)
        original = briefing.read_text(encoding="utf-8")
        title = page.locator("h1").inner_text()
        times = []
        for n in range(runs):
            new_title = f"Latency probe {n}"
            text = original.replace(f'title: "{title}"', f'title: "{new_title}"', 1)
            assert text != original, "could not find the title line"
            tmp = briefing.parent / f".{briefing.name}.save"
            tmp.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            os.replace(tmp, briefing)
            page.wait_for_function(
                f"document.querySelector('h1') && document.querySelector('h1').textContent === {new_title!r}",
                timeout=120000,
            )
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.3)
        briefing.write_text(original, encoding="utf-8")
        page.close()
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", default="10000", help="generated corpus sizes to measure besides the example site (0: none)"
    )
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bulletin-latency-"))
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        example = work / "example"
        example.mkdir()
        shutil.copy(REPO / "site.yaml", example / "site.yaml")
        shutil.copytree(REPO / "content", example / "content")
        briefing = next((example / "content/briefings").rglob("*armed-officers-london.md"))
        rows.append(
            (
                "example site (13 briefings)",
                measure(example, briefing, "/briefings/armed-officers-london/", options.runs, browser),
            )
        )
        for size in (int(s) for s in options.sizes.split(",") if int(s) > 0):
            corpus = work / f"site-{size}"
            subprocess.run(
                [sys.executable, str(REPO / "bench/generate.py"), str(corpus), "--briefings", str(size)], check=True
            )
            briefing = sorted((corpus / "content/briefings").rglob("*.md"))[-1]
            slug = (
                next(
                    line.split(":", 1)[1].strip().strip('"')
                    for line in briefing.read_text().splitlines()
                    if line.startswith("slug:")
                )
                if "slug:" in briefing.read_text()
                else briefing.stem[11:]
            )
            rows.append(
                (
                    f"generated corpus ({size:,} briefings)",
                    measure(corpus, briefing, f"/briefings/{slug}/", options.runs, browser),
                )
            )
        browser.close()
    print("| site | saves | median ms | worst ms | best ms |")
    print("|---|---:|---:|---:|---:|")
    for name, times in rows:
        print(f"| {name} | {len(times)} | {statistics.median(times):.0f} | {max(times):.0f} | {min(times):.0f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
