"""Live sessions under awkward edits: during the first build, and source folders that are links."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SITES
from live_site import free_port, running, wait_until

from bulletin.watch import Rebuilder

SLOW_BODY = "<a " * 2500  # about a third of a second to render: the first build takes seconds


def _page(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read().decode()


@pytest.mark.slow
def test_an_edit_saved_during_the_first_build_is_served(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    for number in range(12):
        (site / f"content/briefings/2020-01-01-slow-{number}.md").write_text(
            f"---\ntitle: Slow {number}\ndate: 2020-01-01\nsummary: s\n---\n{SLOW_BODY}\n"
        )
    about = site / "content/pages/about.md"
    port = free_port()
    with running("serve", site, port=port, wait=False) as (proc, _):
        time.sleep(1.5)  # the interpreter has started and the first build is under way
        listening = _port_open(port)
        about.write_text('---\ntitle: "Edited during the first build"\n---\nNew text.\n')
        assert not listening, "the first build finished before the edit; make it slower"
        assert wait_until(lambda: _port_open(port), timeout=60)
        assert wait_until(lambda: "Edited during the first build" in _page(port, "/about/"), timeout=30)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_a_symlinked_content_folder_swapped_rebuilds_and_leaks_no_watches(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    versions = [tmp_path / "content-a", tmp_path / "content-b"]
    shutil.move(site / "content", versions[0])
    shutil.copytree(versions[0], versions[1])
    os.symlink(versions[0], site / "content")
    calls: list[set[str]] = []
    watcher = Rebuilder(site, site / "public", calls.append, quiet=0.05)
    watcher.start()
    try:
        time.sleep(0.3)
        counts = []
        for cycle in range(6):
            before = len(calls)
            link = site / ".content.new"
            os.symlink(versions[(cycle + 1) % 2], link)
            os.replace(link, site / "content")  # how `ln -sfn` and deploy tools swap a folder
            assert wait_until(lambda before=before: len(calls) > before, timeout=10), f"cycle {cycle}: no rebuild"
            time.sleep(0.2)
            counts.append(len(watcher.observer.emitters))
        assert max(counts) == min(counts), counts  # one watch per source folder, not one more per swap
        target = versions[0] / "pages/about.md"  # content/ points at version a again
        before = len(calls)
        target.write_text(target.read_text() + "\nmore\n")
        assert wait_until(lambda: len(calls) > before, timeout=10)
    finally:
        watcher.stop()
