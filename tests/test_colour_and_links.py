"""Threat levels in any colour keep a readable label; links without a safe address become text (issue 11, item 7)."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, SITES, SiteDir, run_build_py
from hypothesis import given, settings
from hypothesis import strategies as st
from site_build import NOW
from tools import served, vnu_command

from bulletin import markdown as module
from bulletin.config import text_colour_on
from bulletin.markdown import MarkdownRenderer, html_to_text

YELLOW, ORANGE, PURPLE = "#ffff00", "#ef6c00", "#4a148c"
SCALE = (  # (id, colour as written in site.yaml): yellow in its short form, orange and a dark purple
    ("low", "#2e7d32"),
    ("moderate", "#ff0"),
    ("substantial", "#8a5100"),
    ("severe", ORANGE),
    ("critical", PURPLE),
)
CAP = "{severity: Minor, urgency: Future, certainty: Unlikely}"
LINKS = (
    "Do not follow [x](javascript:alert(1)).\n\n"
    '<a href="javascript:alert(2)">y</a> is raw HTML.\n\n'
    "Nor [z](data:text/html;base64,PHNjcmlwdD4=).\n"
)
# The level colours and the text drawn on them, as the theme writes them on the banner and badges.
STYLE = re.compile(r'style="--level: (#[0-9a-f]{6}); --level-text: (#[0-9a-f]{6})"')


def contrast(first: str, second: str) -> float:
    """WCAG 2.2 contrast ratio, computed here from the definition rather than with Bulletin's own code."""

    def luminance(colour: str) -> float:
        linear = []
        for i in (1, 3, 5):
            c = int(colour[i : i + 2], 16) / 255
            linear.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def scale_yaml(scale: tuple[tuple[str, str], ...] = SCALE) -> str:
    lines = ["threat_levels:"]
    for level_id, colour in scale:
        lines += [f"  - id: {level_id}", f"    label: {level_id.title()}", "    meaning: m", f"    colour: '{colour}'"]
        lines.append(f"    cap: {CAP}")
    return "\n".join(lines) + "\n"


def make_site(root: Path) -> None:
    """tests/sites/minimal with the scale above, five briefings a page, and a yellow-level briefing with bad links."""
    shutil.copytree(SITES / "minimal", root)
    config = root / "site.yaml"
    config.write_text(config.read_text().replace("per_page: 2", "per_page: 5") + scale_yaml())
    (root / "content/briefings/2019-06-01-links.md").write_text(
        f'---\ntitle: "Links"\ndate: 2019-06-01\nthreat_level: moderate\n---\n{LINKS}'
    )


# --- colours ------------------------------------------------------------------------------------


def test_the_label_is_black_on_orange_and_yellow_and_white_on_dark_purple() -> None:
    assert text_colour_on(ORANGE) == "#000000"
    assert text_colour_on(YELLOW) == "#000000"
    assert text_colour_on(PURPLE) == "#ffffff"
    assert contrast(ORANGE, "#ffffff") < 4.5 < contrast(ORANGE, "#000000")  # the case that used to be refused


def test_every_colour_gets_a_label_colour_that_meets_aa() -> None:
    # Every 17th step of each channel (all #rgb colours) and the colours near the worst case, where black
    # and white contrast the same: the warning "neither black nor white reaches 4.5:1" could never fire.
    steps = range(0, 256, 17)
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(100, 140)]
    colours = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in itertools.product(steps, repeat=3)] + greys
    worst = min(contrast(colour, text_colour_on(colour)) for colour in colours)
    assert 4.5 < worst < 4.6


@pytest.mark.parametrize("written", ["#12345", "#ggg", "#ef6c00ff", "ef6c00"])
def test_malformed_colours_are_still_errors(site: SiteDir, written: str) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text() + scale_yaml((("low", written),)))
    site.briefing('title: "T"\ndate: 2020-01-01\nthreat_level: low')
    for path in (site.root / "content/briefings").glob("201*.md"):
        path.unlink()  # they name levels this one-level scale lacks
    result = site.run("check")
    assert result.code == 1
    assert re.search(
        rf"site\.yaml:\d+: error: threat_levels\[1\]\.colour: '{re.escape(written)}' must be a hex colour", result.err
    )


def test_an_orange_yellow_and_purple_scale_builds_without_a_word(tmp_path: Path) -> None:
    root = tmp_path / "site"
    make_site(root)
    (root / "content/briefings/2019-06-01-links.md").unlink()  # its warnings are the other half's
    result = run_build_py("--site", str(root), "--now", NOW, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "0 errors, 0 warnings" in result.err, result.err
    page = (root / "public/threat-level/index.html").read_text()
    badges = re.findall(r'data-level="([a-z]+)" style="--level: (#[0-9a-f]{6}); --level-text: (#[0-9a-f]{6})"', page)
    styled = {level: (colour, text) for level, colour, text in badges}
    assert styled["severe"] == (ORANGE, "#000000")
    assert styled["moderate"] == ("#ffff00", "#000000")  # #ff0 written out in full
    assert styled["critical"] == (PURPLE, "#ffffff")
    assert styled["low"][1] == styled["substantial"][1] == "#ffffff"


def test_every_level_colour_on_every_page_meets_aa(orange_site: Path) -> None:
    pairs = {pair for page in orange_site.rglob("*.html") for pair in STYLE.findall(page.read_text())}
    assert {colour for colour, _ in pairs} == {"#2e7d32", "#ffff00", "#8a5100", ORANGE, PURPLE}
    for colour, text in pairs:
        assert contrast(colour, text) >= 4.5, (colour, text)
    banner = (orange_site / "index.html").read_text()
    assert 'data-threat-level="moderate" style="--level: #ffff00; --level-text: #000000"' in banner


def test_the_example_site_still_builds(tmp_path: Path) -> None:
    result = run_build_py("--site", ".", "--now", NOW, "--output", str(tmp_path / "x"), cwd=REPO)
    assert result.code == 0, result.err
    pairs = set(STYLE.findall((tmp_path / "x/threat-level/index.html").read_text()))
    assert len(pairs) == 5 and all(text == "#ffffff" for _, text in pairs)  # its dark colours keep white text


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, text, scheme",
    [
        ("[x](javascript:alert(1))", "x", "javascript"),
        ('<a href="javascript:alert(1)">y</a>', "y", "javascript"),
        ('<a href=" JavaScript&#58;alert(1)">y</a>', "y", "javascript"),
        ("[z](data:text/html,<script>alert(1)</script>)", "z", "data"),
        ("*[z](data:text/html;base64,PHNjcmlwdD4=)*", "<em>z</em>", "data"),
    ],
)
def test_a_link_without_a_safe_address_becomes_its_text(source: str, text: str, scheme: str) -> None:
    result = MarkdownRenderer(allow_raw_html=False).render(source)
    assert "<a" not in result.html and "</a>" not in result.html, result.html
    assert result.html.startswith(f"<p>{text}"), result.html
    assert (f"{scheme}: link", f"{scheme}:") in result.removed


def test_safe_links_stay_and_an_anchor_keeps_its_id() -> None:
    source = '<a id="here" lang="fr" title="t">ici</a> [back](#here), [out](https://example.org/?a=1&b=2) <a>bare</a>'
    result = MarkdownRenderer(allow_raw_html=False).render(source, id_prefix="body-")
    assert result.html == (
        '<p><span id="body-here" lang="fr" title="t">ici</span> '
        '<a href="#body-here" rel="noopener noreferrer">back</a>, '
        '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">out</a> bare</p>'
    )
    assert result.removed == ()


def test_nested_links_lose_only_the_unsafe_one() -> None:
    source = (
        '<div><a href="https://e.org"><table><tr><td><a href="javascript:x">in</a> '
        '<a href="https://f.org" title="</a>">f</a></td></tr></table>tail</a></div>'
    )
    html = MarkdownRenderer(allow_raw_html=False).render(source).html
    assert html == (
        '<div><a href="https://e.org" rel="noopener noreferrer"><table><tbody><tr><td>in '
        '<a href="https://f.org" title="&lt;/a&gt;" rel="noopener noreferrer">f</a></td></tr></tbody></table>tail</a></div>'
    )


LINK_BITS = st.sampled_from(
    [
        "text ", "\n\n", "[a](javascript:x)", "[b](https://e.org/)", "[c](data:,x)", "<a>", "</a>", "<a id=\"i\">",
        '<a href="javascript:y">', '<a href="#i" title="</a>">', '<a lang="cy" href="vbscript:z">', "<b>", "</b>",
        "<table><tr><td>", "</td></tr></table>", "<div>", "</div>", "<abbr title=\"a\">", "</abbr>", "*", "`",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINK_BITS, max_size=25).map("".join))
def test_every_link_left_has_an_address_and_no_text_is_lost(source: str) -> None:
    html = MarkdownRenderer(allow_raw_html=False).render(source).html
    starts = re.findall(r"<a(?:\s[^>]*)?>", html)
    assert all(' href="' in tag for tag in starts), html
    assert len(starts) == html.count("</a>") and html.count("<span") == html.count("</span>"), html
    saved = module._unwrap_links_without_href
    module._unwrap_links_without_href = lambda fragment: fragment  # nh3's output as it was
    try:
        before = MarkdownRenderer(allow_raw_html=False).render(source)
    finally:
        module._unwrap_links_without_href = saved
    assert html_to_text(html) == before.text


def test_the_warning_is_reported_and_the_page_has_the_text(site: SiteDir) -> None:
    rel = site.briefing('title: "T"\ndate: 2020-01-01', LINKS)
    result = site.run("build")
    assert result.code == 0, result.err
    assert f"{rel}:5: warning: unsafe HTML removed: javascript: link, data: link" in result.err
    page = (site.public / "briefings/test/index.html").read_text()
    assert "<p>Do not follow x.</p>" in page and "<p>y is raw HTML.</p>" in page and "<p>Nor z.</p>" in page
    assert "javascript" not in page and "data:text" not in page and "<a rel" not in page


# --- the built pages: Nu Html Checker, axe in chromium, a look ---------------------------------


@pytest.fixture(scope="module")
def orange_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("orange")
    make_site(target / "site")
    result = run_build_py("--site", str(target / "site"), "--now", NOW, cwd=target)
    assert result.code == 0, result.err
    assert "unsafe HTML removed: javascript: link, data: link" in result.err
    return target / "site/public"


@pytest.fixture(scope="module")
def orange_url(orange_site: Path) -> Iterator[str]:
    with served(orange_site) as url:
        yield url


@pytest.mark.slow
def test_the_pages_with_removed_links_and_light_levels_are_valid_html(orange_site: Path) -> None:
    pages = [str(p) for p in sorted(orange_site.rglob("*.html"))]
    assert str(orange_site / "briefings/links/index.html") in pages
    result = subprocess.run(
        [*vnu_command(), "--errors-only", "--skip-non-html", *pages], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[:5000]


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_light_levels_have_no_axe_violations(browser, orange_url: str, scheme: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = []
    for path in ["index.html", "threat-level/index.html", "briefings/links/index.html", "briefings/index.html"]:
        page.goto(orange_url + path)
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
        if results.violations_count:
            problems.append(f"{path}:\n{results.generate_report()}")
    # The banner's focus ring is drawn in its text colour: the theme's yellow ring is lost on a yellow level.
    page.goto(orange_url + "index.html")
    for _ in range(20):  # by keyboard, so that :focus-visible applies
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.threat-banner') !== null"):
            break
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert ring == "rgb(0, 0, 0)", ring  # black, the label's colour on yellow
    context.close()
    assert not problems, "\n".join(problems)[:6000]
