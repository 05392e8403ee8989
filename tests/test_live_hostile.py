"""Live sessions under awkward edits: during the first build, and source folders that are links."""

from __future__ import annotations

import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import SITES
from live_site import NOW, free_port, running, wait_until

from bulletin import builder
from bulletin.builder import BuildOptions
from bulletin.serve import HeldFile, PreviewState, start_server
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


def _state_with(site: Path) -> tuple[PreviewState, dict]:  # type: ignore[type-arg]
    result = builder.check(BuildOptions(site, builder.resolve_now(NOW)))
    assert result.ok, [str(p) for p in result.problems.sorted()]
    state = PreviewState()
    state.publish(result.rendered, result.static)
    return state, result.static


def test_large_static_files_are_held_open_not_read_again_on_each_rebuild(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    big = site / "static/video.bin"
    big.parent.mkdir()
    with open(big, "wb") as handle:
        handle.truncate(1024 * 1024 * 1024)  # 1 GiB, sparse: costs no disk, and reading it would take seconds
    small = site / "static/note.txt"
    small.write_text("small")
    state, static = _state_with(site)
    held = state.snapshot.files["video.bin"]
    assert isinstance(held, HeldFile) and held.size == 1024**3
    assert state.snapshot.files["note.txt"] == b"small"
    started = time.perf_counter()
    state.publish({}, static)  # the next rebuild: same files
    assert time.perf_counter() - started < 0.5
    assert state.snapshot.files["video.bin"] is held
    with open(big, "r+b") as handle:
        handle.write(b"changed")
    state.publish({}, static)
    assert state.snapshot.files["video.bin"] is not held


def test_a_held_file_swapped_for_a_link_out_of_the_site_is_never_served(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    canary = tmp_path / "passwd"
    canary.write_bytes(b"CANARY" * 100_000)
    data = site / "static/data.bin"
    data.parent.mkdir()
    data.write_bytes(b"inside" * 100_000)  # large enough to be held open
    state, static = _state_with(site)
    server = start_server(state, "127.0.0.1", 0)
    try:
        port = server.server_address[1]
        os.symlink(canary, site / "static/.swap")
        os.replace(site / "static/.swap", data)
        state.publish({}, static)  # even a publish without a check in between
        body = _page_bytes(port, "/data.bin")
        assert b"CANARY" not in body
        result = builder.check(BuildOptions(site, builder.resolve_now(NOW)))
        assert not result.ok
        assert any(
            "static/data.bin:1: error: symlink points outside the site" in str(p) for p in result.problems.sorted()
        )
    finally:
        state.close()
        server.shutdown()
        server.server_close()


def _page_bytes(port: int, path: str) -> bytes:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        return exc.read()


def test_held_files_are_streamed_whole(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    payload = bytes(range(256)) * 8192  # 2 MiB
    (site / "static").mkdir()
    (site / "static/blob.bin").write_bytes(payload)
    state, _ = _state_with(site)
    server = start_server(state, "127.0.0.1", 0)
    try:
        assert _page_bytes(server.server_address[1], "/blob.bin") == payload
    finally:
        state.close()
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_a_fifo_in_static_is_an_error_in_serve_not_a_wedged_rebuild(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    (site / "static").mkdir()
    os.mkfifo(site / "static/pipe.txt")
    with running("serve", site) as (proc, port):
        log = site.parent / "serve.log"
        assert wait_until(lambda: "static/pipe.txt:1: error: is a named pipe" in log.read_text())
        assert wait_until(lambda: "build failed; pages show the errors until a build succeeds" in log.read_text())
        (site / "static/pipe.txt").unlink()
        assert wait_until(lambda: b"data-threat-level" in _page_bytes(port, "/"), timeout=20)
