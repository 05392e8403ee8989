"""The last build's stamp: a run with nothing to do reads and writes nothing, and anything that
could change the output (an edit however disguised, the clock, the options, the output itself, a
forged or damaged stamp) means a full build with the bytes of a clean one."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest
from conftest import NOW, SiteDir, tree_digest

from bulletin import builder
from bulletin.paths import THEME_ROOT
from bulletin.stamp import STAMP_FILE, inputs_digest, next_moment

STAMP = Path(".bulletin-cache") / STAMP_FILE
SKIPPED = "nothing changed since the last build"


def _stats(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_ctime_ns)
        for p in folder.rglob("*")
    }


def _build(site: SiteDir, *extra: str, now: str = NOW) -> str:
    run = site.run("build", "-v", *extra, now=now)
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return run.err


def _clean(site: SiteDir, tmp_path: Path, now: str = NOW) -> dict[str, str]:
    out = tmp_path / "clean"
    run = site.run("build", "--no-cache", "--output", str(out), now=now)
    assert run.code == 0, run.err
    return tree_digest(out)


@pytest.fixture
def built(site: SiteDir) -> SiteDir:
    """A site built twice: the second run stamps (the first may record CAP messages in published/)."""
    _build(site)
    _build(site)
    assert (site.root / STAMP).is_file()
    return site


def test_a_run_with_nothing_to_do_reads_and_writes_nothing(built: SiteDir) -> None:
    before = _stats(built.public)
    folder = os.stat(built.public)
    err = _build(built)
    assert SKIPPED in err
    assert "reused" not in err  # not even the parse cache was opened
    assert _stats(built.public) == before
    assert os.stat(built.public).st_ino == folder.st_ino
    assert re.search(r"^up to date: \d+ pages \(\d+ files\) in .*, nothing written \([\d.]+ s\)$", err, re.M)
    assert "wrote " not in err and "0 errors" in err


def test_the_stamped_warnings_and_notices_are_reported_again(site: SiteDir) -> None:
    site.write("content/notes.txt", "not content")
    first = _build(site)
    second = _build(site)
    third = _build(site)
    assert SKIPPED in third
    warning = "content/notes.txt:1: warning: not a content file Bulletin knows; ignored"
    assert warning in first and warning in second and warning in third
    assert "1 warning" in third
    scheduled = [line for line in second.splitlines() if line.startswith("next ")]
    assert [line for line in third.splitlines() if line.startswith("next ")] == scheduled


def test_strict_with_a_stamped_warning_still_fails(site: SiteDir) -> None:
    site.write("content/notes.txt", "not content")
    _build(site)
    _build(site)
    run = site.run("build", "--strict")
    assert run.code == 1 and "warnings count as errors" in run.err


def test_an_edit_that_keeps_size_and_modification_time_is_seen(built: SiteDir, tmp_path: Path) -> None:
    path = built.root / "content/briefings/2018-01-10-routine.md"
    status = path.stat()
    text = path.read_text()
    assert "Routine" in text
    path.write_text(text.replace("Routine", "Rootine"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size
    err = _build(built)
    assert SKIPPED not in err
    assert "Rootine" in (built.public / "briefings/routine/index.html").read_text()
    assert tree_digest(built.public) == _clean(built, tmp_path)


@pytest.mark.parametrize("change", ["edited", "removed", "added"])
def test_an_output_changed_by_hand_is_rebuilt(built: SiteDir, tmp_path: Path, change: str) -> None:
    page = built.public / "briefings/routine/index.html"
    if change == "edited":
        page.write_text("defaced")
    elif change == "removed":
        page.unlink()
    else:
        (built.public / "extra.html").write_text("planted")
    err = _build(built)
    assert SKIPPED not in err
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_a_template_override_or_a_static_file_is_seen(built: SiteDir, tmp_path: Path) -> None:
    built.write("static/robots-note.txt", "hello")
    assert SKIPPED not in _build(built)
    assert (built.public / "robots-note.txt").read_text() == "hello"
    built.write("templates/404.html", '{% extends "base.html" %}{% block main %}<h1>Lost</h1>{% endblock %}')
    assert SKIPPED not in _build(built)
    assert "Lost" in (built.public / "404.html").read_text()
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_other_options_or_another_time_are_not_the_stamped_build(built: SiteDir, tmp_path: Path) -> None:
    assert SKIPPED not in _build(built, "--base-url", "https://elsewhere.example/")
    _build(built)
    assert SKIPPED in _build(built)
    assert SKIPPED not in _build(built, now="2026-11-25T11:00:00+00:00")  # earlier than the stamp


def test_the_stamp_lasts_only_until_the_next_scheduled_change(site: SiteDir, tmp_path: Path) -> None:
    site.briefing(
        "title: Embargoed\ndate: 2026-11-20\nsummary: Later.\nthreat_level: substantial\n"
        "publish_at: 2026-11-26T09:00:00+00:00\n",
        name="2026-11-20-embargoed.md",
    )
    _build(site)
    _build(site)
    assert SKIPPED in _build(site, now="2026-11-26T08:59:59+00:00")
    later = "2026-11-26T09:00:00+00:00"
    err = _build(site, now=later)
    assert SKIPPED not in err
    assert (site.public / "briefings/embargoed/index.html").is_file()
    assert tree_digest(site.public) == _clean(site, tmp_path, now=later)


@pytest.mark.parametrize("damage", ["random", "empty", "forged", "other-key"])
def test_a_damaged_or_forged_stamp_is_never_believed(
    built: SiteDir, tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = built.root / STAMP
    page = built.public / "briefings/routine/index.html"
    page.write_text("defaced")
    if damage == "random":
        stamp.write_bytes(os.urandom(700))
    elif damage == "empty":
        stamp.write_bytes(b"")
    elif damage == "forged":  # claims the defaced output is the stamped one, without the key
        signed = json.loads(stamp.read_text())
        body = json.loads(signed["body"])
        body["output"] = "0" * 64
        signed["body"] = json.dumps(body, sort_keys=True)
        stamp.write_text(json.dumps(signed))
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    err = _build(built)
    assert SKIPPED not in err
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_a_stamp_that_is_a_link_is_ignored(built: SiteDir, tmp_path: Path) -> None:
    stamp = built.root / STAMP
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(stamp.read_bytes())
    stamp.unlink()
    stamp.symlink_to(elsewhere)
    assert SKIPPED not in _build(built)
    assert stamp.is_symlink() and elsewhere.read_bytes()  # neither followed nor replaced through the link


def test_leftovers_of_a_killed_build_are_cleaned_up(built: SiteDir) -> None:
    leftover = built.public.parent / f".{built.public.name}.old-12345"
    leftover.mkdir()
    (leftover / ".bulletin-output").write_text("")
    assert SKIPPED not in _build(built)
    assert not leftover.exists()


def test_an_edit_made_while_a_build_runs_is_seen_by_the_next_run(built: SiteDir, tmp_path: Path) -> None:
    path = built.root / "content/briefings/2018-01-10-routine.md"
    built.write("content/notes.txt", "forces a full build")

    class EditDuringTheBuild(builder.Reporter):
        def progress(self, done: int, total: int) -> None:
            if "Edited mid-build" not in path.read_text():
                path.write_text(path.read_text().replace("Routine", "Edited mid-build"))

    options = builder.BuildOptions(
        site_root=built.root, now=builder.resolve_now(NOW), cache_dir=built.root / ".bulletin-cache"
    )
    assert builder.build(options, EditDuringTheBuild()).ok
    assert "Edited mid-build" not in (built.public / "briefings/routine/index.html").read_text()
    assert SKIPPED not in _build(built)
    assert "Edited mid-build" in (built.public / "briefings/routine/index.html").read_text()


def test_next_moment_finds_the_earliest_time_after_now_anywhere() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    soon = now + dt.timedelta(hours=1)
    nested = {"a": [(now - dt.timedelta(days=1), {"b": soon + dt.timedelta(days=2)})], "c": (soon,)}
    assert next_moment([nested, "text", 3, None], now) == soon
    assert next_moment([now, dt.datetime(2027, 1, 1)], now) is None  # naive values are not the site's times


def test_links_are_followed_inside_the_site_only(site: SiteDir, tmp_path: Path) -> None:
    (site.root / "assets").mkdir()
    (site.root / "assets/logo.txt").write_text("logo")
    site.write("static/.keep", "")
    os.symlink("../assets", site.root / "static/brand")
    first = inputs_digest(site.root, THEME_ROOT)
    (site.root / "assets/logo.txt").write_text("LOGO")  # changed behind the link: seen
    assert first is not None and inputs_digest(site.root, THEME_ROOT) not in (None, first)
    os.symlink("/", site.root / "static/everything")  # never walked (the build refuses it)
    assert inputs_digest(site.root, THEME_ROOT) is None


def test_after_an_edit_the_next_run_is_stamped_fresh_once_the_replaced_site_is_gone(built: SiteDir) -> None:
    path = built.root / "content/briefings/2018-01-10-routine.md"
    path.write_text(path.read_text().replace("Routine", "Rootine"))
    assert SKIPPED not in _build(built)
    deadline = time.monotonic() + 60
    while list(built.root.glob(".public.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(built.root.glob(".public.trash-*"))
    assert SKIPPED in _build(built)  # the remover unlinked the kept files' other names: no byte changed
