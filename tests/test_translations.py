"""Bilingual sites: translation files, their errors, and the pages, feeds and sitemap of each language."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
import xmlschema
from conftest import SiteDir, tree_digest
from live_site import atomic_write, running, wait_until
from test_incremental import assert_like_clean, outputs

from bulletin.cache import BuildCache

SCHEMAS = Path(__file__).parent / "schemas"
XHTML_LINK_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/1999/xhtml"
    elementFormDefault="qualified">
  <xsd:element name="link">
    <xsd:complexType>
      <xsd:attribute name="rel" type="xsd:string" use="required"/>
      <xsd:attribute name="hreflang" type="xsd:language" use="required"/>
      <xsd:attribute name="href" type="xsd:anyURI" use="required"/>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
"""

WELSH = {
    "site.yaml+": """
translations:
  cy:
    title: "Briffiadau Prawf"
    organisation: {name: "Swyddfa'r Wasg Prawf"}
    menu:
      - {title: Briffiadau, url: /briefings/}
    threat_levels:
      - {id: severe, label: Difrifol, meaning: "Mae ymosodiad yn debygol iawn."}
""",
    "content/briefings/2016-08-03-patrols.cy.md": """---
title: "Rhagor o batrolau yn y ddinas"
summary: "Mae swyddogion ychwanegol yn patrolio'r canol."
advice: "Byddwch yn **wyliadwrus** a ffoniwch 999."
quotes:
  - text: "Byddwn yn rhedeg tuag at y perygl"
updates:
  - note: "Ychwanegwyd cyngor."
sources:
  - title: "Adroddiad"
---

Dywedodd y prif gwnstabl: "Byddwn yn rhedeg tuag at y perygl."

Ail baragraff.
""",
    "content/pages/about.cy.md": """---
title: "Amdanom ni"
---

Safle prawf yw hwn.
""",
}


def bilingual(site: SiteDir) -> SiteDir:
    for rel, text in WELSH.items():
        if rel.endswith("+"):
            path = site.root / rel[:-1]
            path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        else:
            site.write(rel, text)
    people = site.root / "content/people/jane-doe.yaml"
    people.write_text(
        people.read_text(encoding="utf-8")
        + 'translations:\n  cy: {role: "Prif Gwnstabl", bio: "Llefarydd ffuglennol."}\n',
        encoding="utf-8",
    )
    areas = site.root / "content/areas.yaml"
    areas.write_text(areas.read_text(encoding="utf-8") + "  translations: {cy: {name: Trefprawf}}\n", encoding="utf-8")
    return site


@pytest.fixture
def built(site: SiteDir) -> SiteDir:
    bilingual(site)
    result = site.run("build", "--no-cache")
    assert result.code == 0, result.err
    assert "0 errors, 0 warnings" in result.err
    return site


def read(site: SiteDir, rel: str) -> str:
    return (site.public / rel).read_text(encoding="utf-8")


def links(html: str, rel: str = "alternate") -> dict[str, str]:
    """hreflang -> href of the page's <link rel=alternate hreflang>."""
    found = re.findall(rf'<link rel="{rel}" hreflang="([^"]+)" href="([^"]+)">', html)
    return dict(found)


def test_every_section_has_a_welsh_page_linking_inside_the_welsh_edition(built: SiteDir) -> None:
    english = {p.relative_to(built.public).as_posix() for p in built.public.rglob("index.html")}
    welsh = {p.relative_to(built.public / "cy").as_posix() for p in (built.public / "cy").rglob("index.html")}
    main = {p for p in english if not p.startswith("cy/")}
    assert main == welsh
    assert (built.public / "cy/404.html").is_file()
    page = read(built, "cy/briefings/patrols/index.html")
    assert '<html lang="cy">' in page
    assert "Rhagor o batrolau yn y ddinas" in page
    assert "Byddwn yn rhedeg tuag at y perygl" in page
    assert "Prif Gwnstabl" in page and "Trefprawf" in page and "Difrifol" in page
    assert "Briffiadau Prawf" in page and "Swyddfa&#39;r Wasg Prawf" in page
    # Links to pages stay in the Welsh edition; shared files are shared.
    assert 'href="../../tags/armed-policing/index.html"' in page
    assert 'href="../../../css/bulletin.css"' in page
    assert 'href="../../feed.xml"' in page
    about = read(built, "cy/about/index.html")
    assert "Amdanom ni" in about and "Safle prawf yw hwn." in about


def test_hreflang_goes_both_ways_and_resolves(built: SiteDir) -> None:
    base = "https://test.example.org/"
    for english, welsh in (
        ("briefings/patrols/index.html", "cy/briefings/patrols/index.html"),
        ("about/index.html", "cy/about/index.html"),
        ("index.html", "cy/index.html"),
        ("threat-level/index.html", "cy/threat-level/index.html"),
    ):
        for page in (english, welsh):
            found = links(read(built, page))
            assert found == {
                "en-GB": base + english.removesuffix("index.html"),
                "cy": base + welsh.removesuffix("index.html"),
            }, page
            for href in found.values():
                assert (built.public / href.removeprefix(base) / "index.html").is_file()


def test_an_untranslated_briefing_is_marked_and_not_announced(built: SiteDir) -> None:
    page = read(built, "cy/briefings/routine/index.html")
    assert '<html lang="cy">' in page
    assert 'lang="en-GB"' in page  # its content is in the main language
    assert links(page) == {}
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page)
    assert canonical and canonical.group(1) == "https://test.example.org/briefings/routine/"
    assert links(read(built, "briefings/routine/index.html")) == {}


def test_the_language_switch_is_a_visible_link_both_ways(built: SiteDir) -> None:
    english = read(built, "briefings/patrols/index.html")
    welsh = read(built, "cy/briefings/patrols/index.html")
    assert re.search(r'<a [^>]*href="../../cy/briefings/patrols/index.html"[^>]*>Cymraeg</a>', english)
    assert re.search(r'<a [^>]*href="../../../briefings/patrols/index.html"[^>]*>English</a>', welsh)


def test_each_language_has_its_own_feeds(built: SiteDir) -> None:
    atom = ET.fromstring(read(built, "cy/feed.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "cy"
    assert atom.findtext("a:title", namespaces=ns) == "Briffiadau Prawf"
    titles = [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert "Rhagor o batrolau yn y ddinas" in titles
    self_link = atom.find("a:link[@rel='self']", ns)
    assert self_link is not None and self_link.get("href") == "https://test.example.org/cy/feed.xml"
    entries = {e.findtext("a:title", namespaces=ns): e for e in atom.findall("a:entry", ns)}
    routine = next(e for t, e in entries.items() if t != "Rhagor o batrolau yn y ddinas")
    assert routine.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    ids = {e.findtext("a:id", namespaces=ns) for e in atom.findall("a:entry", ns)}
    english_ids = {
        e.findtext("a:id", namespaces=ns) for e in ET.fromstring(read(built, "feed.xml")).findall("a:entry", ns)
    }
    assert not ids & english_ids
    feed = json.loads(read(built, "cy/feed.json"))
    assert feed["language"] == "cy"
    assert feed["feed_url"] == "https://test.example.org/cy/feed.json"
    item = next(i for i in feed["items"] if i["title"] == "Rhagor o batrolau yn y ddinas")
    assert item["url"] == "https://test.example.org/cy/briefings/patrols/"
    assert item["language"] == "cy"


def test_each_language_has_its_own_search_index(built: SiteDir) -> None:
    welsh = b"".join(p.read_bytes() for p in (built.public / "cy/search").rglob("*.json"))
    english = b"".join(p.read_bytes() for p in (built.public / "search").rglob("*.json"))
    assert b"Rhagor o batrolau" in welsh and b"Rhagor" not in english


def test_the_sitemap_lists_alternates_and_leaves_out_repeats(built: SiteDir) -> None:
    data = read(built, "sitemap.xml")
    xhtml = built.root.parent / "xhtml-link.xsd"
    xhtml.write_text(XHTML_LINK_XSD, encoding="utf-8")
    xmlschema.XMLSchema([str(SCHEMAS / "sitemap-0.9.xsd"), str(xhtml)]).validate(data)
    root = ET.fromstring(data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    base = "https://test.example.org/"
    assert base + "cy/briefings/patrols/" in urls
    assert base + "cy/briefings/routine/" not in urls  # the English text again
    versions = {x.get("hreflang"): x.get("href") for x in urls[base + "cy/briefings/patrols/"].findall("x:link", ns)}
    assert versions == {"en-GB": base + "briefings/patrols/", "cy": base + "cy/briefings/patrols/"}
    assert urls[base + "cy/briefings/patrols/"].findtext("s:lastmod", namespaces=ns)


def test_a_single_language_site_has_no_switch_and_no_prefix(site: SiteDir) -> None:
    assert site.run("build", "--no-cache").code == 0
    page = read(site, "briefings/patrols/index.html")
    assert "hreflang" not in page and not (site.public / "cy").exists()
    assert "xhtml" not in read(site, "sitemap.xml")


@pytest.mark.parametrize(
    ("rel", "text", "line", "message"),
    [
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\ntitle: Teitl\nthreat_level: low\n---\nCorff.\n",
            3,
            "'threat_level' is not translated: a translation holds only the title, summary, advice",
        ),
        (
            "content/briefings/2016-08-03-missing.cy.md",
            "---\ntitle: Teitl\n---\nCorff.\n",
            1,
            "a translation into 'cy' without an original: there is no content/briefings/2016-08-03-missing.md",
        ),
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\nquotes:\n  - text: Un\n  - text: Dau\n---\nCorff. Un. Dau.\n",
            4,
            "quotes[2]: the original (content/briefings/2016-08-03-patrols.md) has one quote",
        ),
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\nupdates:\n  - note: Un\n  - note: Dau\n---\nCorff.\n",
            4,
            "updates[2]: the original (content/briefings/2016-08-03-patrols.md) has one update",
        ),
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\nsources:\n  - {title: Un, url: 'https://example.org/'}\n---\nCorff.\n",
            3,
            "unknown key 'url'",
        ),
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\narea: Trefprawf\n---\nCorff.\n",
            2,
            "area: the original (content/briefings/2016-08-03-patrols.md) names areas of content/areas.yaml",
        ),
        (
            "content/briefings/2016-08-03-patrols.cy.md",
            "---\ntitle: Teitl\n---\n",
            2,
            "the translation has no body",
        ),
        (
            "content/briefings/2016-08-03-patrols.fr.md",
            "---\ntitle: Titre\n---\nCorps.\n",
            1,
            "named like a translation into 'fr' (<name>.<language>.md), but 'fr' is not one of site.yaml translations",
        ),
        (
            "content/briefings/2018-01-10-routine.cy.md",
            "---\nalert: {event: Patrolau}\n---\nCorff.\n",
            2,
            "alert: the original (content/briefings/2018-01-10-routine.md) publishes no CAP alert",
        ),
        (
            "content/pages/about.cy.md",
            "---\ntitle: Amdanom\nmenu: 2\n---\nCorff.\n",
            3,
            "'menu' is not translated: a translation holds only the title",
        ),
        (
            "content/pages/welsh.md",
            "---\ntitle: Cymraeg\nslug: cy\n---\nCorff.\n",
            1,
            "the home page and content/pages/welsh.md would both be written to cy/index.html",
        ),
        (
            "content/briefings/2016-08-03-patrols.CY.md",
            "---\ntitle: Teitl\n---\nCorff.\n",
            1,
            "content/briefings/2016-08-03-patrols.cy.md:1: error: content/briefings/2016-08-03-patrols.md is also "
            "translated into 'cy' by content/briefings/2016-08-03-patrols.CY.md",
        ),
        (
            "content/people/sam-roe.yaml",
            "name: Sam Roe\ntranslations:\n  fr: {role: Maire}\n",
            3,
            "translations: 'fr' is not one of site.yaml translations (now: cy)",
        ),
        (
            "content/people/sam-roe.yaml",
            "name: Sam Roe\ntranslations:\n  cy: {name: Sam}\n",
            3,
            "unknown key 'name'",
        ),
        (
            "site.yaml+",
            "  fr:\n    threat_levels:\n      - {id: sever, label: X}\n",
            0,
            "unknown threat level 'sever' (did you mean 'severe'?)",
        ),
    ],
)
def test_every_bad_translation_is_located(site: SiteDir, rel: str, text: str, line: int, message: str) -> None:
    bilingual(site)
    if rel.endswith("+"):
        path = site.root / rel[:-1]
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        line = len(path.read_text(encoding="utf-8").splitlines())
    else:
        site.write(rel, text)
    before = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*"))
    result = site.run("build", "--no-cache")
    assert result.code == 1
    shown = rel.removesuffix("+")
    expected = message if ": error: " in message else f"{shown}:{line}: error: {message}"
    assert expected in result.err, result.err
    assert "Traceback" not in result.err
    assert sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*")) == before


def test_a_translation_that_drops_a_quote_from_its_body_gets_a_warning(site: SiteDir) -> None:
    bilingual(site)
    site.write(
        "content/briefings/2016-08-03-patrols.cy.md",
        "---\nquotes:\n  - text: Byddwn yn rhedeg\n---\nCorff heb y dyfyniad.\n",
    )
    result = site.run("build", "--no-cache")
    assert result.code == 0
    assert (
        "content/briefings/2016-08-03-patrols.cy.md:3: warning: the translated quote does not appear in the "
        "translated body" in result.err
    )


def test_live_rebuilds_and_cached_builds_of_a_bilingual_site_are_like_clean_ones(site: SiteDir, tmp_path: Path) -> None:
    bilingual(site)
    session = BuildCache()
    outputs(site.root, session)
    edits = [
        ("content/briefings/2016-08-03-patrols.cy.md", "Rhagor o batrolau", "Mwy o batrolau"),
        ("content/pages/about.cy.md", "Amdanom ni", "Amdanom"),
        ("site.yaml", "Briffiadau Prawf", "Briffiadau"),
        ("content/people/jane-doe.yaml", "Prif Gwnstabl", "Y Prif Gwnstabl"),
    ]
    cached = tmp_path / "cache"
    assert site.run("build", "--cache-dir", str(cached)).code == 0
    for rel, old, new in edits:
        path = site.root / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        assert_like_clean(site, session)
        assert site.run("build", "--cache-dir", str(cached)).code == 0
        incremental = tree_digest(site.public)
        assert site.run("build", "--no-cache", "--output", str(tmp_path / "clean")).code == 0
        assert incremental == tree_digest(tmp_path / "clean"), rel
    (site.root / "content/pages/about.cy.md").unlink()
    assert_like_clean(site, session)
    assert site.run("build", "--cache-dir", str(cached)).code == 0
    assert "Amdanom" not in read(site, "cy/about/index.html")


def test_serve_previews_both_languages_and_follows_a_translation_edit(site: SiteDir) -> None:
    bilingual(site)

    def get(port: int, path: str) -> tuple[int, str]:
        try:
            with urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except HTTPError as exc:
            return exc.code, exc.read().decode()

    with running("serve", site.root) as (_, port):
        assert wait_until(lambda: get(port, "/cy/briefings/patrols/")[0] == 200, timeout=60)
        status, page = get(port, "/cy/briefings/patrols/")
        assert "Rhagor o batrolau yn y ddinas" in page and '<html lang="cy">' in page
        status, missing = get(port, "/cy/no-such-page/")
        assert status == 404 and '<html lang="cy">' in missing
        status, missing = get(port, "/no-such-page/")
        assert status == 404 and '<html lang="en-GB">' in missing
        path = site.root / "content/briefings/2016-08-03-patrols.cy.md"
        atomic_write(path, path.read_text(encoding="utf-8").replace("Rhagor o batrolau", "Mwy o batrolau"))
        assert wait_until(lambda: "Mwy o batrolau" in get(port, "/cy/briefings/patrols/")[1], timeout=60)
        assert "More patrols in the city" in get(port, "/briefings/patrols/")[1]


def test_a_translation_of_only_a_body_takes_every_text_from_the_body_or_the_original(site: SiteDir) -> None:
    bilingual(site)
    site.write("content/briefings/2016-08-03-patrols.cy.md", "---\n---\nDim ond corff.\n")
    result = site.run("build", "--no-cache")
    assert result.code == 0, result.err
    page = read(site, "cy/briefings/patrols/index.html")
    assert "Dim ond corff." in page and "More patrols in the city" in page


def test_structured_data_names_each_language_s_own_page(built: SiteDir) -> None:
    def article(rel: str) -> dict:
        found = re.search(r'<script type="application/ld\+json">(.*?)</script>', read(built, rel), re.S)
        assert found
        return json.loads(found.group(1))

    welsh = article("cy/briefings/patrols/index.html")
    assert (welsh["url"], welsh["inLanguage"]) == ("https://test.example.org/cy/briefings/patrols/", "cy")
    assert welsh["author"][0]["url"] == "https://test.example.org/cy/people/jane-doe/"
    untranslated = article("cy/briefings/level-raised/index.html")
    assert untranslated["url"] == "https://test.example.org/briefings/level-raised/"
    assert untranslated["inLanguage"] == "en-GB"
    english = article("briefings/patrols/index.html")
    assert (english["url"], english["inLanguage"]) == ("https://test.example.org/briefings/patrols/", "en-GB")


def test_a_translation_s_links_lead_to_its_own_pages_and_to_the_shared_files(site: SiteDir) -> None:
    bilingual(site)
    site.write("static/docs/statement.html", "<!DOCTYPE html><title>Statement</title>")
    site.write("static/legacy/index.html", "<!DOCTYPE html><title>Legacy</title>")
    path = site.root / "site.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "      - {title: Briffiadau, url: /briefings/}",
            "      - {title: Briffiadau, url: /briefings}\n"
            "      - {title: Datganiad, url: /docs/statement.html}\n"
            "      - {title: Hen, url: /legacy/}\n"
            "      - {title: Amdanom, url: /about}",
        ),
        encoding="utf-8",
    )
    assert site.run("build", "--no-cache").code == 0
    page = read(site, "cy/briefings/patrols/index.html")
    for href, text in (
        ("../../briefings", "Briffiadau"),  # the Welsh listing (a host adds the slash)
        ("../../../docs/statement.html", "Datganiad"),  # a file of static/: shared
        ("../../../legacy/index.html", "Hen"),  # a folder of static/: shared
        ("../../about", "Amdanom"),
    ):
        assert f'<a href="{href}">{text}</a>' in page, text
    for page_path in (site.public / "cy").rglob("*.html"):
        html = page_path.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            href = link.split("#")[0].split("?")[0]
            if ":" in link or not href:
                continue  # another site, or a place on the same page
            base = site.public if href.startswith("/") else page_path.parent  # the 404 page's links are absolute
            target = (base / href.lstrip("/")).resolve()
            assert target.is_file() or (target / "index.html").is_file(), (page_path, href)


def test_the_welsh_level_history_names_the_welsh_title(built: SiteDir) -> None:
    assert "Rhagor o batrolau yn y ddinas" in read(built, "cy/threat-level/index.html")
    assert "More patrols in the city" in read(built, "threat-level/index.html")


def test_a_translated_area_description_must_fit_cap(site: SiteDir) -> None:
    bilingual(site)
    site.briefing("title: Alert\ndate: 2020-01-01T10:00:00\narea: Testville centre\nalert: {response: Monitor}")
    site.write("content/briefings/2020-01-01-test.cy.md", f"---\narea: {'Canol Trefprawf ' * 4}\n---\nCorff.\n")
    result = site.run("build", "--no-cache")
    assert "content/briefings/2020-01-01-test.cy.md:2: error: area: the CAP areaDesc would be 63 characters" in (
        result.err
    ), result.err


def test_a_translated_title_that_describes_an_alert_area_must_fit_cap(site: SiteDir) -> None:
    bilingual(site)
    site.briefing("title: Alert\ndate: 2020-01-01T10:00:00\nalert: {response: Monitor}")
    path = site.root / "site.yaml"
    long_title = "Briffiadau Prawf y Gwasanaeth Heddlu a'r Cyngor Sir ar y cyd"
    path.write_text(path.read_text(encoding="utf-8").replace('"Briffiadau Prawf"', f'"{long_title}"'), "utf-8")
    result = site.run("build", "--no-cache")
    assert result.code == 1
    assert f"error: translations.cy.title is {len(long_title)} characters, and the CAP areaDesc" in result.err


def test_a_todo_left_anywhere_in_a_translation_is_warned_about(site: SiteDir) -> None:
    bilingual(site)
    welsh = site.root / "content/briefings/2016-08-03-patrols.cy.md"
    welsh.write_text(welsh.read_text("utf-8").replace("---\ntitle:", "---\nalert: {event: 'TODO: cyfieithu'}\ntitle:"))
    site.write("content/pages/about.cy.md", "---\ntitle: Amdanom ni\n---\nTODO: cyfieithu.\n")
    result = site.run("build", "--no-cache")
    assert result.code == 0
    assert "2016-08-03-patrols.cy.md:2: warning: the translation still holds the placeholder 'TODO:'" in result.err
    assert "content/pages/about.cy.md:2: warning: the translation still holds the placeholder 'TODO:'" in result.err


def test_a_site_in_one_language_keeps_pages_named_like_translations(site: SiteDir) -> None:
    site.write("content/pages/privacy.am.md", "---\ntitle: Privacy (a.m. shift)\n---\nBody.\n")
    result = site.run("build", "--no-cache")
    assert result.code == 0, result.err
    assert (site.public / "privacy-am/index.html").is_file()


def test_open_graph_names_each_language_as_ll_cc(built: SiteDir) -> None:
    welsh = read(built, "cy/briefings/patrols/index.html")
    assert '<meta property="og:locale" content="cy_GB">' in welsh
    assert '<meta property="og:locale:alternate" content="en_GB">' in welsh
    english = read(built, "briefings/patrols/index.html")
    assert '<meta property="og:locale" content="en_GB">' in english
    assert '<meta property="og:locale:alternate" content="cy_GB">' in english
    assert "og:locale:alternate" not in read(built, "briefings/routine/index.html")


def test_the_welsh_search_index_says_which_results_are_in_english(built: SiteDir) -> None:
    def docs(folder: Path) -> dict[str, list]:
        found = {}
        for chunk in sorted((folder / "search/docs").glob("*.json")):
            for doc in json.loads(chunk.read_text(encoding="utf-8")):
                if doc:
                    found[doc[1]] = doc
        return found

    welsh = docs(built.public / "cy")
    assert welsh["briefings/routine/"][4:] == ["en-GB", "en-GB"]  # not translated: its title and summary
    assert len(welsh["briefings/patrols/"]) == 4  # in Welsh, like the page
    assert all(len(doc) == 4 for doc in docs(built.public).values())
