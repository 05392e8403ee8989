#!/usr/bin/env python3
"""Set up Bulletin in ./.venv with nothing but python3 (3.11+) on the machine.

    python3 scripts/bootstrap.py           # runtime dependencies
    python3 scripts/bootstrap.py --test    # and what the tests need

Debian's python3 ships without ensurepip (the python3-venv package); then the venv
is made without pip and pip itself is fetched from PyPI, so no root is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before anything checks the version
        print("Bulletin needs Python 3.11 or newer", file=sys.stderr)
        return 1
    requirements = ROOT / ("requirements-test.txt" if "--test" in sys.argv else "requirements.txt")
    if not PYTHON.exists():
        make_venv()
    if subprocess.run([PYTHON, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        install_pip()
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    print(f"ready: {VENV} ({requirements.name})")
    return 0


def make_venv() -> None:
    try:
        import ensurepip  # noqa: F401

        venv.EnvBuilder(with_pip=True).create(VENV)
    except (ImportError, subprocess.CalledProcessError):
        venv.EnvBuilder(with_pip=False).create(VENV)


def install_pip() -> None:
    """Fetch pip's wheel from PyPI and let it install itself into the venv."""
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
        base = response.geturl()
    wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(urljoin(base, wheel["url"]), timeout=120) as response:
            target.write_bytes(response.read())
        subprocess.run([PYTHON, f"{target}/pip", "install", "--quiet", str(target)], check=True)


if __name__ == "__main__":
    sys.exit(main())
