"""The wheel is the whole tool: installed outside the checkout, ``bulletin new site``, ``build`` and
``serve`` work with the default theme that ships inside it, and ``new site`` makes a site that
builds at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import NOW, REPO
from live_site import free_port, wait_until

pytestmark = pytest.mark.slow

SHIPPED = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bulletin", "templates", "static")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, outside the checkout, with the wheel built from the sources installed."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"  # a copy: building in place would leave build/ in the checkout
    for name in SHIPPED:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "theme"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True, cwd=work)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheel = next(wheels.glob("bulletin-*.whl"))
    subprocess.run([*pip, "--python", str(venv / "bin/python"), "install", str(wheel)], check=True, cwd=work)
    return venv


def _bulletin(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(venv / "bin/bulletin"), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_the_installed_wheel_carries_the_theme_and_runs_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _bulletin(installed, "--help", cwd=tmp_path)
    assert where.returncode == 0 and "new site DIR" in where.stdout
    located = subprocess.run(
        [str(installed / "bin/python"), "-c", "import bulletin.paths as p; print(p.THEME_ROOT)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    theme = Path(located.stdout.strip())
    assert theme.is_relative_to(installed) and (theme / "templates/base.html").is_file()
    assert (theme / "static/css").is_dir() and not theme.is_relative_to(REPO)
    translated = subprocess.run(
        [str(installed / "bin/python"), "-c", "import bulletin.i18n as i; print(i.interface_translations('cy'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "GNUTranslations" in translated.stdout and "None)" in translated.stdout, translated.stderr  # no warning


def test_new_site_build_and_serve_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    site = tmp_path / "my-site"
    made = _bulletin(installed, "new", "site", str(site), "--now", NOW, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (site / ".gitignore").read_text().count("/public/") == 1
    built = _bulletin(installed, "build", "--site", str(site), "--now", NOW, "--strict", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "0 errors, 0 warnings" in built.stderr
    public = site / "public"
    briefing = next((public / "briefings").glob("*/index.html"))
    assert b"data-threat-level=" in briefing.read_bytes()
    assert (public / "briefings" / briefing.parent.name / "cap/0.xml").is_file()  # its CAP alert
    assert (public / "css/bulletin.css").is_file() and (public / "js/search.js").is_file()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    server = subprocess.Popen(
        [str(installed / "bin/bulletin"), "serve", "--site", str(site), "--now", NOW, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: _status(port, "/") == 200, timeout=60)
        pages = sorted(p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())
        assert len(pages) > 20
        for page in pages:
            if page.startswith("."):
                continue
            url = "/" + page.removesuffix("index.html")
            assert _status(port, url) == 200, url
        assert _status(port, "/no-such-page/") == 404
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_new_site_refuses_a_folder_that_is_not_empty(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    refused = _bulletin(installed, "new", "site", str(folder), cwd=tmp_path)
    assert refused.returncode == 1
    assert f"{folder}:1: error: is not empty" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0
