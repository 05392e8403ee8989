"""The default theme, read as files: links, reachability, landmarks, dates, weight, the chart."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from site_build import build_example, build_fixture

from bulletin.i18n import interface_translations

PREFIX = "https://host.example/deep/sub/path/"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if name in values and tag != "base":
                self.links.append(values[name])

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module", params=["example", "minimal"])
def public(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp(request.param)
    return build_example(target) if request.param == "example" else build_fixture("minimal", target)


def html_files(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def resolve(public: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """Where an internal link lands when the site is served under PREFIX; None for external links."""
    parts = urlsplit(link)
    if parts.scheme or link.startswith("//"):
        return None
    page_url = PREFIX + page.relative_to(public).as_posix()
    target = urljoin(page_url, link)
    assert target.startswith(PREFIX), f"{page}: {link} climbs above the site root"
    rel = unquote(urlsplit(target).path[len(urlsplit(PREFIX).path) :])
    return public / rel, parts.fragment


def test_every_internal_link_and_fragment_resolves_under_a_sub_path(public: Path) -> None:
    ids = {path: parse(path).ids for path in html_files(public)}
    for page in html_files(public):
        if page.name == "404.html":
            continue  # served at any address: its links start from the base URL's path
        for link in parse(page).links:
            resolved = resolve(public, page, link)
            if resolved is None:
                continue
            target, fragment = resolved
            assert target.is_file(), f"{page.relative_to(public)}: broken link {link}"
            if fragment and target.suffix == ".html":
                assert fragment in ids[target], f"{page.relative_to(public)}: no #{fragment} in {link}"


def test_every_page_is_reachable_from_the_home_page(public: Path) -> None:
    seen: set[Path] = set()
    todo = [public / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen or page.suffix != ".html":
            continue
        seen.add(page)
        for link in parse(page).links:
            resolved = resolve(public, page, link)
            if resolved and resolved[0].is_file():
                todo.append(resolved[0])
    unreachable = {p.relative_to(public).as_posix() for p in html_files(public)} - {
        p.relative_to(public).as_posix() for p in seen
    }
    # The not-found pages (one per language) are served at addresses that do not exist: nothing links them.
    assert {p for p in unreachable if p.rsplit("/", 1)[-1] != "404.html"} == set(), sorted(unreachable)


def test_every_page_has_the_parts_a_reader_relies_on(public: Path) -> None:
    for path in html_files(public):
        html = path.read_text(encoding="utf-8")
        page = parse(path)
        tags = [t for t, _ in page.tags]
        assert re.search(r'<html lang="[a-zA-Z-]+">', html), path
        assert re.search(r"<title>[^<]+</title>", html), path
        assert tags.count("h1") == 1, path
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in tags, (path, landmark)
        assert 'class="skip-link" href="#main"' in html, path
        banner = re.search(r'data-threat-level="([a-z-]+)"[^>]*>(.*?)</div>\s*</div>', html, re.S)
        assert banner, path
        # "Threat level:" in the page's language (a translation's pages are in the edition's language).
        translations, _ = interface_translations(re.search(r'<html lang="([a-zA-Z-]+)">', html).group(1))
        said = translations.gettext("Threat level: <strong>%(label)s</strong>").split("<strong>")[0].strip()
        assert said in re.sub(r"<[^>]+>", "", banner.group(2)), path
        for tag, attrs in page.tags:
            if tag == "time":
                assert re.fullmatch(
                    r"\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?)?", attrs.get("datetime", "")
                ), (
                    path,
                    attrs,
                )
            if tag == "img":
                assert "alt" in attrs, path


def test_briefing_page_weight_is_under_budget(public: Path) -> None:
    css = sum(p.stat().st_size for p in (public / "css").glob("*.css"))
    for page in (public / "briefings").glob("*/index.html"):
        if page.parent.name == "page":
            continue
        assert page.stat().st_size + css < 40 * 1024, page
    scripts = [
        attrs.get("type", "")
        for path in (public / "briefings").rglob("*.html")
        for tag, attrs in parse(path).tags
        if tag == "script"
    ]
    assert set(scripts) <= {"application/ld+json"}  # data for machines; reading needs no script


def test_chart_has_one_point_per_briefing_with_officer_numbers(public: Path) -> None:
    html = (public / "deployments/index.html").read_text(encoding="utf-8")
    points = re.findall(r'<circle class="point"', html)
    pages_with_totals = [
        p
        for p in (public / "briefings").glob("*/index.html")
        if "<dt>Officers in total</dt>" in p.read_text(encoding="utf-8")
    ]
    assert len(points) == len(pages_with_totals) > 0
    rows = re.findall(r"<tr>\s*<td data-label=\"Date\"><time", html)
    assert len(rows) == len(points)
    assert 'role="img"' in html and '<title id="chart-title">' in html


def test_search_index_lists_every_listed_briefing(public: Path) -> None:
    manifest = json.loads((public / "search/index.json").read_text(encoding="utf-8"))
    chunks = range(-(-manifest["n"] // manifest["k"]))
    docs = [d for n in chunks for d in json.loads((public / f"search/docs/{n}.json").read_text(encoding="utf-8"))]
    assert len(docs) == manifest["n"]
    entries = [d for d in docs if d]  # 0: an expired briefing, which keeps its number
    listing = (public / "briefings/index.html").read_text(encoding="utf-8")
    for title, path, date, _summary in entries:
        assert (public / path / "index.html").is_file(), path
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", date) and title
    for name in manifest["w"].values():
        assert (public / "search/words" / f"{name}.json").is_file()
    titles = {e[0] for e in entries}
    for title in re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', listing):
        assert title.replace("&#39;", "'") in titles or title in titles


def test_dates_and_numbers_follow_the_site_language(tmp_path: Path) -> None:
    public = build_example(tmp_path)
    html = (public / "briefings/armed-officers-london/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2016-08-03T10:00:00+01:00">3 August 2016, 10:00</time>' in html
    assert "<dd>2,800</dd>" in html
    archive = (public / "archive/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2016-08">August 2016</time>' in archive
