"""The theme in a real browser (Debian's chromium through playwright): axe-core, layout, search."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_build_py
from site_build import NOW, build_example
from tools import served

pytestmark = pytest.mark.slow

KEY_PAGES = [
    "index.html",
    "briefings/index.html",
    "briefings/armed-officers-london/index.html",
    "briefings/threat-level-raised-to-critical/index.html",
    "threat-level/index.html",
    "deployments/index.html",
    "archive/index.html",
    "archive/2016/08/index.html",
    "search/index.html",
    "people/index.html",
    "people/sadiq-khan/index.html",
    "tags/index.html",
    "regions/wales/index.html",
    "advice/index.html",
    "404.html",
    # The Welsh edition: translated pages, an untranslated briefing shown in English, the interface in Welsh.
    "cy/index.html",
    "cy/briefings/armed-officers-london/index.html",
    "cy/briefings/threat-level-raised-to-critical/index.html",
    "cy/threat-level/index.html",
    "cy/about/index.html",
    "cy/deployments/index.html",
    "cy/search/index.html",
    "cy/404.html",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def site_url(public: Path) -> Iterator[str]:
    with served(public) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_key_pages_have_no_axe_violations(browser, site_url: str, scheme: str, width: int) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = []
    for path in KEY_PAGES:
        page.goto(site_url + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        if results.violations_count:
            problems.append(f"{path}:\n{results.generate_report()}")
    context.close()
    assert not problems, "\n".join(problems)[:6000]


def test_no_page_scrolls_sideways_on_a_small_phone(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 320, "height": 700})
    for path in KEY_PAGES:
        page.goto(site_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide at 320px"
    page.close()


def test_search_finds_briefings_by_person_and_tag(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(site_url + "search/index.html")
    page.fill("#q", "sadiq")
    page.wait_for_selector("#search-results li")
    titles = page.locator("#search-results li a").all_inner_texts()
    assert "600 more armed officers to patrol London" in titles
    page.fill("#q", "birmingham train")  # every word must match, in any field; the last as typed so far
    page.wait_for_function("document.querySelector('#search-status').textContent === '1 result'")
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state()
    assert "briefings/" in page.url and page.locator("h1").inner_text()
    page.goto(site_url + "search/index.html?q=manchester")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() >= 1
    page.close()


def test_welsh_search_finds_the_welsh_briefing_and_stays_in_welsh(browser, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(site_url + "cy/search/index.html")
    page.fill("#q", "swyddogion arfog")
    page.wait_for_selector("#search-results li")
    titles = page.locator("#search-results li a").all_inner_texts()
    assert "600 yn rhagor o swyddogion arfog i batrolio Llundain" in titles
    assert "result" not in page.locator("#search-status").inner_text()  # the status is in Welsh
    page.fill("#q", "manchester")  # briefings not translated: their English titles are marked so
    page.wait_for_selector("#search-results li a[href*='manchester']")
    assert page.locator("#search-results li a[href*='manchester']").first.get_attribute("lang") == "en-GB"
    page.fill("#q", "swyddogion arfog")
    page.wait_for_selector("#search-results li a[href*='armed-officers-london']")
    assert page.locator("#search-results li a[href*='armed-officers-london']").get_attribute("lang") is None
    page.locator("#search-results li a", has_text="600 yn rhagor").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cy/briefings/armed-officers-london/index.html")
    assert page.locator("html").get_attribute("lang") == "cy"
    page.close()


def test_the_site_works_opened_from_disk(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    public = build_example(tmp_path)
    page = browser.new_page()
    page.goto((public / "index.html").as_uri())
    page.get_by_role("link", name="All briefings").click()
    page.wait_for_load_state()
    assert page.url.endswith("/briefings/index.html")
    assert page.locator("h1").inner_text() == "Briefings"
    page.locator(".briefing-item h2 a").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-threat-level]").count() == 1
    assert page.evaluate("getComputedStyle(document.body).fontFamily")  # the stylesheet loaded
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.threat-banner')).backgroundColor")
        != "rgba(0, 0, 0, 0)"
    )
    page.close()


DONE = "#search-results[aria-busy=false]"  # the script has shown what it found


def search_for(page, query: str) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """Type a query, then press "Show more" while it shows: every result's link, and the last status."""
    page.fill("#q", query)
    page.wait_for_selector(DONE, state="attached")
    while page.is_visible("#search-more"):
        page.click("#search-more")
        page.wait_for_selector(DONE, state="attached")
    links = page.eval_on_selector_all("#search-results li > a", "links => links.map(a => a.getAttribute('href'))")
    return links, page.inner_text("#search-status")


def test_search_folds_accents_finds_prefixes_and_shows_more(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "sites" / "minimal", root)
    for n in range(45):
        (root / f"content/briefings/2019-08-{n % 28 + 1:02d}-gwyl-{n}.md").write_text(
            f'---\ntitle: "Patrols at the Gŵyl, day {n}"\ndate: 2019-08-{n % 28 + 1:02d}T{n % 24:02d}:00:00\n'
            f'summary: "Officers at the Eisteddfod in Caerdydd; a café and the Año Nuevo parade, {n}."\n---\nBody.\n',
            encoding="utf-8",
        )
    assert run_build_py("--site", str(root), "--now", NOW, "--quiet", cwd=tmp_path).code == 0
    with served(root / "public") as url:
        page = browser.new_page()
        page.goto(url + "search/index.html")
        page.fill("#q", "eistedd")  # a prefix: the word is still being typed
        page.wait_for_selector(DONE, state="attached")
        assert page.inner_text("#search-status") == "45 results"
        assert page.locator("#search-results li").count() == 20
        titles = page.locator("#search-results li > a").all_inner_texts()
        assert titles[:2] == ["Patrols at the Gŵyl, day 27", "Patrols at the Gŵyl, day 26"]  # newest first
        page.click("#search-more")
        page.wait_for_selector(DONE, state="attached")
        assert page.locator("#search-results li").count() == 40
        assert (
            page.evaluate("document.activeElement.textContent")
            == page.locator("#search-results li > a").nth(20).inner_text()
        )
        page.click("#search-more")
        page.wait_for_selector(DONE, state="attached")
        assert page.locator("#search-results li").count() == 45 and not page.is_visible("#search-more")
        for query in ["gwyl cafe", "GŴYL CAFÉ", "Gŵyl, café", "ano nuevo", "AÑO", "caerdydd gwy"]:
            links, status = search_for(page, query)
            assert status == "45 results" and len(links) == 45, query
        links, status = search_for(page, "gwyl patrols city")
        assert status == "No results" and links == []
        page.goto(url + "search/index.html?q=caf%C3%A9%20day")
        page.wait_for_selector(DONE, state="attached")
        assert page.input_value("#q") == "café day" and page.inner_text("#search-status") == "45 results"
        page.close()


def test_the_script_finds_what_brute_force_finds(browser, public: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """search.js against test_search_index's model of it, over an index cut small: deep fragments, blocks."""
    from test_search_index import TINY, Client, naive, query_words, sample_queries, synthetic_entries, tokenised

    from bulletin.outputs.search import index_files

    root = tmp_path / "public"
    shutil.copytree(public, root)
    shutil.rmtree(root / "search" / "words")
    shutil.rmtree(root / "search" / "docs")
    entries = synthetic_entries(1_500, vocabulary_size=1_500, seed=7)
    files = index_files(entries, [("Gŵyl news", "gwyl/")], TINY)
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    client, tokens = Client(files), tokenised(entries)
    queries = sample_queries(entries, random.Random(8), 8)
    with served(root) as url:
        page = browser.new_page()
        page.goto(url + "search/index.html")
        page.wait_for_selector(DONE, state="attached")
        for query in queries:
            asked, _ = query_words(query)
            model = client.search(query)
            expected = naive(tokens, asked, model.prefix)
            if len(expected) > 60:  # the first page only
                page.fill("#q", query)
                page.wait_for_selector(DONE, state="attached")
                links = page.eval_on_selector_all("#search-results li > a", "a => a.map(x => x.getAttribute('href'))")
                assert links[len(model.pages) :] == [f"../{p}index.html" for p in expected[:20]], query
                continue
            links, status = search_for(page, query)
            pages = [f"../{p}index.html" for p in model.pages]
            assert links == pages + [f"../{p}index.html" for p in expected], query
            n = len(pages) + len(expected)
            if not asked:  # nothing to look for: no letters, or one letter
                assert status in ("", "Type at least two letters or a number."), query
                continue
            assert status.startswith({0: "No results", 1: "1 result"}.get(n, f"{n:,} results")), (query, status)
        page.close()
