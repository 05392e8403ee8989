"""No page grows with the archive: /deployments/ and /archive/ are split into bounded pages.

The requirement is 200 KB per HTML page at 100,000 briefings. Building that takes minutes, so the
tests build two generated sites (bench/generate.py) and check what makes the bound hold at any
size: the chart has at most one point per month, a table or list page holds at most a fixed number
of rows, the pages that cannot be split (the first deployments page, the archive's index) do not
grow between the two sizes, and every briefing is still on exactly one of the pages.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import REPO, SiteDir, run_build_py
from site_build import build_example
from tools import vnu_command

from bulletin.fields import Moment
from bulletin.outputs.sections import ARCHIVE_ROWS, DEPLOYMENT_ROWS, MAX_POINTS, deployment_chart

pytestmark = pytest.mark.slow

NOW = "2026-01-01T00:00:00Z"
SMALL, LARGE = 400, 2000  # both have more briefings with totals than the chart shows points
BOUND = 200 * 1024
ROW = re.compile(r'<td data-label="Briefing"><span><a href="([^"]+)"')
ITEM = re.compile(r'<li><time datetime="([^"]+)">[^<]*</time>: <a href="([^"]+)"')
POINT_TITLE = re.compile(r'<circle class="point"[^>]*><title>([^<]*)</title>')
MONTH_PAGE = re.compile(r"archive/(\d{4})/(\d{2})/(?:page/\d+/)?index\.html")


def generated(target: Path, count: int) -> Path:
    """A site of ``count`` briefings spread over ten years, built; returns its output folder."""
    root = target / f"site-{count}"
    subprocess.run(
        [sys.executable, str(REPO / "bench/generate.py"), str(root), "--briefings", str(count)],
        check=True,
        capture_output=True,
    )
    result = run_build_py("--site", str(root), "--now", NOW, "--quiet", "--no-cache", "--jobs", "2", cwd=target)
    assert result.code == 0, result.err
    return root / "public"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    target = tmp_path_factory.mktemp("bounded")
    return {count: generated(target, count) for count in (SMALL, LARGE)}


def pages(public: Path, section: str) -> list[Path]:
    return sorted((public / section).rglob("index.html"))


def links(public: Path, page: Path, pattern: re.Pattern[str]) -> list[Path]:
    """The files that the matches of ``pattern`` (last group: a relative href) on ``page`` point at."""
    base = "https://host.example/" + page.relative_to(public).as_posix()
    found = []
    for match in pattern.finditer(page.read_text(encoding="utf-8")):
        target = urlsplit(urljoin(base, match.groups()[-1])).path
        found.append(public / unquote(target.lstrip("/")))
    return found


def briefings_with_totals(public: Path) -> set[Path]:
    return {
        page
        for page in (public / "briefings").glob("*/index.html")
        if "<dt>Officers in total</dt>" in page.read_text(encoding="utf-8")
    }


def test_every_html_page_is_far_below_the_bound(sites: dict[int, Path]) -> None:
    for public in sites.values():
        sizes = {page: page.stat().st_size for page in public.rglob("*.html")}
        largest = max(sizes, key=sizes.__getitem__)
        # Half the bound at most: what remains of a page's size is bounded by rows, not by the archive.
        assert sizes[largest] < BOUND / 2, (largest, sizes[largest])


def test_pages_that_cannot_be_split_do_not_grow_with_the_archive(sites: dict[int, Path]) -> None:
    for rel in ("deployments/index.html", "archive/index.html"):
        small, large = ((sites[n] / rel).stat().st_size for n in (SMALL, LARGE))
        assert large < small * 1.1, (rel, small, large)


def test_every_briefing_with_officer_numbers_is_in_exactly_one_deployments_row(sites: dict[int, Path]) -> None:
    for public in sites.values():
        rows: list[Path] = []
        for page in pages(public, "deployments"):
            on_page = links(public, page, ROW)
            assert 0 < len(on_page) <= DEPLOYMENT_ROWS, page
            rows += on_page
        assert Counter(rows) == Counter(briefings_with_totals(public))


def test_every_briefing_is_on_exactly_one_archive_month_page(sites: dict[int, Path]) -> None:
    for public in sites.values():
        items: list[Path] = []
        months = set()
        for page in pages(public, "archive"):
            rel = page.relative_to(public).as_posix()
            if rel == "archive/index.html":
                continue
            year, month = MONTH_PAGE.fullmatch(rel).groups()  # type: ignore[union-attr]
            months.add((year, month))
            text = page.read_text(encoding="utf-8")
            found = ITEM.findall(text)
            assert 0 < len(found) <= ARCHIVE_ROWS, page
            assert all(when.startswith(f"{year}-{month}-") for when, _ in found), page
            items += links(public, page, ITEM)
        every = [p for p in (public / "briefings").glob("*/index.html") if p.parent.name != "page"]
        assert Counter(items) == Counter(every)
        index = (public / "archive/index.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<li><a href="\d{4}/\d{2}/index.html"><time datetime="\d{4}-\d{2}">', index)) == len(
            months
        )


def test_the_chart_has_one_point_per_month_once_briefings_are_too_many(sites: dict[int, Path]) -> None:
    for public in sites.values():
        html = (public / "deployments/index.html").read_text(encoding="utf-8")
        titles = POINT_TITLE.findall(html)
        months = [re.match(r"(\w+ \d{4}): highest total [\d,]+ officers \(\d+ briefings?\)", t) for t in titles]
        assert all(months), titles[:3]
        named = [m.group(1) for m in months if m]
        assert len(set(named)) == len(named) <= MAX_POINTS
        counted = sum(int(re.search(r"\((\d+) briefing", t).group(1)) for t in titles)  # type: ignore[union-attr]
        assert counted == len(briefings_with_totals(public))
        assert html.count("<svg") == 1 and len(html) < 100 * 1024
        for page in pages(public, "deployments")[1:]:
            later = page.read_text(encoding="utf-8")
            assert "<svg" not in later and 'href="../../index.html">first page</a>' in later, page


def test_pagination_links_lead_to_written_pages(sites: dict[int, Path]) -> None:
    nav = re.compile(r'<a href="([^":]+)"(?: rel="(?:prev|next)")?>')  # relative links only
    for public in sites.values():
        for section in ("deployments", "archive"):
            for page in pages(public, section):
                for target in links(public, page, nav):
                    assert target.is_file(), (page, target)
        deployments = pages(public, "deployments")
        assert public / "deployments/page/2/index.html" in deployments
        last = public / f"deployments/page/{len(deployments)}/index.html"
        assert 'rel="next"' not in last.read_text(encoding="utf-8")


def test_sitemap_lists_the_new_pages(sites: dict[int, Path]) -> None:
    sitemap = (sites[SMALL] / "sitemap.xml").read_text(encoding="utf-8")
    assert "/deployments/page/2/</loc>" in sitemap and re.search(r"/archive/\d{4}/\d{2}/</loc>", sitemap)


def test_split_pages_are_valid_html(sites: dict[int, Path]) -> None:
    public = sites[SMALL]
    month = next(p for p in pages(public, "archive") if MONTH_PAGE.fullmatch(p.relative_to(public).as_posix()))
    chosen = [*pages(public, "deployments")[:2], public / "archive/index.html", month]
    result = subprocess.run(
        [*vnu_command(), "--errors-only", *map(str, chosen)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr[:3000]


def test_a_crowded_month_is_paginated(site: SiteDir) -> None:
    count = ARCHIVE_ROWS + 20
    for n in range(count):
        day, hour = divmod(n, 24 * 60)
        site.briefing(
            f'title: "Crowded {n}"\ndate: 2020-03-{day + 1:02d}T{hour // 60:02d}:{hour % 60:02d}:00\n'
            f"summary: S.\nofficers:\n  total: {n + 1}",
            name=f"crowded-{n}.md",
        )
    assert site.run("build").code == 0
    public = site.public
    first = (public / "archive/2020/03/index.html").read_text(encoding="utf-8")
    second = (public / "archive/2020/03/page/2/index.html").read_text(encoding="utf-8")
    assert len(ITEM.findall(first)) == ARCHIVE_ROWS and len(ITEM.findall(second)) == 20
    assert f"{count} briefings, newest first: page 1 of 2" in first
    assert 'href="page/2/index.html" rel="next"' in first and 'href="../../index.html" rel="prev"' in second
    assert not (public / "archive/2020/03/page/3").exists()
    # One month holds most totals: its point is the month's highest, counting every briefing of it.
    chart = (public / "deployments/index.html").read_text(encoding="utf-8")
    assert f"<title>March 2020: highest total {count:,} officers ({count} briefings)</title>" in chart


def fake(at: dt.datetime, total: int) -> SimpleNamespace:
    return SimpleNamespace(date=Moment(at), officers=SimpleNamespace(total=total, added=None), slug=str(at))


def test_chart_of_a_hundred_thousand_briefings_has_a_point_per_month() -> None:
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    briefings = [fake(start + dt.timedelta(hours=n * 0.876), n % 500) for n in range(100_000)]
    chart = deployment_chart(briefings)  # type: ignore[arg-type]
    assert chart.period == "month" and len(chart.points) == 120 and chart.count == 100_000
    assert sum(p.count for p in chart.points) == 100_000
    assert all(p.total == 499 for p in chart.points)
    assert [p.x for p in chart.points] == sorted(p.x for p in chart.points)
    assert chart.plot_left < chart.points[0].x and chart.points[-1].x < chart.plot_right
    assert [t.label for t in chart.x_ticks][:2] == ["2016", "2018"]  # ten years: a tick every other year


def test_chart_of_a_very_long_archive_has_a_point_per_year() -> None:
    start = dt.datetime(1990, 6, 1, tzinfo=dt.UTC)
    briefings = [fake(start + dt.timedelta(days=n * 3), n) for n in range(4_000)]  # mid-1990 to 2023
    chart = deployment_chart(briefings)  # type: ignore[arg-type]
    assert chart.period == "year" and len(chart.points) == 34
    assert chart.points[0].period == Moment(dt.datetime(1990, 1, 1, tzinfo=dt.UTC), True)


def test_small_sites_keep_one_point_per_briefing_and_one_page(tmp_path: Path) -> None:
    public = build_example(tmp_path)
    deployments = (public / "deployments/index.html").read_text(encoding="utf-8")
    assert "Each dot is one briefing." in deployments and not (public / "deployments/page").exists()
    assert "<title>3 August 2016: 2,800 officers (600 added)</title>" in deployments
    assert 'class="pagination"' not in deployments
    archive = (public / "archive/index.html").read_text(encoding="utf-8")
    assert '<a href="2016/08/index.html"><time datetime="2016-08">August 2016</time></a>' in archive
    month = (public / "archive/2016/08/index.html").read_text(encoding="utf-8")
    assert '<h1>Briefings of <time datetime="2016-08">August 2016</time></h1>' in month
    assert 'href="../../../briefings/armed-officers-london/index.html">600 more armed officers' in month
    assert 'rel="next"' not in month and "Earlier: <a" in month and "Later: <a" in month
