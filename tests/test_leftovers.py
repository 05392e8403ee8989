"""Folders of killed or failed builds are removed even when they hold read-only folders.

Root ignores permission bits, so these tests run Bulletin as the unprivileged uid 65534 (``setpriv``)
when the tests run as root, and as the current user otherwise.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NOW, SITES
from unprivileged import NOBODY, drop_privileges, readable_install, run_as_nobody


def _unprivileged() -> list[str]:
    prefix = drop_privileges()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot drop privileges to test permission bits")
    return prefix


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder the unprivileged user owns (pytest's tmp_path is private to root)."""
    prefix = _unprivileged()
    folder = Path(tempfile.mkdtemp(prefix="bulletin-leftovers-"))
    if prefix:
        os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        for current, dirs, _ in os.walk(folder):
            for name in dirs:
                os.chmod(Path(current) / name, 0o755)
        shutil.rmtree(folder)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_as_nobody(_unprivileged(), list(args), cwd)


def _python(code: str, cwd: Path) -> str:
    result = _run("-c", textwrap.dedent(code), cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _read_only_tree(top: Path) -> None:
    """What a killed build can leave: files in folders nobody may write to, and one nobody may even list."""
    (top / "static/css").mkdir(parents=True)
    (top / "static/css/site.css").write_text("body {}")
    (top / "locked").mkdir()
    (top / "locked/page.html").write_text("<p>")
    (top / "index.html").write_text("<p>")
    os.chmod(top / "static/css/site.css", 0o444)
    os.chmod(top / "static/css", 0o555)
    os.chmod(top / "static", 0o555)
    os.chmod(top / "locked", 0o000)
    os.chmod(top, 0o555)


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        for current, dirs, files in os.walk(path):
            for name in [current, *(os.path.join(current, n) for n in dirs + files)]:
                os.chown(name, NOBODY, NOBODY)


def test_the_next_build_removes_read_only_leftovers_of_killed_builds(workdir: Path) -> None:
    root = workdir / "site"
    shutil.copytree(SITES / "minimal", root)
    _own(root)
    build = [str(readable_install() / "build.py"), "--site", str(root), "--now", NOW, "--jobs", "1", "-q"]
    first = _run(*build, cwd=workdir)
    assert first.returncode == 0, first.stderr
    # Killed builds: one while writing (its process is gone, so no one holds its lock), one mid-swap.
    temporary = root / ".public.tmp-999999-deadbeef"
    old = root / ".public.old-999999-deadbeef"
    for leftover in (temporary, old):
        leftover.mkdir()
        _read_only_tree(leftover)
        _own(leftover)
    unprivileged = _run("-c", f"import os; os.unlink({str(old / 'static/css/site.css')!r})", cwd=workdir)
    assert "PermissionError" in unprivileged.stderr  # really read-only for the user the build runs as

    second = _run(*build, cwd=workdir)
    assert second.returncode == 0, second.stderr
    assert not temporary.exists() and not old.exists()
    assert sorted(p.name for p in root.glob(".public*")) == [".public.lock"]
    assert (root / "public/index.html").is_file()


def test_a_failed_build_and_the_replaced_site_leave_nothing_behind(workdir: Path) -> None:
    output = workdir / "out" / "public"
    listing = _python(
        f"""
        import os
        from pathlib import Path, PurePosixPath
        from bulletin.writer import release

        output = Path({str(output)!r})
        def make_read_only(folder):
            os.chmod(folder / "a/b", 0o555)
            os.chmod(folder / "a", 0o000)

        with release(output) as rel:  # a site whose folders are read-only, swapped in
            rel.write(PurePosixPath("a/b/index.html"), b"old")
            rel.write(PurePosixPath("index.html"), b"old")
            make_read_only(rel.folder)
            rel.commit()
        try:
            with release(output) as rel:  # a build that fails after writing read-only folders
                rel.write(PurePosixPath("a/b/index.html"), b"failed")
                make_read_only(rel.folder)
                raise RuntimeError("stop")
        except RuntimeError:
            pass
        print(sorted(os.listdir(output.parent)), (output / "index.html").read_bytes())
        with release(output) as rel:  # the next good build replaces the read-only site
            rel.write(PurePosixPath("index.html"), b"new")
            rel.commit()
        import time
        deadline = time.monotonic() + 60  # the replaced site is removed in the background
        while any(".trash-" in name for name in os.listdir(output.parent)) and time.monotonic() < deadline:
            time.sleep(0.05)
        print(sorted(os.listdir(output.parent)), (output / "index.html").read_bytes())
        """,
        cwd=workdir,
    )
    assert listing.splitlines() == [
        "['.public.lock', 'public'] b'old'",
        "['.public.lock', 'public'] b'new'",
    ]


def test_remove_tree_changes_nothing_outside_the_tree(workdir: Path) -> None:
    outside = workdir / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    os.chmod(outside, 0o555)
    tree = workdir / "tree"
    tree.mkdir()
    (tree / "link").symlink_to(outside, target_is_directory=True)
    (tree / "sub").mkdir()
    (tree / "sub/other-link").symlink_to(outside / "keep.txt")
    _read_only_tree(tree / "sub")
    _own(workdir)
    _python(
        f"""
        from pathlib import Path
        from bulletin.writer import _remove_tree

        _remove_tree(Path({str(tree)!r}))
        _remove_tree(Path({str(tree)!r}))  # gone already: nothing to do, no error
        _remove_tree(Path({str(outside / "keep.txt")!r}))  # not a folder: left alone, no error
        """,
        cwd=workdir,
    )
    assert not tree.exists()
    assert (outside / "keep.txt").read_text() == "keep"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o555  # never made writable through a link


def test_a_trash_folder_whose_remover_died_is_removed_by_the_next_build(workdir: Path) -> None:
    output = workdir / "out" / "public"
    trash = output.parent / ".public.trash-999999-deadbeef"
    (trash / "a").mkdir(parents=True)
    (trash / "a" / "index.html").write_text("replaced site")
    _own(workdir / "out")
    listing = _python(
        f"""
        import os
        from pathlib import Path, PurePosixPath
        from bulletin.writer import release

        output = Path({str(output)!r})
        with release(output) as rel:
            rel.write(PurePosixPath("index.html"), b"new")
            rel.commit()
        print(sorted(os.listdir(output.parent)))
        """,
        cwd=workdir,
    )
    assert listing.splitlines() == ["['.public.lock', 'public']"]
