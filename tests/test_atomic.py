"""The output folder holds a complete site at every moment: killed builds and concurrent builds."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, tree_digest

NOW = "2026-11-25T12:00:00Z"


def _copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "content", root / "content")
    return root


def _build(root: Path, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--site", str(root), "--output", str(output), "--now", NOW, "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_build_leaves_old_or_new_site_never_a_mix(tmp_path: Path) -> None:
    root = _copy_example(tmp_path)
    output = tmp_path / "public"
    # A page, not a briefing: an edited alerting briefing would warn that its recorded CAP messages stay.
    briefing = root / "content/pages/about.md"
    original = briefing.read_text(encoding="utf-8")
    changed = original + "\nThis line is new.\n"

    assert _build(root, output).wait() == 0
    old = tree_digest(output)
    briefing.write_text(changed, encoding="utf-8")
    assert _build(root, tmp_path / "reference").wait() == 0
    new = tree_digest(tmp_path / "reference")
    assert old != new

    rng = random.Random(7)
    outcomes = set()
    for _ in range(8):
        proc = _build(root, output)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = tree_digest(output)
        assert now in (old, new), "output holds a mix of two builds"
        outcomes.add("new" if now == new else "old")
        briefing.write_text(original, encoding="utf-8")  # back to the old state for the next round
        assert _build(root, output).wait() == 0
        assert tree_digest(output) == old
        briefing.write_text(changed, encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert outcomes  # at least one round ran


def test_concurrent_builds_never_corrupt_the_output(tmp_path: Path) -> None:
    root = _copy_example(tmp_path)
    output = tmp_path / "public"
    assert _build(root, tmp_path / "reference").wait() == 0
    expected = tree_digest(tmp_path / "reference")
    command = [sys.executable, str(REPO / "build.py"), "--site", str(root), "--output", str(output), "--now", NOW, "-q"]
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    outcomes = [(p.wait(), p.communicate()[1].decode()) for p in procs]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    assert tree_digest(output) == expected
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_output_is_a_real_folder_not_a_link(tmp_path: Path) -> None:
    root = _copy_example(tmp_path)
    output = tmp_path / "public"
    assert _build(root, output).wait() == 0
    assert output.is_dir() and not output.is_symlink()
    assert (output / ".bulletin-output").is_file()
    assert os.access(output / "index.html", os.R_OK)
