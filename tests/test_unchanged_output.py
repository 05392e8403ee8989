"""Rebuilds keep what did not change: same inode and modification time, and no swap at all when
nothing changed, so rsync and bucket-sync tools upload only what an edit changed."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import SiteDir, tree_digest


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def _age(folder: Path) -> None:
    """Date every output file back, so a file written again is told apart by its time alone."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))


def test_a_run_with_nothing_to_do_touches_nothing(site: SiteDir) -> None:
    site.write("static/logo.txt", "logo")
    assert site.run("build").code == 0
    _age(site.public)
    before = _stats(site.public)
    folder = site.public.stat().st_ino
    assert site.run("build").code == 0
    assert _stats(site.public) == before
    assert site.public.stat().st_ino == folder  # not even swapped
    assert not list(site.root.glob(".public.tmp-*"))


def test_an_edit_leaves_unrelated_files_as_they_were(site: SiteDir, tmp_path: Path) -> None:
    site.write("static/logo.txt", "logo")
    assert site.run("build").code == 0
    _age(site.public)
    before = _stats(site.public)
    about = site.root / "content/pages/about.md"
    about.write_text(about.read_text() + "\nOne more line.\n")
    assert site.run("build").code == 0
    after = _stats(site.public)
    changed = {path for path in after if after[path] != before.get(path)}
    assert "about/index.html" in changed
    assert "logo.txt" not in changed and "briefings/patrols/index.html" not in changed
    assert len(changed) < len(after) // 2
    clean = tmp_path / "clean"
    assert site.run("build", "--no-cache", "--output", str(clean)).code == 0
    assert tree_digest(site.public) == tree_digest(clean)


def test_a_file_replaced_by_a_link_in_the_old_output_is_never_kept(site: SiteDir, tmp_path: Path) -> None:
    assert site.run("build").code == 0
    page = site.public / "about/index.html"
    copy = tmp_path / "outside.html"
    copy.write_bytes(page.read_bytes())
    page.unlink()
    os.symlink(copy, page)
    assert site.run("build").code == 0
    assert not page.is_symlink() and page.read_bytes() == copy.read_bytes()


def test_a_chmodded_or_snapshot_linked_file_is_written_afresh(site: SiteDir, tmp_path: Path) -> None:
    assert site.run("build").code == 0
    page = site.public / "about/index.html"
    os.chmod(page, 0o600)
    snapshot = tmp_path / "snapshot.html"
    os.link(site.public / "index.html", snapshot)  # a deploy tool's hard-link snapshot
    assert site.run("build").code == 0
    assert page.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert (site.public / "index.html").stat().st_ino != snapshot.stat().st_ino


def test_extra_names_in_the_output_mean_it_is_replaced(site: SiteDir) -> None:
    assert site.run("build").code == 0
    os.symlink("/etc", site.public / "etc-link")
    (site.public / "empty").mkdir()
    assert site.run("build").code == 0
    assert not (site.public / "etc-link").exists() and not (site.public / "empty").exists()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
