"""Build a site once per test module into a temporary folder (shared by the theme tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, run_build_py

NOW = "2026-11-25T12:00:00Z"


def build_example(target: Path) -> Path:
    """The example site of the repository, built as of NOW; returns the output folder."""
    out = target / "public"
    result = run_build_py("--output", str(out), "--now", NOW, "--quiet", cwd=REPO)
    assert result.code == 0, result.err
    return out


def build_fixture(name: str, target: Path) -> Path:
    root = target / name
    shutil.copytree(Path(__file__).parent / "sites" / name, root)
    result = run_build_py("--site", str(root), "--now", NOW, "--quiet", cwd=target)
    assert result.code == 0, result.err
    return root / "public"
