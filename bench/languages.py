"""What a second language costs: clean builds of one corpus in one language, with Welsh pages and no
translated briefing, and with every briefing translated.

    .venv/bin/python bench/languages.py [--briefings 1000] [--runs 3]

The corpus comes from bench/generate.py (a fixed seed). The "translated" variant gives every briefing a
``<name>.cy.md`` with a title, summary and body of the same length (the English text marked as Welsh:
the cost is in the work, not the words). Each build is a new process with ``--no-cache`` into a new
folder, the variants in rotating order round after round; the report gives the median wall clock of
each and its ratio to the one-language build measured in the same rounds, and the files written.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate  # bench/generate.py: this script's folder is sys.path[0]

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-01-01T00:00:00Z"
WELSH = """
translations:
  cy:
    title: "Briffiadau"
    threat_levels:
      - {id: severe, label: Difrifol}
"""


def variant(base: Path, name: str, translate: bool, welsh: bool) -> Path:
    """A copy of the corpus at ``base`` with the Welsh edition (and every briefing translated)."""
    site = base.parent / name
    subprocess.run(["cp", "-a", str(base), str(site)], check=True)
    if welsh:
        with (site / "site.yaml").open("a", encoding="utf-8") as handle:
            handle.write(WELSH)
    if translate:
        for path in sorted((site / "content/briefings").rglob("*.md")):
            front, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
            title = next(line for line in front.splitlines() if line.startswith("title:"))
            path.with_suffix(".cy.md").write_text(f"---\n{title}\n---\n{body}", encoding="utf-8")
    return site


def build(site: Path, out: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, str(REPO / "build.py"), "--site", str(site), "--output", str(out)]
    result = subprocess.run([*command, "--now", NOW, "--no-cache", "-q"], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{site.name}: build failed\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulletin-languages-") as tmp:
        base = Path(tmp) / "corpus"
        people, briefings = generate.make_corpus(args.briefings, seed=1)
        generate.write_bulletin(base, people, briefings, seed=1)
        sites = {
            "one language": variant(base, "one", translate=False, welsh=False),
            "+ Welsh pages, no briefing translated": variant(base, "welsh", translate=False, welsh=True),
            "+ Welsh pages, every briefing translated": variant(base, "all", translate=True, welsh=True),
        }
        times: dict[str, list[float]] = {name: [] for name in sites}
        files: dict[str, int] = {}
        names = list(sites)
        for round_number in range(args.runs):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                out = Path(tmp) / f"out-{round_number}-{names.index(name)}"
                times[name].append(build(sites[name], out))
                files[name] = sum(1 for p in out.rglob("*") if p.is_file())
        first = statistics.median(times[names[0]])
        print(f"N = {args.briefings:,}, {args.runs} rounds, clean builds (--no-cache), median wall clock:\n")
        print("| site | median s (min–max) | ratio | files |")
        print("|---|---:|---:|---:|")
        for name in names:
            median = statistics.median(times[name])
            spread = f"{min(times[name]):.2f}–{max(times[name]):.2f}"
            print(f"| {name} | {median:.2f} ({spread}) | {median / first:.2f} | {files[name]:,} |")


if __name__ == "__main__":
    main()
