"""The preview server: only files of the current build, safe request paths, Host checks, events."""

from __future__ import annotations

import socket
from pathlib import Path, PurePosixPath

import pytest
from live_site import running, wait_until
from watchdog.events import (
    DirModifiedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from bulletin.serve import PreviewState, RequestRejected, inject, resolve_request
from bulletin.watch import relevant_paths


@pytest.mark.parametrize(
    "target, key",
    [
        ("/", "index.html"),
        ("/briefings/", "briefings/index.html"),
        ("/briefings/x/index.html", "briefings/x/index.html"),
        ("/css/bulletin.css?v=3", "css/bulletin.css"),
        ("/caf%C3%A9/", "café/index.html"),
    ],
)
def test_request_paths_name_files_of_the_build(target: str, key: str) -> None:
    assert resolve_request(target)[0] == key


@pytest.mark.parametrize(
    "target, status",
    [
        ("/../secret.txt", 404),
        ("/sub/../../secret.txt", 404),
        ("/%2e%2e/secret.txt", 404),
        ("/%2e%2e%2fsecret.txt", 404),
        ("/..%2fsecret.txt", 404),
        ("/..%5csecret.txt", 404),
        ("/..\\secret.txt", 404),
        ("//etc/passwd", 404),
        ("/%00", 400),
        ("/index.html%00.txt", 400),
        ("/%c0%ae%c0%ae/", 400),
        ("relative", 400),
    ],
)
def test_traversal_attempts_are_refused(target: str, status: int) -> None:
    with pytest.raises(RequestRejected) as caught:
        resolve_request(target)
    assert caught.value.status == status


def test_the_script_is_injected_into_html_only_at_serve_time() -> None:
    state = PreviewState()
    state.publish({PurePosixPath("index.html"): b"<html><body><p>x</p></body></html>"}, {})
    html = inject(b"<html><body><p>x</p></body></html>", state.snapshot)
    assert html.endswith(b"</script></body></html>") and b"/__bulletin/live.js" in html


def test_only_writes_to_sources_count_as_changes(tmp_path: Path) -> None:
    site = tmp_path
    out = site / "public"
    content = str(site / "content/briefings/a.md")
    events = [
        FileOpenedEvent(content),
        FileClosedNoWriteEvent(content),
        DirModifiedEvent(str(site / "content/briefings")),
        FileCreatedEvent(str(site / "content/briefings/.a.md.swp")),
        FileModifiedEvent(str(site / "content/briefings/a.md~")),
        FileCreatedEvent(str(out / "index.html")),
        FileModifiedEvent(str(site / "notes.txt")),
        FileModifiedEvent(str(site / "content/briefings/4913")),
        FileCreatedEvent(str(site / "content/briefings/#a.md#")),
        FileModifiedEvent(str(site / "content/briefings/a.md___jb_tmp___")),
    ]
    assert relevant_paths(events, site, out) == set()
    saves = [
        FileMovedEvent(str(site / "content/briefings/.a.md.tmp-save"), content),  # rename over the original
        FileDeletedEvent(str(site / "content/people/x.yaml")),
        FileModifiedEvent(str(site / "site.yaml")),
        FileCreatedEvent(str(site / "templates/page.html")),
    ]
    assert relevant_paths(saves, site, out) == {
        content,
        str(site / "content/people/x.yaml"),
        str(site / "site.yaml"),
        str(site / "templates/page.html"),
    }


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.slow
def test_server_refuses_traversal_foreign_hosts_and_unsafe_methods(tmp_path: Path) -> None:
    import shutil

    from conftest import SITES

    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    (tmp_path / "secret.txt").write_text("SECRET-CANARY")
    (site / "content/canary.txt").write_text("SECRET-CANARY")
    with running("serve", site) as (_proc, port):

        def get(path: bytes, host: bytes = b"127.0.0.1", method: bytes = b"GET") -> bytes:
            return raw_request(
                port, method + b" " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
            )

        home = get(b"/")
        assert home.startswith(b"HTTP/1.1 200") and b"Cache-Control: no-store" in home
        assert b"/__bulletin/live.js" in home
        for path in (
            b"/../secret.txt",
            b"/%2e%2e/secret.txt",
            b"/..%2fsecret.txt",
            b"/..%5csecret.txt",
            b"//etc/passwd",
            b"/%00",
            b"/content/canary.txt",
            b"/site.yaml",
            b"/.bulletin-output",
            b"/secret.txt?raw",
        ):
            answer = get(path)
            assert answer.split(b" ")[1] in (b"400", b"403", b"404"), (path, answer[:100])
            assert b"SECRET-CANARY" not in answer and b"Traceback" not in answer
        assert get(b"/", host=b"attacker.example").startswith(b"HTTP/1.1 403")
        assert get(b"/", host=b"localhost:1234").startswith(b"HTTP/1.1 200")
        assert get(b"/", method=b"POST").startswith(b"HTTP/1.1 405")
        assert get(b"/", method=b"DELETE").startswith(b"HTTP/1.1 405")
        assert get(b"/briefings").startswith(b"HTTP/1.1 301")
        missing = get(b"/no/such/page/")
        assert missing.startswith(b"HTTP/1.1 404") and b"Page not found" in missing
        css = get(b"/css/bulletin.css")
        assert b"Content-Type: text/css" in css and b"live.js" not in css
        assert b"Access-Control-Allow-Origin" not in home + css
    assert not (site / "public").exists()  # serve builds in memory; the published output is untouched


@pytest.mark.slow
def test_watch_follows_edits_and_ends_identical_to_a_clean_build(tmp_path: Path) -> None:
    import random
    import shutil

    from conftest import SITES, run_build_py, tree_digest
    from live_site import NOW, atomic_write

    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    rng = random.Random(11)
    briefings = site / "content/briefings"
    # Briefings without CAP alerts only: the clean build below records CAP messages in published/,
    # which watch never writes, and that record is tested on its own (test_cap).
    for path in briefings.glob("*.md"):
        if "alert: false" not in path.read_text():
            path.unlink()
    with running("watch", site):
        assert wait_until(lambda: (site / "public/index.html").is_file())
        for step in range(12):
            action = rng.choice(["edit", "add", "delete", "rename-save", "break", "fix"])
            files = sorted(briefings.glob("*.md"))
            if action == "edit" and files:
                path = rng.choice(files)
                path.write_text(path.read_text().replace("\n---\n", f"\n---\nEdit {step}.\n\n", 1))
            elif action == "add":
                (briefings / f"2021-01-{step + 1:02d}-new-{step}.md").write_text(
                    f'---\ntitle: "New {step}"\ndate: 2021-01-{step + 1:02d}\nalert: false\n---\nBody {step}.\n'
                )
            elif action == "delete" and len(files) > 1:
                rng.choice(files).unlink()
            elif action == "rename-save" and files:
                path = rng.choice(files)
                atomic_write(path, path.read_text() + f"\nSaved by rename {step}.\n")
            elif action == "break":
                (briefings / "2022-02-02-broken.md").write_text("---\ntitle: [unclosed\nalert: false\n---\nx\n")
            elif action == "fix":
                (briefings / "2022-02-02-broken.md").unlink(missing_ok=True)
            if rng.random() < 0.5:
                import time

                time.sleep(0.3)
        (briefings / "2022-02-02-broken.md").unlink(missing_ok=True)
        reference = tmp_path / "reference"
        clean = run_build_py("--site", str(site), "--output", str(reference), "--now", NOW, "-q", cwd=tmp_path)
        assert clean.code == 0, clean.err
        expected = tree_digest(reference)
        assert wait_until(lambda: tree_digest(site / "public") == expected, timeout=20)


@pytest.fixture
def watched(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A copy of the minimal site under a Rebuilder that records each rebuild's changed paths."""
    import shutil
    import time

    from conftest import SITES

    from bulletin.watch import Rebuilder

    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    calls: list[set[str]] = []

    def rebuild(changed: set[str]) -> None:
        calls.append(changed)
        time.sleep(0.2)  # a rebuild takes a while; changes during it must give exactly one more

    watcher = Rebuilder(site, site / "public", rebuild, quiet=0.1)
    watcher.start()
    try:
        yield site, calls
    finally:
        watcher.stop()


@pytest.mark.slow
def test_a_burst_of_changes_is_one_rebuild_and_reads_are_none(watched) -> None:  # type: ignore[no-untyped-def]
    import time

    site, calls = watched
    time.sleep(0.3)
    for path in sorted(site.rglob("*")):  # reading every source must not rebuild (watchdog reports opens)
        if path.is_file():
            path.read_bytes()
    time.sleep(0.6)
    assert calls == []
    target = site / "content/briefings/2016-08-03-patrols.md"
    text = target.read_text()
    for n in range(100):  # a search-and-replace over many files, or a checkout
        target.write_text(text + f"\n{n}\n")
        (site / f"content/briefings/gen-{n % 10}.md").write_text(f"---\ntitle: x{n}\ndate: 2020-01-01\n---\n")
    assert wait_until(lambda: len(calls) >= 1, timeout=10)
    time.sleep(1.0)
    assert 1 <= len(calls) <= 2, [len(c) for c in calls]
    assert str(target.resolve()) in set().union(*calls)
    before = len(calls)
    target.write_text(text + "\nduring\n")
    assert wait_until(lambda: len(calls) == before + 1, timeout=10)
    time.sleep(0.8)
    assert len(calls) == before + 1


@pytest.mark.slow
def test_a_new_source_folder_is_watched(watched) -> None:  # type: ignore[no-untyped-def]
    site, calls = watched
    (site / "templates").mkdir()
    assert wait_until(lambda: any(str(site.resolve() / "templates") in c for c in calls), timeout=10)
    (site / "templates/page.html").write_text("x")
    assert wait_until(lambda: any(str(site.resolve() / "templates/page.html") in c for c in calls), timeout=10)


@pytest.mark.slow
def test_a_source_folder_deleted_and_made_again_is_still_watched(watched) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import time

    site, calls = watched
    backup = site.parent / "backup"
    shutil.copytree(site / "content", backup)
    shutil.rmtree(site / "content")
    shutil.copytree(backup, site / "content")
    assert wait_until(lambda: len(calls) >= 1, timeout=10)
    time.sleep(0.5)
    before = len(calls)
    (site / "content/pages/about.md").write_text("---\ntitle: About again\n---\nx\n")
    assert wait_until(lambda: len(calls) > before, timeout=10)
    hidden = site / "content/.obsidian"
    hidden.mkdir()
    time.sleep(0.5)
    before = len(calls)
    (hidden / "workspace.json").write_text("{}")
    time.sleep(0.8)
    assert len(calls) == before  # files in hidden folders are not sources


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    from bulletin.serve import start_server

    state = PreviewState()
    state.publish({PurePosixPath("index.html"): b"<html><body>home</body></html>"}, {})
    running_server = start_server(state, "127.0.0.1", 0)
    try:
        yield running_server.server_address[1]
    finally:
        state.close()
        running_server.shutdown()
        running_server.server_close()


@pytest.mark.parametrize(
    "host, status",
    [
        (b"127.0.0.1", b"200"),
        (b"LOCALHOST:8000", b"200"),
        (b"[::1]:8000", b"200"),
        (b"evil.example", b"403"),
        (b"localhost.", b"403"),
        (b"127.0.0.1:80, evil.com", b"400"),
        (b"localhost:abc", b"400"),
        (b"", b"400"),
    ],
)
def test_host_header_is_checked_strictly(server: int, host: bytes, status: bytes) -> None:
    answer = raw_request(server, b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
    assert answer.split(b" ")[1] == status, answer[:80]


def test_two_host_headers_are_refused(server: int) -> None:
    answer = raw_request(server, b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.com\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")


def test_many_open_pages_never_block_page_loads(server: int) -> None:
    from bulletin.serve import MAX_STREAMS

    streams = []
    try:
        for _ in range(MAX_STREAMS + 5):
            s = socket.create_connection(("127.0.0.1", server), timeout=5)
            s.sendall(b"GET /__bulletin/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            streams.append(s)
        refused = streams[-1].recv(200)
        assert refused.startswith(b"HTTP/1.1 503") or refused.startswith(b"HTTP/1.1 200")
        page = raw_request(server, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert page.startswith(b"HTTP/1.1 200") and b"home" in page
    finally:
        for s in streams:
            s.close()
