"""Hostile files: nothing published from outside the site, nothing left out silently, no hang.

Every case here was reproduced against an earlier build (issue 9) and is bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import NOW, REPO, SITES, SiteDir, run_build_py
from unprivileged import NOBODY, drop_privileges, readable_install, run_as_nobody

from bulletin import builder
from bulletin.builder import BuildOptions
from bulletin.errors import Problems
from bulletin.site import load_site

CANARY = "CANARY-outside-the-site-4f1d"


@pytest.fixture
def nobody(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """A copy of the minimal site, and a way to run the command line on it as user nobody."""
    prefix = drop_privileges()
    if not prefix:
        pytest.skip("needs root and setpriv to run the build as another user")
    top = Path(tempfile.mkdtemp(prefix="bulletin-nobody-"))
    os.chmod(top, 0o755)
    shutil.copytree(SITES / "minimal", top / "site")
    build = str(readable_install() / "build.py")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        for path in [top / "site", *(top / "site").rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)
        return run_as_nobody(prefix, [build, *args, "--site", str(top / "site"), "--now", NOW], top, timeout=60)

    run.site = SiteDir(top / "site", capsys)  # type: ignore[attr-defined]
    yield run
    for path in top.rglob("*"):
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700, follow_symlinks=False)
    os.chmod(top / "site", 0o700)
    shutil.rmtree(top)


def test_an_unreadable_folder_of_briefings_is_an_error_not_a_smaller_site(nobody) -> None:  # type: ignore[no-untyped-def]
    site = nobody.site
    folder = site.root / "content/briefings/locked"
    folder.mkdir()
    shutil.move(site.root / "content/briefings/2017-05-23-level-raised.md", folder)
    os.chmod(folder, 0)
    for command in ("check", "build"):
        result = nobody(command)
        assert result.returncode == 1, result.stderr
        assert "content/briefings/locked:1: error: cannot read folder: Permission denied" in result.stderr
    assert not (site.root / "public").exists()


def test_an_unreadable_content_folder_is_an_error(nobody) -> None:  # type: ignore[no-untyped-def]
    site = nobody.site
    os.chmod(site.root / "content", 0)
    result = nobody("build")
    assert result.returncode == 1
    assert "content:1: error: cannot read folder: Permission denied" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_site_root_is_a_located_error_not_a_traceback(nobody) -> None:  # type: ignore[no-untyped-def]
    site = nobody.site
    os.chmod(site.root, 0)
    result = nobody("build")
    assert result.returncode == 1, result.stderr
    assert "site.yaml:1: error: cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_static_file_is_a_read_error_in_check_and_build(nobody) -> None:  # type: ignore[no-untyped-def]
    site = nobody.site
    site.write("static/secret.txt", "x")
    os.chmod(site.root / "static/secret.txt", 0)
    for command in ("check", "build"):
        result = nobody(command)
        assert result.returncode == 1, result.stderr
        assert "static/secret.txt:1: error: cannot read file: Permission denied" in result.stderr
        assert "cannot write the output" not in result.stderr


def test_an_unreadable_source_file_is_a_located_error(nobody) -> None:  # type: ignore[no-untyped-def]
    site = nobody.site
    os.chmod(site.root / "content/people/jane-doe.yaml", 0)
    result = nobody("check")
    assert result.returncode == 1
    assert "content/people/jane-doe.yaml:1: error: cannot read file: Permission denied" in result.stderr


def _swap_forever(path: Path, target: Path, stop: threading.Event, text: str) -> None:
    """Replace ``path`` by a regular file and by a symlink to ``target``, over and over."""
    spare = path.with_name(f".{path.name}.link")  # hidden names: never sources themselves
    regular = path.with_name(f".{path.name}.file")
    while not stop.is_set():
        for make, source in ((lambda p: os.symlink(target, p), spare), (lambda p: p.write_text(text), regular)):
            try:
                make(source)
                os.replace(source, path)
            except OSError:
                pass
            time.sleep(0.001)


def test_a_symlink_swapped_in_during_builds_never_publishes_a_file_from_outside(site: SiteDir, tmp_path: Path) -> None:
    canary = tmp_path / "outside.txt"
    canary.write_text(CANARY)
    site.write("static/x.txt", "inside")
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(site.root / "static/x.txt", canary, stop, "inside"))
    swapper.start()
    outcomes = set()
    try:
        for _ in range(25):
            result = builder.build(BuildOptions(site.root, dt_now()))
            problems = "\n".join(str(p) for p in result.problems.sorted())
            assert CANARY not in problems
            if result.ok:
                published = site.public / "x.txt"
                assert published.read_text() == "inside"
                assert not published.is_symlink()
                outcomes.add("published")
            else:
                assert "static/x.txt:1: error: symlink points outside the site" in problems
                outcomes.add("refused")
    finally:
        stop.set()
        swapper.join(5)
    assert outcomes  # both are fine; what must never happen is the canary in the output
    for path in site.public.rglob("*"):
        assert not path.is_file() or CANARY.encode() not in path.read_bytes()


def test_a_person_file_swapped_for_a_link_never_shows_its_target_in_errors(site: SiteDir, tmp_path: Path) -> None:
    canary = tmp_path / "passwd"
    canary.write_text(f"root:x:0:0:{CANARY}:/root:/bin/bash\n")
    person = site.root / "content/people/jane-doe.yaml"
    text = person.read_text()
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(person, canary, stop, text))
    swapper.start()
    try:
        for _ in range(40):
            problems = Problems()
            load_site(site.root, dt_now(), problems)
            assert CANARY not in "\n".join(str(p) for p in problems.sorted())
    finally:
        stop.set()
        swapper.join(5)


def dt_now():  # type: ignore[no-untyped-def]
    return builder.resolve_now(NOW)


@pytest.mark.parametrize(
    "fifo, message",
    [
        ("content/briefings/2020-01-01-pipe.md", "content/briefings/2020-01-01-pipe.md:1: error: is a named pipe"),
        ("static/pipe.txt", "static/pipe.txt:1: error: is a named pipe"),
        ("templates/pipe.html", "templates/pipe.html:1: error: is a named pipe"),
    ],
)
def test_a_fifo_is_an_error_not_a_hang(site: SiteDir, fifo: str, message: str) -> None:
    (site.root / fifo).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(site.root / fifo)
    for command in ("check", "build"):
        result = run_build_py(command, "--now", NOW, cwd=site.root, timeout=30)
        assert result.code == 1
        assert any(line.startswith(message) for line in result.err.splitlines()), result.err  # site-relative


def test_a_symlinked_file_whose_target_is_a_fifo_is_refused(site: SiteDir, tmp_path: Path) -> None:
    os.mkfifo(site.root / "pipe")
    os.symlink(site.root / "pipe", site.root / "content/briefings/2020-01-01-link.md")
    result = run_build_py("check", "--now", NOW, cwd=site.root, timeout=30)
    assert result.code == 1
    assert "content/briefings/2020-01-01-link.md:1: error: is a named pipe" in result.err


def test_link_loops_in_static_end_quickly_with_errors(site: SiteDir) -> None:
    static = site.root / "static"
    (static / "sub").mkdir(parents=True)
    (static / "sub/file.txt").write_text("kept")
    os.symlink(".", static / "a")
    os.symlink(".", static / "b")
    os.symlink("/", static / "root")
    os.symlink("..", static / "sub/up")
    os.symlink("../../..", static / "sub/out")
    started = time.monotonic()
    result = run_build_py("build", "--now", NOW, cwd=site.root, timeout=60)
    assert time.monotonic() - started < 30
    assert result.code == 1
    assert "static/a:1: error: symlink to a folder that contains it (a loop); skipped" in result.err
    assert "static/root:1: error: symlink points outside the site" in result.err
    assert "static/sub/up:1: error: symlink to a folder that contains it (a loop); skipped" in result.err
    assert "static/sub/out:1: error: symlink points outside the site" in result.err


def test_a_link_to_a_folder_inside_the_site_is_followed_once(site: SiteDir) -> None:
    (site.root / "assets").mkdir()
    (site.root / "assets/logo.txt").write_text("logo")
    (site.root / "static").mkdir()
    os.symlink("../assets", site.root / "static/brand")
    result = site.run("build")
    assert result.code == 0, result.err
    assert (site.public / "brand/logo.txt").read_text() == "logo"


def test_a_dangling_static_link_is_an_error(site: SiteDir) -> None:
    (site.root / "static").mkdir()
    os.symlink("nowhere.txt", site.root / "static/gone.txt")
    result = site.run("check")
    assert result.code == 1
    assert "static/gone.txt:1: error: broken symlink" in result.err


@pytest.mark.parametrize(
    "body, message",
    [
        ("<a " * 33334, "took more than 1 s to render and was stopped"),
        ('<span title="' * 15000, "took more than 1 s to render and was stopped"),
        ("\n".join(">" * k + " x" for k in range(1, 1601)), "quotes (>) are nested more than 32 deep"),
        ("[a](" * 5000 + "x", "took more than 1 s"),
        ("<div>\n" + "<!--" * 80000, "took more than 1 s"),  # fast to convert, slow for 3.11's HTMLParser
    ],
    ids=["unclosed-a", "unclosed-span-title", "quote-staircase", "open-links", "unclosed-comments"],
)
def test_pathological_markdown_stops_within_its_budget(site: SiteDir, body: str, message: str) -> None:
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "limits:\n  markdown_seconds: 1\n")
    rel = site.briefing("title: Slow\ndate: 2020-01-01\nsummary: s\nthreat_level: severe", body)
    started = time.monotonic()
    result = site.run("check")
    elapsed = time.monotonic() - started
    assert result.code == 1
    assert f"{rel}:7: error:" in result.err  # the body's first line and message in result.err
    assert elapsed < 15


def test_files_past_their_size_limits_are_refused_without_being_read(site: SiteDir) -> None:
    big = site.root / "content/briefings/2020-01-01-huge.md"
    with open(big, "wb") as handle:
        handle.write(b"---\ntitle: x\n---\n")
        handle.truncate(3 * 1024 * 1024)
    bio = site.root / "content/people/big.yaml"
    bio.write_bytes(b"name: Big\nrole: r\nbio: " + b"word " * 60_000)
    result = site.run("check")
    assert result.code == 1
    assert (
        "content/briefings/2020-01-01-huge.md:1: error: file is too large (3,145,728 bytes, at most 2,097,152); "
        "raise limits.markdown_bytes in site.yaml" in result.err
    )
    assert "content/people/big.yaml:1: error: file is too large (300,023 bytes, at most 262,144)" in result.err


def test_limits_can_be_raised_in_site_yaml(site: SiteDir) -> None:
    bio = site.root / "content/people/big.yaml"
    bio.write_bytes(b"name: Big\nrole: r\nbio: " + b"word " * 60_000)
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "limits:\n  yaml_bytes: 400000\n")
    assert "too large" not in site.run("check").err
    config.write_text(config.read_text() + "  markdown_seconds: 0\n")
    result = site.run("check")
    assert result.code == 1 and "site.yaml:" in result.err and "must be at least 1" in result.err


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_killed_build_leaves_no_worker_processes(site: SiteDir) -> None:
    slow = "<a " * 2000  # about 0.2 s each: workers are busy when the build is killed
    for number in range(240):
        site.briefing(f"title: B{number}\ndate: 2020-01-01\nsummary: s", slow, name=f"2020-01-01-b{number}.md")
    build = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "build", "--now", NOW, "--jobs", "2"],
        cwd=site.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            workers = _children(build.pid)
            time.sleep(0.02)
        assert len(workers) >= 2, "the build never started its workers"
        build.kill()
        build.wait(10)
        gone_by = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers)
    finally:
        for pid in _children(build.pid) if build.poll() is None else ():
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        if build.poll() is None:
            build.kill()


def test_jobs_are_bounded_by_twice_the_cpus(site: SiteDir) -> None:
    result = run_build_py("check", "--now", NOW, "--jobs", "100", cwd=site.root)
    limit = 2 * (os.cpu_count() or 1)
    assert result.code == 0
    assert f"--jobs 100: using {limit} worker processes (twice the CPUs)" in result.err


def test_half_written_records_of_killed_builds_are_removed(site: SiteDir) -> None:
    folder = site.root / "published/patrols"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f".1.xml.tmp-{dead.stdout.strip()}-abcd1234"
    stale.write_bytes(b"<alert")
    live = folder / f".2.xml.tmp-{os.getpid()}-abcd1234"  # a build still running keeps its file
    live.write_bytes(b"<alert")
    assert site.run("build").code == 0
    assert not stale.exists() and live.exists()


def test_a_file_that_is_one_long_text_is_quoted_short_in_its_error(site: SiteDir) -> None:
    site.write("content/people/jane-doe.yaml", "secret " * 2000 + "\n")
    result = site.run("check")
    line = next(x for x in result.lines if x.startswith("content/people/jane-doe.yaml:1: error:"))
    assert "must be a mapping" in line and line.endswith("…'") and len(line) < 200


def _recorded(site: SiteDir) -> Path:
    assert site.run("build").code == 0
    folders = sorted((site.root / "published").iterdir())
    assert folders, "the fixture publishes a CAP message"
    return folders[0]


def test_a_published_folder_swapped_for_a_link_out_of_the_site_is_refused(site: SiteDir, tmp_path: Path) -> None:
    folder = _recorded(site)
    outside = tmp_path / "outside"
    shutil.copytree(folder, outside)
    for message in outside.glob("*.xml"):
        message.write_bytes(message.read_bytes().replace(b"</alert>", f"<!-- {CANARY} --></alert>".encode()))
    shutil.rmtree(folder)
    os.symlink(outside, folder)
    result = site.run("build")
    assert result.code == 1
    assert f"published/{folder.name}:1: error: not a briefing's folder of published CAP messages" in result.err
    assert CANARY not in result.err


def test_links_in_or_as_the_record_are_refused(site: SiteDir, tmp_path: Path) -> None:
    folder = _recorded(site)
    message = sorted(folder.glob("*.xml"))[0]
    copy = tmp_path / "copy.xml"
    shutil.copy(message, copy)
    message.unlink()
    os.symlink(copy, message)
    result = site.run("check")
    assert result.code == 1
    assert (
        f"published/{folder.name}/{message.name}:1: error: a recorded CAP message must be a regular file" in result.err
    )
    record = site.root / "published"
    shutil.move(record, tmp_path / "record")
    os.symlink(tmp_path / "record", record)
    result = site.run("check")
    assert result.code == 1
    assert "published:1: error: published must be a folder of published CAP messages, not a file or a symlink" in (
        result.err
    )


def test_a_second_link_to_a_folder_is_read_once_with_a_warning(site: SiteDir) -> None:
    (site.root / "content/briefings/2016").mkdir()
    shutil.move(site.root / "content/briefings/2016-08-03-patrols.md", site.root / "content/briefings/2016")
    os.symlink("2016", site.root / "content/briefings/current")
    result = site.run("build")
    assert result.code == 0, result.err
    assert "content/briefings/current:1: warning: same folder as content/briefings/2016; read only there" in result.err


@pytest.mark.parametrize("folder", ["static", "templates"])
def test_a_source_folder_that_is_not_a_folder_is_an_error_not_the_theme(site: SiteDir, folder: str) -> None:
    site.write(folder, "a file where a folder belongs")
    result = site.run("check")
    assert result.code == 1
    assert f"{folder}:1: error: is a file, not a folder" in result.err
    (site.root / folder).unlink()
    os.symlink("nowhere", site.root / folder)
    result = site.run("check")
    assert result.code == 1
    assert f"{folder}:1: error: broken symlink; expected a folder" in result.err
