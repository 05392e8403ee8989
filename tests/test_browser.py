"""The theme in a real browser (Debian's chromium through playwright): axe-core, layout, search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from site_build import build_example
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
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    public = build_example(tmp_path_factory.mktemp("browser"))
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
    page.fill("#q", "birmingham training")  # every word must match, in any field
    page.wait_for_function("document.querySelector('#search-status').textContent === '1 result'")
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state()
    assert "briefings/" in page.url and page.locator("h1").inner_text()
    page.goto(site_url + "search/index.html?q=manchester")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() >= 1
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
