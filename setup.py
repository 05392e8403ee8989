"""Packaging hook: the wheel carries the default theme inside the package.

The repository's top-level ``templates/`` and ``static/`` are the default theme's source (and the
example site's own templates and static files, which are the theme). They stay where the site
layout puts them; building the package copies them to ``bulletin/theme/``, where an installed
Bulletin finds them with ``importlib.resources`` (bulletin/paths.py). Everything else is in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithTheme(build_py):
    def run(self) -> None:
        super().run()
        for name in ("templates", "static"):
            target = Path(self.build_lib) / "bulletin" / "theme" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithTheme})
