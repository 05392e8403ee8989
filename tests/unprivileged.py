"""Running Bulletin as an unprivileged user, for the tests of file modes (root ignores them).

The repository and its virtual environment may sit in a folder only root can enter (a fresh
clone in a private temporary folder), so the code and the packages it imports are copied once
into a folder every user can read, and run with the base interpreter.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import REPO

NOBODY = 65534
PACKAGES = ("jinja2", "markupsafe", "markdown", "yaml", "_yaml", "nh3", "watchdog", "babel")
# Their metadata too: Python-Markdown finds its extensions through entry points.
DISTRIBUTIONS = ("Jinja2", "MarkupSafe", "Markdown", "PyYAML", "nh3", "watchdog", "Babel")
_install: list[Path] = []


def drop_privileges() -> list[str] | None:
    """The command prefix that runs as user nobody; [] when not root; None when it cannot be done."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return None if setpriv is None else [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def readable_install() -> Path:
    """A copy of Bulletin (code, theme, build.py) and its dependencies that every user can read."""
    if _install:
        return _install[0]
    top = Path(tempfile.mkdtemp(prefix="bulletin-readable-"))
    atexit.register(shutil.rmtree, top, ignore_errors=True)
    for name in ("bulletin", "templates", "static"):
        shutil.copytree(REPO / name, top / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build.py", top / "build.py")
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            source = Path(next(iter(spec.submodule_search_locations)))
            shutil.copytree(source, top / "deps" / source.name, ignore=shutil.ignore_patterns("__pycache__"))
        elif spec.origin:
            (top / "deps").mkdir(exist_ok=True)
            shutil.copy(spec.origin, top / "deps")
    for name in DISTRIBUTIONS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError, StopIteration):
            distribution = importlib.metadata.distribution(name)
            metadata = next(f for f in distribution.files or () if f.name == "METADATA")
            folder = Path(distribution.locate_file(metadata)).parent
            shutil.copytree(folder, top / "deps" / folder.name)
    for current, _dirs, files in os.walk(top):
        os.chmod(current, 0o755)
        for name in files:
            os.chmod(Path(current) / name, 0o644)
    _install.append(top)
    return top


def run_as_nobody(
    prefix: list[str], args: list[str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` as the unprivileged user, importing Bulletin from the readable copy."""
    top = readable_install()
    env = {
        **os.environ,
        "HOME": str(cwd),
        "PYTHONPATH": f"{top}{os.pathsep}{top / 'deps'}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }
    interpreter = os.path.realpath(sys.executable)  # not the venv's: its folder may be private
    return subprocess.run(
        [*prefix, interpreter, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
