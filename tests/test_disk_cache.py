"""The parse cache kept between runs: reused when valid, ignored when not, and never changing a byte."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import NOW, SiteDir, tree_digest

from bulletin.cli import main


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test signs with its own key, as another user would."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def _build(site: SiteDir, *extra: str) -> tuple[int, str]:
    """A build that goes through the parse cache (without the last build's stamp, a run with no
    change would not parse at all: tests/test_stamp.py covers that)."""
    (site.root / ".bulletin-cache/last-build.json").unlink(missing_ok=True)
    site.capsys.readouterr()
    code = main(["build", "--site", str(site.root), "--now", NOW, "--jobs", "1", "-v", *extra])
    return code, site.capsys.readouterr().err


def _reused(err: str) -> int:
    line = next(x for x in err.splitlines() if x.startswith("reused "))
    return int(line.split()[1])


def _clean_digest(site: SiteDir, tmp_path: Path) -> dict[str, str]:
    """The bytes of a build that reads and writes no cache."""
    out = tmp_path / "clean"
    code = main(
        ["build", "--site", str(site.root), "--now", NOW, "--jobs", "1", "-q", "--no-cache", "--output", str(out)]
    )
    assert code == 0
    return tree_digest(out)


def test_a_second_run_reuses_every_parsed_source_and_writes_the_same_bytes(site: SiteDir, tmp_path: Path) -> None:
    code, err = _build(site)
    assert code == 0 and _reused(err) == 0
    code, err = _build(site)
    sources = len([p for p in (site.root / "content").rglob("*") if p.is_file()])
    assert code == 0 and _reused(err) == sources
    assert tree_digest(site.public) == _clean_digest(site, tmp_path)


def test_an_edit_parses_only_the_edited_source(site: SiteDir, tmp_path: Path) -> None:
    _build(site)
    briefing = site.root / "content/briefings/2018-01-10-routine.md"
    briefing.write_text(briefing.read_text().replace("Routine awareness week", "Awareness week, edited"))
    code, err = _build(site)
    sources = len([p for p in (site.root / "content").rglob("*") if p.is_file()])
    assert code == 0 and _reused(err) == sources - 1
    assert "Awareness week, edited" in (site.public / "briefings/routine/index.html").read_text()
    assert tree_digest(site.public) == _clean_digest(site, tmp_path)


@pytest.mark.parametrize("damage", ["random", "empty", "truncated"])
def test_a_damaged_cache_is_set_aside_and_rebuilt(site: SiteDir, tmp_path: Path, damage: str) -> None:
    _build(site)
    store = site.root / ".bulletin-cache/parsed.sqlite"
    if damage == "random":
        store.write_bytes(os.urandom(8192))
    elif damage == "empty":
        store.write_bytes(b"")
    else:
        store.write_bytes(store.read_bytes()[:3000])
    code, err = _build(site)
    assert code == 0, err
    assert "Traceback" not in err
    assert tree_digest(site.public) == _clean_digest(site, tmp_path)
    code, err = _build(site)  # and it works again afterwards
    assert code == 0 and _reused(err) > 0


def test_entries_signed_with_another_key_are_never_loaded(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(site)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))  # a cache planted by someone else
    code, err = _build(site)
    assert code == 0 and _reused(err) == 0


def test_a_tampered_entry_is_ignored(site: SiteDir, tmp_path: Path) -> None:
    _build(site)
    store = site.root / ".bulletin-cache/parsed.sqlite"
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT key, value FROM parsed").fetchall()
        for key, value in rows:
            db.execute("UPDATE parsed SET value = ? WHERE key = ?", (value[:-1] + bytes([value[-1] ^ 1]), key))
    code, err = _build(site)
    assert code == 0 and _reused(err) == 0
    assert tree_digest(site.public) == _clean_digest(site, tmp_path)


def test_no_cache_reads_and_writes_nothing_and_cache_dir_moves_it(site: SiteDir, tmp_path: Path) -> None:
    code, _ = _build(site, "--no-cache")
    assert code == 0 and not (site.root / ".bulletin-cache").exists()
    elsewhere = tmp_path / "kept"
    _build(site, "--cache-dir", str(elsewhere))
    assert (elsewhere / "parsed.sqlite").is_file() and not (site.root / ".bulletin-cache").exists()
    site.capsys.readouterr()
    assert main(["build", "--site", str(site.root), "--no-cache", "--cache-dir", str(elsewhere)]) == 2
    assert "--cache-dir and --no-cache cannot be used together" in site.capsys.readouterr().err


def test_an_unwritable_cache_folder_is_a_note_not_a_failure(site: SiteDir, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, err = _build(site, "--cache-dir", str(blocker / "cache"))
    assert code == 0
    assert any(line.startswith("note: ") and "cache" in line for line in err.splitlines()), err


def test_a_planted_link_never_makes_the_build_write_elsewhere(site: SiteDir, tmp_path: Path) -> None:
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE accounts (name TEXT)")
    (site.root / ".bulletin-cache").mkdir()
    os.symlink(foreign, site.root / ".bulletin-cache/parsed.sqlite")
    before = foreign.read_bytes()
    code, err = _build(site)
    assert code == 0
    assert "note: cache not used:" in err and "is a symlink" in err
    assert foreign.read_bytes() == before
    shutil.rmtree(site.root / ".bulletin-cache")
    os.symlink(tmp_path, site.root / ".bulletin-cache")
    code, err = _build(site)
    assert code == 0 and "is a symlink" in err
    assert not [name for name in os.listdir(tmp_path) if "sqlite" in name or name.endswith(".json")]


def test_a_store_damaged_inside_is_set_aside_once(site: SiteDir, tmp_path: Path) -> None:
    _build(site)
    store = site.root / ".bulletin-cache/parsed.sqlite"
    data = bytearray(store.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # the header page survives, the rest does not
    store.write_bytes(bytes(data))
    code, err = _build(site)
    assert code == 0
    assert tree_digest(site.public) == _clean_digest(site, tmp_path)
    _build(site)
    code, err = _build(site)
    assert code == 0 and _reused(err) > 0  # recovered, not stuck with a broken store


def test_an_empty_key_left_by_a_killed_build_is_replaced(site: SiteDir, tmp_path: Path) -> None:
    key = tmp_path / "user-cache/bulletin/cache-key"
    key.parent.mkdir(parents=True)
    key.write_bytes(b"")
    _build(site)
    code, err = _build(site)
    assert code == 0 and _reused(err) > 0
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o777 == 0o600


def test_a_cache_dir_inside_the_sources_is_refused(site: SiteDir) -> None:
    site.capsys.readouterr()
    assert main(["build", "--site", str(site.root), "--cache-dir", str(site.root / "static/cache")]) == 2
    assert "inside the site's static/" in site.capsys.readouterr().err
