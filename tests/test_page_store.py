"""Pages kept between runs: an edit renders only the pages it reaches, and the output is always the
bytes of a clean build, whatever happened to the record or to the output in between."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from conftest import SiteDir, tree_digest

from bulletin.pagecache import PAGES_FILE, Keys

RECORD = Path(".bulletin-cache") / PAGES_FILE


def _counts(err: str) -> tuple[int, int]:
    found = re.search(r"(\d+) pages rendered, (\d+) kept from the last build", err)
    assert found, err
    return int(found.group(1)), int(found.group(2))


def _build(site: SiteDir, *extra: str) -> str:
    """A build that renders (the last build's stamp removed, so a run with no change still renders)."""
    (site.root / ".bulletin-cache/last-build.json").unlink(missing_ok=True)
    deadline = time.monotonic() + 60  # kept files have one link once the replaced site is gone
    while list(site.root.glob(".public.trash-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    run = site.run("build", "-v", *extra)
    assert run.code == 0, run.err
    return run.err


def _clean(site: SiteDir, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "clean"
    run = site.run("build", "--no-cache", "--output", str(out))
    assert run.code == 0, run.err
    return tree_digest(out)


@pytest.fixture
def built(site: SiteDir) -> SiteDir:
    _build(site)
    _build(site)
    assert (site.root / RECORD).is_file()
    return site


def test_nothing_changed_renders_nothing(built: SiteDir) -> None:
    rendered, kept = _counts(_build(built))
    assert rendered == 0 and kept > 20


def test_an_edit_renders_only_the_pages_it_reaches(built: SiteDir, tmp_path: Path) -> None:
    path = built.root / "content/briefings/2016-08-03-patrols.md"
    path.write_text(path.read_text() + "\nOne more sentence, added later.\n")
    rendered, kept = _counts(_build(built))
    assert rendered > 0 and kept >= 10  # its page and the listings holding it; not the others
    assert "added later" in (built.public / "briefings/patrols/index.html").read_text()
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_a_template_or_a_global_setting_renders_every_page_using_it(built: SiteDir, tmp_path: Path) -> None:
    built.write("templates/404.html", '{% extends "base.html" %}{% block main %}<h1>Lost</h1>{% endblock %}')
    rendered, _ = _counts(_build(built))
    assert rendered > 20  # the theme's templates are one set: any change renders every page
    config = built.root / "site.yaml"
    config.write_text(re.sub(r"(?m)^title: .*$", "title: Renamed bulletin", config.read_text()))
    rendered, kept = _counts(_build(built))
    assert kept == 0 and rendered > 20
    assert "Renamed bulletin" in (built.public / "index.html").read_text()
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_a_page_replaced_in_the_output_is_rendered_again(built: SiteDir, tmp_path: Path) -> None:
    page = built.public / "briefings/routine/index.html"
    status = page.stat()
    fake = page.with_name("fake")
    fake.write_bytes(b"x" * status.st_size)  # same size and time, another file
    os.utime(fake, ns=(status.st_atime_ns, status.st_mtime_ns))
    fake.replace(page)
    _build(built)
    assert tree_digest(built.public) == _clean(built, tmp_path)


@pytest.mark.parametrize("damage", ["random", "empty", "forged", "other-output"])
def test_a_damaged_or_forged_record_only_means_rendering_again(built: SiteDir, tmp_path: Path, damage: str) -> None:
    record = built.root / RECORD
    if damage == "random":
        record.write_bytes(os.urandom(300))
    elif damage == "empty":
        record.write_bytes(b"")
    elif damage == "forged":
        tag, _, body = record.read_text().partition("\n")
        record.write_text(tag + "\n" + body.replace('"pages": {', '"pages": {"/x/": ["k", 1, 1, 1, 1, false], ', 1))
    else:
        run = built.run("build", "--output", str(tmp_path / "elsewhere"))
        assert run.code == 0
    rendered, kept = _counts(_build(built))
    assert kept == 0 and rendered > 20
    assert tree_digest(built.public) == _clean(built, tmp_path)


def test_keys_tell_apart_what_renders_differently() -> None:
    keys = Keys()
    zone = dt.timezone(dt.timedelta(hours=1))
    first = dt.datetime(2026, 10, 25, 1, 30, tzinfo=zone)
    pairs = [
        (1, True),
        (1, 1.0),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ([1, 2], (1, 2)),
        (first, first.replace(fold=1)),
        (first, first.astimezone(dt.UTC)),
        ("a,b", ["a", "b"]),
        (None, "None"),
    ]
    for a, b in pairs:
        assert keys.of(a) != keys.of(b), (a, b)
    assert Keys().of({"x": [1, "y"]}) == Keys().of({"x": [1, "y"]})
