"""The localised interface: dates and numbers from CLDR per language, the interface catalogues, and
sites built in French, Welsh and Spanish with no English left in the interface."""

from __future__ import annotations

import datetime as dt
import gettext
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO, run_build_py

from bulletin.content.model import Area, Circle
from bulletin.fields import Moment
from bulletin.i18n import (
    LOCALE_ROOT,
    Localiser,
    catalogue_names,
    interface_translations,
    language_name,
    load_interface,
)
from bulletin.outputs.areamap import area_map
from bulletin.render import Renderer

LONDON = ZoneInfo("Europe/London")
MORNING = Moment(dt.datetime(2016, 8, 3, 9, 30, tzinfo=LONDON))
DAY = Moment(dt.datetime(2016, 8, 3, tzinfo=LONDON), date_only=True)
NNBSP = "\u202f"  # CLDR's group separator in French, and before AM/PM in US English

# tag: (date, date and time, month, 2800, 12800)
EXPECTED = {
    "en": ("3 August 2016", "3 August 2016, 09:30", "August 2016", "2,800", "12,800"),
    "en-GB": ("3 August 2016", "3 August 2016, 09:30", "August 2016", "2,800", "12,800"),
    "en-US": ("August 3, 2016", f"August 3, 2016, 9:30{NNBSP}AM", "August 2016", "2,800", "12,800"),
    "cy": ("3 Awst 2016", "3 Awst 2016, 09:30", "Awst 2016", "2,800", "12,800"),
    "cy-GB": ("3 Awst 2016", "3 Awst 2016, 09:30", "Awst 2016", "2,800", "12,800"),
    "fr": ("3 août 2016", "3 août 2016, 09:30", "août 2016", f"2{NNBSP}800", f"12{NNBSP}800"),
    "fr-CA": ("3 août 2016", "3 août 2016, 09 h 30", "août 2016", "2\xa0800", "12\xa0800"),
    # CLDR's minimumGroupingDigits = 2 for Spanish: four digits stand alone.
    "es": ("3 de agosto de 2016", "3 de agosto de 2016, 9:30", "agosto de 2016", "2800", "12.800"),
    "es-US": ("3 de agosto de 2016", f"3 de agosto de 2016, 9:30{NNBSP}a.m.", "agosto de 2016", "2,800", "12,800"),
    "de": ("3. August 2016", "3. August 2016, 09:30", "August 2016", "2.800", "12.800"),
    "xx": ("3 August 2016", "3 August 2016, 09:30", "August 2016", "2,800", "12,800"),
}


@pytest.mark.parametrize("tag", sorted(EXPECTED))
def test_dates_months_and_numbers_per_language(tag: str) -> None:
    date, date_time, month, small, large = EXPECTED[tag]
    local = Localiser(tag)
    assert local.date(MORNING) == date
    assert local.date(MORNING.at) == date
    assert local.datetime(MORNING) == date_time
    assert local.datetime(MORNING.at) == date_time
    assert local.datetime(DAY) == date  # a date without a time of day stays a date
    assert local.month(MORNING) == month
    assert local.number(2800) == small and local.number(12800) == large
    assert local.number(7) == "7"


def test_only_an_unknown_language_warns_and_formats_in_english() -> None:
    assert Localiser("xx").warning == "unknown language 'xx': dates, numbers and the interface stay in English"
    assert all(Localiser(tag).warning is None for tag in EXPECTED if tag != "xx")
    assert Localiser("xx").bcp47 == "en-GB" and Localiser("en").bcp47 == "en-GB"
    assert Localiser("fr-XX").bcp47 == "fr"  # an unknown region falls back to the language


def test_values_are_formatted_in_their_own_time_zone_never_converted() -> None:
    late = dt.datetime(2016, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert Localiser("en-GB").datetime(late) == "31 December 2016, 23:30"
    assert Localiser("fr").month(late) == "décembre 2016"
    summer = dt.datetime(2016, 8, 31, 23, 59, tzinfo=ZoneInfo("Pacific/Kiritimati"))
    assert Localiser("cy").datetime(summer) == "31 Awst 2016, 23:59"


def test_language_names_as_a_switch_labels_them() -> None:
    assert [language_name(t) for t in ("en", "en-GB", "cy", "fr", "fr-CA", "es", "es-US")] == [
        "English",
        "English",
        "Cymraeg",
        "Français",
        "Français",
        "Español",
        "Español",
    ]
    assert language_name("xx") == "xx"


def test_plural_samples_give_a_number_of_every_category() -> None:
    assert dict(Localiser("en").plural_samples()) == {"one": 1, "other": 0}
    assert dict(Localiser("cy").plural_samples()) == {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 6, "other": 4}
    assert dict(Localiser("fr").plural_samples()) == {"one": 0, "other": 2, "many": 1000000}


def test_a_script_can_write_dates_as_the_pages_do() -> None:
    assert Localiser("cy").date_parts() == (
        "{d} {month} {y}",
        ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin")
        + ("Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"),
    )
    assert Localiser("en-US").date_parts()[0] == "{month} {d}, {y}"
    assert Localiser("es").date_parts()[0] == "{d} de {month} de {y}"
    assert Localiser("ja").date_parts()[0] == "{y}年{m}月{d}日"


def test_catalogues_most_specific_first() -> None:
    assert catalogue_names("fr-CA") == ["fr_CA", "fr"]
    assert catalogue_names("cy") == ["cy"]
    assert catalogue_names("zh-Hant-TW") == ["zh_Hant_TW", "zh_Hant", "zh"]
    assert catalogue_names("en") == ["en"]


@pytest.mark.parametrize("tag", ["en", "en-GB", "en-US"])
def test_english_needs_no_catalogue(tag: str) -> None:
    translations, warning = interface_translations(tag)
    assert type(translations) is gettext.NullTranslations and warning is None


def test_a_language_without_a_catalogue_keeps_the_english_interface_with_one_warning() -> None:
    translations, warning = interface_translations("de")
    assert type(translations) is gettext.NullTranslations
    assert warning == "no interface translation for 'de'; the interface stays in English"
    assert Renderer(Path("/nonexistent"), "de", {}).warning == warning
    # An unknown language is one warning that says it all, not two.
    assert Renderer(Path("/nonexistent"), "xx", {}).warning == Localiser("xx").warning
    assert Renderer(Path("/nonexistent"), "en-GB", {}).warning is None


@pytest.mark.parametrize("tag", ["fr", "fr-CA", "fr-BE"])
def test_a_regional_tag_uses_its_language_catalogue(tag: str) -> None:
    translations, warning = interface_translations(tag)
    assert warning is None and translations.gettext("Threat level") == "Niveau de menace"


def _write_catalogue(root: Path, name: str, messages: dict[str, str]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale=name.split("_")[0])
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    folder = root / name / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "bulletin.mo", "wb") as handle:
        write_mo(handle, catalog)


def test_a_regional_catalogue_falls_back_to_its_language_for_what_it_lacks(tmp_path: Path) -> None:
    _write_catalogue(tmp_path, "fr", {"Search": "Recherche", "Archive": "Archives"})
    _write_catalogue(tmp_path, "fr_CA", {"Search": "Rechercher"})
    interface = load_interface("fr-CA", tmp_path)
    assert interface.warning is None
    assert interface.translations.gettext("Search") == "Rechercher"
    assert interface.translations.gettext("Archive") == "Archives"
    assert interface.translations.gettext("Home") == "Home"


def test_templates_translate_and_a_changed_catalogue_changes_the_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bulletin.i18n as i18n

    locale = tmp_path / "locale"
    _write_catalogue(locale, "fr", {"Search": "Recherche"})
    monkeypatch.setattr(i18n, "LOCALE_ROOT", locale)
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "t.html").write_text(
        "{{ _('Search') }}|{% trans n=3 %}{{ n }} left{% endtrans %}|{{ when|date }}|{{ 2800|number }}\n"
    )
    renderer = Renderer(site, "fr", {})
    assert renderer.render("t.html", {"when": MORNING}, "a test") == f"Recherche|3 left|3 août 2016|2{NNBSP}800\n"
    before = renderer.digest
    assert renderer.refresh() and renderer.digest == before
    _write_catalogue(locale, "fr", {"Search": "Rechercher", "%(n)s left": "%(n)s restants"})
    assert renderer.refresh() and renderer.digest != before  # pages made with the old catalogue are stale
    assert renderer.render("t.html", {"when": MORNING}, "a test") == f"Rechercher|3 restants|3 août 2016|2{NNBSP}800\n"


def test_translated_text_is_escaped_like_any_other_value(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "t.html").write_text("{% trans %}Hello {{ name }}{% endtrans %}|{{ _('Hi %(x)s', x=name) }}")
    out = Renderer(site, "en-GB", {}).render("t.html", {"name": "<b>"}, "a test")
    assert out == "Hello &lt;b&gt;|Hi &lt;b&gt;"


# --- the catalogues ----------------------------------------------------------------------------


def test_the_catalogues_are_up_to_date_complete_and_compiled() -> None:
    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "catalogues.py"), "check"], capture_output=True, text=True, cwd=REPO
    )
    assert check.returncode == 0, check.stderr
    assert "3 catalogues complete and compiled" in check.stdout


@pytest.mark.parametrize("tag", ["cy", "fr", "fr-CA", "es", "es-US"])
def test_every_interface_text_has_a_translation(tag: str) -> None:
    from babel.messages.pofile import read_po

    with open(LOCALE_ROOT / "bulletin.pot", "rb") as handle:
        template = read_po(handle)
    translations, warning = interface_translations(tag)
    assert warning is None
    for message in template:
        if isinstance(message.id, tuple):
            for n in (1, 2, 3, 6, 20):
                assert translations.ngettext(*message.id, n) not in message.id, (tag, message.id, n)
        elif message.id and message.id not in NO_WORDS:
            assert translations.gettext(message.id) != message.id or message.id in SAME_IN, (tag, message.id)


# Words that are the same in a language as in English, and rightly so.
SAME_IN = {"Date", "Total", "Pages", "Sources", "No", "CAP alert", "Tag: %(name)s", "codes %(codes)s"}
# Texts of symbols and punctuation, which many languages write as English does.
NO_WORDS = {
    "N ↑",
    "%(date)s: %(text)s",
    "%(title)s (page %(number)s)",
    "%(degrees)s° N",
    "%(degrees)s° S",
    "%(degrees)s° E",
    "%(facts)s; %(more)s",
    "%(area)s: %(facts)s.",
    "%(distance)s km",
}


# --- sites built in other languages --------------------------------------------------------------

NOW = "2026-01-01T00:00:00Z"
TITLES = {
    "fr": "Communiqués de sécurité de Londres",
    "es": "Comunicados de seguridad de Londres",
    "cy": "Briffiadau Diogelwch Llundain",
}
MENUS = {
    "fr": ("Communiqués", "Niveau de menace", "Déploiements", "Rechercher"),
    "es": ("Comunicados", "Nivel de amenaza", "Despliegues", "Buscar"),
    "cy": ("Briffiadau", "Lefel y bygythiad", "Lleoli swyddogion", "Chwilio"),
}
# Interface texts that the example site's content never uses: none may be left on a page.
ENGLISH = (
    "Skip to content",
    "Threat level",
    "Current threat level",
    "In force since",
    "Latest briefings",
    "All briefings",
    "Follow these briefings",
    "Atom feed",
    "Briefings",
    "Archive",
    "Deployments",
    "Regions",
    "People",
    "Search",
    "Key facts",
    "Officers added",
    "Officers in total",
    "Officers before",
    "Spokespeople",
    "Issued",
    "updated",
    "Quotes",
    "Updates",
    "Tags:",
    "The outline is approximate",
)


def _example_in(language: str, root: Path, published: bool = True) -> Path:
    """A copy of the example site whose own language is ``language`` (its title and menu too: they
    are the site's words, not the interface's). Its Welsh translation stays: Welsh is built as it."""
    site = root / f"site-{language}"
    site.mkdir()
    shutil.copytree(REPO / "content", site / "content")
    if published:
        shutil.copytree(REPO / "published", site / "published")
    text = (REPO / "site.yaml").read_text(encoding="utf-8")
    if language != "cy":
        text = re.sub(r"(?m)^language: .*$", f"language: {language}", text)
    if language in MENUS and language != "cy":
        text = text.replace("London Security Briefings", TITLES[language])
        urls = ("/briefings/", "/threat-level/", "/deployments/", "/search/")
        menu = "".join(
            f"  - title: {title}\n    url: {url}\n" for title, url in zip(MENUS[language], urls, strict=True)
        )
        text = re.sub(r"(?m)^menu:\n(?:  .*\n)*", "menu:\n" + menu, text)
    (site / "site.yaml").write_text(text, encoding="utf-8")
    return site


def _text(page: str) -> str:
    """What a reader sees of a page, but for the titles of content pages in the menu (content, in English)."""
    body = page[page.index("<body") :]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r'<li><a href="[^"]*(advice|about|contact)/index.html"[^>]*>[^<]*</a></li>', " ", body)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("languages")
    outputs = {}
    for language in ("fr", "cy", "es"):
        site = _example_in(language, root)
        result = run_build_py("--site", str(site), "--now", NOW, "--no-cache", "--quiet", cwd=root)
        assert result.code == 0, result.err
        assert "interface" not in result.err and "unknown language" not in result.err
        outputs[language] = site / "public" / ("cy" if language == "cy" else "")
    return outputs


EXPECTED_PAGES = {
    # language: (date of the 2016 briefing, its officer total, the home link, the threat level label)
    "fr": ("3 août 2016", f"2{NNBSP}800", "Accueil", "Niveau de menace"),
    "cy": ("3 Awst 2016", "2,800", "Hafan", "Lefel y bygythiad"),
    "es": ("3 de agosto de 2016", "2800", "Inicio", "Nivel de amenaza"),
}


@pytest.mark.parametrize("language", ["fr", "cy", "es"])
def test_a_site_in_another_language_has_no_english_interface_left(built: dict[str, Path], language: str) -> None:
    date, total, home, threat_level = EXPECTED_PAGES[language]
    home_page = (built[language] / "index.html").read_text(encoding="utf-8")
    briefing = (built[language] / "briefings/armed-officers-london/index.html").read_text(encoding="utf-8")
    for page in (home_page, briefing):
        assert f'<html lang="{language}">' in page
        text = _text(page)
        assert [s for s in ENGLISH if re.search(rf"\b{re.escape(s)}\b", text)] == []
        assert f">{home}</a>" in page and re.search(rf"{threat_level} ?: ", text)  # the banner
    assert f">{date}, " in briefing and f"<dd>{total}</dd>" in briefing
    assert "August" not in _text(briefing) and "Yes" not in _text(briefing)


def test_the_search_page_gives_its_script_the_language_s_texts(built: dict[str, Path]) -> None:
    page = (built["cy"] / "search/index.html").read_text(encoding="utf-8")
    assert 'data-locale="cy"' in page and 'data-date="{d} {month} {y}"' in page
    assert (
        'data-months="Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr"' in page
    )
    # One text for each of Welsh's six plural categories, mutated as Welsh needs.
    for category, text in [("zero", "{n} canlyniad"), ("one", "{n} canlyniad"), ("two", "{n} ganlyniad")]:
        assert f'data-results-{category}="{text}"' in page
    assert 'data-results-few="{n} chanlyniad"' in page and 'data-results-many="{n} chanlyniad"' in page
    assert 'data-results-other="{n} canlyniad"' in page
    assert 'data-at-least="O leiaf {results}"' in page
    french = (built["fr"] / "search/index.html").read_text(encoding="utf-8")
    assert 'data-results-one="{n} résultat"' in french and 'data-results-many="{n} de résultats"' in french


def test_an_unknown_language_builds_in_english_with_one_warning_at_site_yaml(tmp_path: Path) -> None:
    site = _example_in("xx", tmp_path, published=False)
    result = run_build_py("--site", str(site), "--now", NOW, "--no-cache", "--quiet", cwd=tmp_path)
    assert result.code == 0, result.err
    warnings = [line for line in result.lines if ": warning: " in line]
    line = next(n for n, text in enumerate((site / "site.yaml").read_text().splitlines(), 1) if text == "language: xx")
    assert warnings == [
        f"site.yaml:{line}: warning: unknown language 'xx': dates, numbers and the interface stay in English"
    ]
    page = (site / "public/briefings/armed-officers-london/index.html").read_text(encoding="utf-8")
    assert '<html lang="xx">' in page and "Key facts" in page and ">3 August 2016, " in page


# --- the language switch ---------------------------------------------------------------------------


def _frame(tmp_path: Path, language: str) -> Renderer:
    """The default theme's base.html around an empty page, with just the globals it needs."""
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True, exist_ok=True)
    (site / "templates" / "t.html").write_text('{% extends "base.html" %}{% block main %}<h1>x</h1>{% endblock %}')
    config = SimpleNamespace(
        title="T",
        description="D",
        base_url="https://x.example/",
        language=language,
        organisation=SimpleNamespace(name="O", contact=""),
    )
    return Renderer(site, language, {"site": config, "nav": [], "current_level": None})


def _alternate(lang: str, name: str, translated: bool = True, current: bool = False) -> SimpleNamespace:
    path = "/briefings/x/" if lang == "en-GB" else f"/{lang}/briefings/x/"
    return SimpleNamespace(
        lang=lang, name=name, url=path, absolute=f"https://x.example{path}", translated=translated, current=current
    )


def test_the_language_switch_links_the_other_languages_and_hreflang_the_translated_ones(tmp_path: Path) -> None:
    alternates = [
        _alternate("en-GB", "English", current=True),
        _alternate("cy", "Cymraeg"),
        _alternate("fr", "Français", translated=False),
    ]
    page = _frame(tmp_path, "en-GB").render(
        "t.html", {"page_url": "/briefings/x/", "page_path": "/briefings/x/", "alternates": alternates}, "test"
    )
    assert re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page) == [
        ("en-GB", "https://x.example/briefings/x/"),  # itself too, as search engines want
        ("cy", "https://x.example/cy/briefings/x/"),
    ]
    switch = re.search(r'<nav class="languages" aria-label="Language">(.*?)</nav>', page, re.S)
    assert switch is not None
    assert re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)">([^<]+)</a>', switch.group(1)) == [
        ("../../cy/briefings/x/index.html", "cy", "cy", "Cymraeg"),
        ("../../fr/briefings/x/index.html", "fr", "fr", "Français"),  # shown in the main language, but there
    ]
    # Links the builder already made relative are used as they are.
    relative = [SimpleNamespace(**{**vars(a), "url": "../../cy/briefings/x/index.html"}) for a in alternates[1:2]]
    page = _frame(tmp_path, "en-GB").render(
        "t.html",
        {"page_url": "/briefings/x/", "page_path": "/briefings/x/", "alternates": [alternates[0], *relative]},
        "test",
    )
    assert '<a href="../../cy/briefings/x/index.html" lang="cy" hreflang="cy">Cymraeg</a>' in page


def test_the_switch_speaks_the_page_s_language_and_is_absent_without_translations(tmp_path: Path) -> None:
    alternates = [_alternate("en-GB", "English"), _alternate("cy", "Cymraeg", current=True)]
    welsh = _frame(tmp_path, "cy").render(
        "t.html", {"page_url": "/cy/briefings/x/", "page_path": "/briefings/x/", "alternates": alternates}, "t"
    )
    assert '<nav class="languages" aria-label="Iaith">' in welsh and ">English</a>" in welsh
    # A page shown in the main language's text announces no alternates, but still offers the switch.
    untranslated = [_alternate("en-GB", "English"), _alternate("cy", "Cymraeg", translated=False, current=True)]
    page = _frame(tmp_path, "cy").render(
        "t.html", {"page_url": "/cy/briefings/x/", "page_path": "/briefings/x/", "alternates": untranslated}, "t"
    )
    assert "hreflang=" in page and '<link rel="alternate" hreflang' not in page
    for context in ({"page_url": "/", "page_path": "/"}, {"page_url": "/", "page_path": "/", "alternates": ()}):
        page = _frame(tmp_path, "en-GB").render("t.html", context, "t")
        assert "languages" not in page and "hreflang" not in page


# --- the briefing's map and the deployments chart ---------------------------------------------------

NBSP = "\u00a0"  # French: before a colon, between a figure and its unit
CARDIFF = (
    Area("centre", "Cardiff city centre", circle=Circle(51.4816, -3.1791, 1.0), geocodes=(("GSS", "W06000015"),)),
    Area("bay", "Cardiff Bay", polygon=((51.455, -3.17), (51.467, -3.15), (51.46, -3.18), (51.455, -3.17))),
    Area("penarth", "Penarth", circle=Circle(51.4386, -3.1736, 0.75)),
    Area("wales", "Wales", geocodes=(("GSS", "W92000004"),)),  # no shape: in the caption, not on the map
)
SYDNEY = (Area("sydney", "Sydney", circle=Circle(-33.9001, 151.2093, 1.2)),)
# language: (title, scale, caption) of the map of CARDIFF, then of SYDNEY (south and east, a scale under 1 km).
MAPS = {
    # As the map said before its words were the template's, byte for byte.
    "en-GB": (
        (
            "Map of Cardiff city centre, Cardiff Bay and Penarth",
            "2 km",
            "Cardiff city centre: within 1 km of 51.48° N, 3.18° W; codes GSS W06000015. Cardiff Bay: an outline"
            " about 2.1 km across, centred near 51.46° N, 3.17° W. Penarth: within 0.75 km of 51.44° N, 3.17° W."
            " Wales: codes GSS W92000004. The outline is approximate.",
        ),
        ("Map of Sydney", "0.5 km", "Sydney: within 1.2 km of 33.90° S, 151.21° E. The outline is approximate."),
    ),
    "fr": (
        (
            f"Carte{NBSP}: Cardiff city centre, Cardiff Bay et Penarth",
            f"2{NBSP}km",
            f"Cardiff city centre{NBSP}: dans un rayon de 1{NBSP}km autour de 51,48°{NBSP}N, 3,18°{NBSP}O{NNBSP}; codes"
            f" GSS W06000015. Cardiff Bay{NBSP}: un contour d’environ 2,1{NBSP}km de large, centré près de"
            f" 51,46°{NBSP}N, 3,17°{NBSP}O. Penarth{NBSP}: dans un rayon de 0,75{NBSP}km autour de 51,44°{NBSP}N,"
            f" 3,17°{NBSP}O. Wales{NBSP}: codes GSS W92000004. Le contour est approximatif.",
        ),
        (
            f"Carte{NBSP}: Sydney",
            f"0,5{NBSP}km",
            f"Sydney{NBSP}: dans un rayon de 1,2{NBSP}km autour de 33,90°{NBSP}S, 151,21°{NBSP}E. Le contour est"
            " approximatif.",
        ),
    ),
    "cy": (
        (
            "Map: Cardiff city centre, Cardiff Bay a Penarth",
            "2 km",
            "Cardiff city centre: o fewn 1 km i 51.48° G, 3.18° Gn; codau GSS W06000015. Cardiff Bay: amlinelliad"
            " tua 2.1 km ar ei draws, a'i ganol ger 51.46° G, 3.17° Gn. Penarth: o fewn 0.75 km i 51.44° G, 3.17° Gn."
            " Wales: codau GSS W92000004. Amlinelliad bras yw hwn.",
        ),
        ("Map: Sydney", "0.5 km", "Sydney: o fewn 1.2 km i 33.90° D, 151.21° Dn. Amlinelliad bras yw hwn."),
    ),
    "es": (
        (
            "Mapa de Cardiff city centre, Cardiff Bay y Penarth",
            "2 km",
            "Cardiff city centre: en un radio de 1 km alrededor de 51,48° N, 3,18° O; códigos GSS W06000015. Cardiff"
            " Bay: un contorno de unos 2,1 km de ancho, centrado cerca de 51,46° N, 3,17° O. Penarth: en un radio de"
            " 0,75 km alrededor de 51,44° N, 3,17° O. Wales: códigos GSS W92000004. El contorno es aproximado.",
        ),
        (
            "Mapa de Sydney",
            "0,5 km",
            "Sydney: en un radio de 1,2 km alrededor de 33,90° S, 151,21° E. El contorno es aproximado.",
        ),
    ),
}
# The English of the map, none of which may be left on a page in another language.
MAP_ENGLISH = ("Map of", "within", "km of", "across", "outline", "centred", " and ", "° W")


def _area_map(page: str) -> tuple[str, str, str]:
    """The title, scale label and caption of a page's map, as a reader gets them."""
    figure = re.search(r'<figure class="area-map">.*?</figure>', page, re.S)
    assert figure is not None
    title = re.search(r'<title id="area-map-title">(.*?)</title>', figure.group(0))
    scale = re.search(r'<g class="area-scale".*?<text [^>]*>(.*?)</text>', figure.group(0), re.S)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure.group(0), re.S)
    assert title is not None and scale is not None and caption is not None
    return html.unescape(title.group(1)), html.unescape(scale.group(1)), html.unescape(caption.group(1))


@pytest.mark.parametrize("language", sorted(MAPS))
def test_the_map_is_worded_and_its_figures_written_in_the_page_s_language(tmp_path: Path, language: str) -> None:
    renderer = _frame(tmp_path, language)
    for areas, expected in zip((CARDIFF, SYDNEY), MAPS[language], strict=True):
        page = renderer.render(
            "partials/area-map.html", {"b": SimpleNamespace(area_map=area_map(areas, language))}, "t"
        )
        said = _area_map(page)
        assert said == expected
        if language != "en-GB":
            assert [w for w in MAP_ENGLISH if any(w in text for text in said)] == []


def test_a_regional_or_unknown_language_writes_the_map_s_figures_as_its_locale_does() -> None:
    for language, scale in (("fr-CA", "0,5"), ("es-US", "0.5"), ("xx", "0.5")):
        drawn = area_map(SYDNEY, language)
        assert drawn is not None and drawn.scale_km == scale, language


def test_a_built_site_says_its_map_in_each_language(tmp_path: Path) -> None:
    """A French site with its Welsh translation; the 2016 briefing names an outline and a circle."""
    site = _example_in("fr", tmp_path, published=False)
    briefing = site / "content/briefings/2016/2016-08-03-armed-officers-london.md"
    text = briefing.read_text(encoding="utf-8")
    briefing.write_text(text.replace("\narea: london\n", "\narea: [london, birmingham-city-centre]\n"), "utf-8")
    result = run_build_py("--site", str(site), "--now", NOW, "--no-cache", "--quiet", cwd=tmp_path)
    assert result.code == 0, result.err
    pages = site / "public"
    french = _area_map((pages / "briefings/armed-officers-london/index.html").read_text(encoding="utf-8"))
    assert french[0] == f"Carte{NBSP}: Greater London et Birmingham city centre"
    assert f"un contour d’environ 58{NBSP}km de large, centré près de 51,49°{NBSP}N, 0,09°{NBSP}O" in french[2]
    assert f"dans un rayon de 1,5{NBSP}km autour de 52,48°{NBSP}N, 1,90°{NBSP}O" in french[2]
    assert [w for w in MAP_ENGLISH if any(w in text for text in french)] == []
    welsh = _area_map((pages / "cy/briefings/armed-officers-london/index.html").read_text(encoding="utf-8"))
    assert welsh[0].startswith("Map: Llundain Fwyaf a ")
    assert "amlinelliad tua 58 km ar ei draws, a'i ganol ger 51.49° G, 0.09° Gn" in welsh[2]  # a point in Welsh
    assert "o fewn 1.5 km i 52.48° G, 1.90° Gn" in welsh[2]
    assert [w for w in (*MAP_ENGLISH, "codes") if any(w in text for text in welsh)] == []
    manchester = _area_map((pages / "briefings/awareness-week-manchester/index.html").read_text(encoding="utf-8"))
    assert manchester[1] == f"0,5{NBSP}km"


def _y_labels(page: str) -> list[str]:
    return re.findall(r'<text class="axis" [^>]*text-anchor="end">([^<]*)</text>', page)


def test_the_deployments_chart_writes_its_figures_as_the_page_s_language_does(built: dict[str, Path]) -> None:
    french = _y_labels((built["fr"] / "deployments/index.html").read_text(encoding="utf-8"))
    assert french[0] == "0" and any(NNBSP in label for label in french)
    assert all(re.fullmatch(rf"\d{{1,3}}({NNBSP}\d{{3}})*", label) for label in french), french
    spanish = _y_labels((built["es"] / "deployments/index.html").read_text(encoding="utf-8"))
    assert all(re.fullmatch(r"\d+", label) for label in spanish), spanish  # 4 digits stand alone in Spanish
    # English as before: the site of the Welsh build is in English.
    english = _y_labels((built["cy"].parent / "deployments/index.html").read_text(encoding="utf-8"))
    assert english == ["0", "750", "1,500", "2,250", "3,000"]


def test_an_english_site_s_map_is_as_it_was(built: dict[str, Path]) -> None:
    english = built["cy"].parent / "briefings"
    assert _area_map((english / "threat-level-raised-to-severe/index.html").read_text(encoding="utf-8")) == (
        "Map of Great Britain and Northern Ireland",
        "200 km",
        "Great Britain: an outline about 970 km across, centred near 54.30° N, 2.22° W; codes GSS K03000001."
        " Northern Ireland: an outline about 170 km across, centred near 54.63° N, 6.80° W; codes GSS N92000002."
        " The outline is approximate.",
    )
    assert _area_map((english / "awareness-week-manchester/index.html").read_text(encoding="utf-8")) == (
        "Map of Manchester city centre",
        "0.5 km",
        "Manchester city centre: within 1.2 km of 53.48° N, 2.24° W; codes GSS E08000003. The outline is approximate.",
    )
