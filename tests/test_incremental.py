"""A live session's rebuilds (with every cache) give exactly what a clean build gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SiteDir

from bulletin import builder
from bulletin.cache import BuildCache


def outputs(root: Path, cache: BuildCache | None) -> dict[str, bytes]:
    options = builder.BuildOptions(site_root=root, now=builder.resolve_now("2026-01-01T00:00:00Z"), cache=cache)
    result = builder.check(options)
    assert result.ok, [str(p) for p in result.problems.sorted()]
    files = {str(k): v for k, v in result.rendered.items()}
    files.update({str(k): v.read() for k, v in result.static.items()})
    return files


def assert_like_clean(site: SiteDir, cache: BuildCache) -> None:
    live = outputs(site.root, cache)
    clean = outputs(site.root, None)
    assert live.keys() == clean.keys()
    assert [k for k in live if live[k] != clean[k]] == []


@pytest.fixture
def session(site: SiteDir) -> BuildCache:
    site.write(
        "templates/page.html",
        '{% extends "base.html" %}{% block main %}{% for k, v in page.extra.items() %}{{ k }}={{ v }};{% endfor %}{% endblock %}',
    )
    site.write("content/pages/about.md", "---\ntitle: About\nextra: {a: 1, b: x}\n---\nBody.\n")
    cache = BuildCache()
    outputs(site.root, cache)
    return cache


def test_key_order_and_number_types_in_extra(site: SiteDir, session: BuildCache) -> None:
    site.write("content/pages/about.md", "---\ntitle: About\nextra: {b: x, a: 1}\n---\nBody.\n")
    assert_like_clean(site, session)
    site.write("content/pages/about.md", "---\ntitle: About\nextra: {b: x, a: 1.0}\n---\nBody.\n")
    assert_like_clean(site, session)
    site.write("content/pages/about.md", "---\ntitle: About\nextra: {b: x, a: true}\n---\nBody.\n")
    assert_like_clean(site, session)


def test_a_new_override_and_an_edit_that_keeps_the_mtime(site: SiteDir, session: BuildCache) -> None:
    site.write("templates/person.html", '{% extends "base.html" %}{% block main %}<h1>Override</h1>{% endblock %}')
    assert_like_clean(site, session)
    path = site.root / "templates/person.html"
    stat = path.stat()
    path.write_text('{% extends "base.html" %}{% block main %}<h1>Changed</h1>{% endblock %}')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert_like_clean(site, session)
    assert "Changed" in outputs(site.root, session)["people/jane-doe/index.html"].decode()


def test_a_date_moved_across_the_clock_change_hour(site: SiteDir, session: BuildCache) -> None:
    rel = site.briefing('title: "Night"\ndate: 2017-10-29T01:30:00+01:00', name="2017-10-29-night.md")
    assert_like_clean(site, session)
    site.write(rel, '---\ntitle: "Night"\ndate: 2017-10-29T01:30:00+00:00\n---\nBody text.\n')
    assert_like_clean(site, session)


def test_editing_a_briefing_a_person_and_site_yaml(site: SiteDir, session: BuildCache) -> None:
    path = site.root / "content/briefings/2016-08-03-patrols.md"
    path.write_text(path.read_text().replace("More patrols in the city", "Fewer patrols"))
    assert_like_clean(site, session)
    site.write("content/people/jane-doe.yaml", 'name: "Jane Q. Doe"\nrole: "Chief Constable"\n')
    assert_like_clean(site, session)
    config = site.root / "site.yaml"
    config.write_text(config.read_text().replace('title: "Test Briefings"', 'title: "Renamed"'))
    assert_like_clean(site, session)
