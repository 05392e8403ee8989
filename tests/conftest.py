"""Shared helpers: temporary copies of fixture sites, and running the command line on them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bulletin.cli import main

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
NOW = "2026-11-25T12:00:00+00:00"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


class SiteDir:
    """A temporary copy of a fixture site, with helpers to change it and run Bulletin on it."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def briefing(self, front: str, body: str = "Body text.\n", name: str = "2020-01-01-test.md") -> str:
        """Write a briefing from front matter lines; returns its site-relative path."""
        rel = f"content/briefings/{name}"
        self.write(rel, f"---\n{front.strip(chr(10))}\n---\n{body}")
        return rel

    def run(self, *args: str, now: str = NOW) -> Run:
        """Run the command line in this process (fast), with --site pointing here."""
        self.capsys.readouterr()
        code = main([*args, "--site", str(self.root), "--now", now, "--jobs", "1"])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    @property
    def public(self) -> Path:
        return self.root / "public"


@pytest.fixture(autouse=True, scope="session")
def private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The parse cache's signing key goes to a folder of the test run, not the user's ~/.cache."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> SiteDir:
    """A fresh copy of tests/sites/minimal."""
    root = tmp_path / "site"
    shutil.copytree(SITES / "minimal", root)
    return SiteDir(root, capsys)


def run_build_py(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """Run ``python build.py`` of this repository as a separate process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path; the parse cache is not the site's."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".bulletin-cache" not in path.relative_to(folder).parts
    }


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium, driven by playwright (no browser download: executable_path)."""
    from tools import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
