"""Every page of the example site and of a fixture site passes the Nu Html Checker with no errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from site_build import build_example, build_fixture
from tools import vnu_command


@pytest.mark.slow
def test_every_page_is_valid_html(tmp_path: Path) -> None:
    command = vnu_command()
    folders = [build_example(tmp_path / "example"), build_fixture("minimal", tmp_path)]
    pages = [str(p) for folder in folders for p in sorted(folder.rglob("*.html"))]
    assert len(pages) > 60
    # One run over all files: the checker's start-up dominates.
    result = subprocess.run([*command, "--errors-only", "--skip-non-html", *pages], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[:5000]
    assert result.stderr.strip() == ""
