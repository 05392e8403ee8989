"""CAP messages with one <info> per language (issue 12 item 4), on a copy of the example site.

The example's armed-officers briefing gets an alert, its messages are recorded in English, and then
a Welsh translation arrives: the recorded messages must not change, and the next update carries
both languages.
"""

from __future__ import annotations

import copy
import datetime as dt
import gettext
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml
from cap_profile import check_feed, errors, google_profile
from conftest import REPO, Run, run_build_py, tree_digest

from bulletin.content.model import Briefing
from bulletin.errors import Problems
from bulletin.outputs import cap
from bulletin.outputs.cap import chain, message_xml, read_message
from bulletin.published import Record
from bulletin.site import Site, load_site

SCHEMAS = Path(__file__).parent / "schemas"
C = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
NOW = "2026-01-01T00:00:00Z"
# The Google profile's notes on times in UTC (the UK's in winter): neither errors nor recommendations.
INFO_ONLY = {"SENT_INCLUDES_UTC_TIMEZONE", "ONSET_INCLUDES_UTC_TIMEZONE", "EXPIRES_INCLUDES_UTC_TIMEZONE"}

SLUG = "armed-officers-london"
BRIEFING = "content/briefings/2016/2016-08-03-armed-officers-london.md"
WELSH = "content/briefings/2016/2016-08-03-armed-officers-london.cy.md"
ALERT = 'alert:\n  status: Actual\n  response: Monitor\n  event: "More armed patrols"\n'
LAST_NOTE = (
    '    note: "Reworded the summary to make clear that the deployment is not a response to specific intelligence."\n'
)
NEW_UPDATE = '  - date: 2016-08-06T11:00:00\n    note: "The first of the new officers are now on patrol."\n'
TITLE = "600 yn rhagor o swyddogion arfog i batrolio Llundain"
TRANSLATIONS = """translations:
  cy:
    title: "Briffiadau Diogelwch Llundain"
    description: "Briffiadau diogelwch y cyhoedd: lefel y bygythiad, defnyddio'r heddlu a chyngor i'r cyhoedd."
    organisation:
      name: "Briffiadau Diogelwch Llundain (enghraifft)"
      contact: "Mewn argyfwng ffoniwch 999. Llinell gymorth gwrthderfysgaeth: 0800 789 321."
    threat_levels:
      - id: severe
        label: Difrifol
        meaning: "Mae ymosodiad yn debygol iawn."
"""
WELSH_TEXT = f"""---
title: "{TITLE}"
summary: "Mae Heddlu'r Metropolitan yn rhoi 600 yn rhagor o swyddogion arfog ar strydoedd Llundain, gan ddod â \
chyfanswm yr heddlu i 2,800. Nid ymateb i unrhyw wybodaeth benodol yw hyn."
advice: |
  - **Byddwch yn effro, nid yn ofnus.** Nid yw gweld swyddogion arfog yn golygu bod rhywbeth wedi digwydd.
  - **Rhowch wybod am unrhyw beth amheus.** Mewn argyfwng, ffoniwch **999**, neu'r llinell gymorth
    gwrthderfysgaeth ar **0800 789 321**.
  - Os cewch eich dal mewn ymosodiad: **Rhedwch, Cuddiwch, Dywedwch**.
updates:
  - note: "Ychwanegwyd rhif y llinell gymorth gwrthderfysgaeth at yr adran gyngor."
  - note: "Ailysgrifennwyd y crynodeb i ddweud yn glir nad ymateb i wybodaeth benodol yw hyn."
---

Mae Gwasanaeth Heddlu'r Metropolitan yn ychwanegu 600 o swyddogion arfog at ei batrolau ar
draws Llundain. Wedi iddynt ddechrau, bydd gan yr heddlu 2,800 o swyddogion arfog.

Mae plismona ym Mhrydain yn dal yn ddiarfog i raddau helaeth, ac nid yw lefel y bygythiad
cenedlaethol wedi newid: mae'n parhau'n **ddifrifol**.
"""
WELSH_NEW_NOTE = "  - note: \"Mae'r cyntaf o'r swyddogion newydd ar batrôl erbyn hyn.\"\n"


# --- the example site and its changes --------------------------------------------------------------


def example(tmp_path: Path, *, record: bool = True) -> Path:
    """The repository's example site in its main language alone (with its record of published messages
    unless ``record`` is False): the state in which its record was made."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "content", site / "content")
    if record:
        shutil.copytree(REPO / "published", site / "published")
    one_language(site)
    return site


def one_language(site: Path) -> None:
    """Take out whatever translations the example has (site.yaml's, and those of any content YAML file
    and Markdown file): the tests add their own."""
    tags: set[str] = set()

    def without(value: Any) -> Any:
        if isinstance(value, dict):
            tags.update(value.pop("translations", None) or ())
            return {key: without(item) for key, item in value.items()}
        if isinstance(value, list):
            return [without(item) for item in value]
        return value

    for path in [site / "site.yaml", *sorted((site / "content").rglob("*.yaml"))]:
        change_yaml(site, path.relative_to(site).as_posix(), without)
    for tag in tags:
        for translation in sorted((site / "content").rglob(f"*.{tag}.md")):
            translation.unlink()


def change_yaml(site: Path, rel: str, change: Callable[[Any], Any]) -> None:
    """Rewrite a YAML file only when ``change`` changes what it says, so untouched files keep their bytes."""
    path = site / rel
    before = yaml.safe_load(path.read_text(encoding="utf-8"))
    after = change(copy.deepcopy(before))
    if after != before:
        path.write_text(yaml.safe_dump(after, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (rel, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_alert(site: Path) -> None:
    edit(site, BRIEFING, "\nupdates:\n", f"\n{ALERT}updates:\n")


def translate(site: Path) -> None:
    with (site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write(TRANSLATIONS)

    def welsh_london(areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for area in areas:
            if area["id"] == "london":
                area["translations"] = {"cy": {"name": "Llundain"}}
        return areas

    change_yaml(site, "content/areas.yaml", welsh_london)
    (site / WELSH).write_text(WELSH_TEXT, encoding="utf-8")


def add_update(site: Path) -> None:
    """A third update, after the recorded ones and before NOW, with its note in Welsh too."""
    edit(site, BRIEFING, LAST_NOTE, LAST_NOTE + NEW_UPDATE)
    welsh = (site / WELSH).read_text(encoding="utf-8")
    end = welsh.index("---\n", 4)
    (site / WELSH).write_text(welsh[:end] + WELSH_NEW_NOTE + welsh[end:], encoding="utf-8")


def line_of(site: Path, rel: str, text: str) -> int:
    return next(n for n, line in enumerate((site / rel).read_text(encoding="utf-8").splitlines(), 1) if text in line)


def cap_warnings(run: Run) -> list[str]:
    """The warnings about CAP messages (others, such as a missing interface catalogue, are not ours)."""
    return [line for line in run.lines if ": warning:" in line and ("CAP" in line or "cannot change" in line)]


def build(site: Path, *args: str, now: str = NOW) -> Run:
    return run_build_py("--site", str(site), "--now", now, "--no-cache", *args, cwd=site.parent)


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """The example with an alert on the armed-officers briefing, built once: its Alert and two
    Updates are recorded, in English only."""
    site = example(tmp_path)
    add_alert(site)
    result = build(site)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (site / "published" / SLUG).iterdir()) == ["0.xml", "1.xml", "2.xml"]
    return site


# --- reading messages ------------------------------------------------------------------------------


def infos(data: bytes) -> list[dict[str, str]]:
    """Each <info> as its single-valued fields, with its areaDescs joined by '; '."""
    result = []
    for info in ET.fromstring(data).findall(f"{{{C}}}info"):
        fields = {child.tag.split("}")[1]: child.text or "" for child in info if len(child) == 0}
        fields["areaDesc"] = "; ".join(a.text or "" for a in info.iter(f"{{{C}}}areaDesc"))
        result.append(fields)
    return result


def languages(data: bytes) -> list[str]:
    return [info["language"] for info in infos(data)]


SHARED = ("category", "responseType", "urgency", "severity", "certainty", "onset", "expires")


def assert_bilingual(data: bytes, note: str, welsh_note: str) -> None:
    english, welsh = infos(data)
    assert (english["language"], welsh["language"]) == ("en-GB", "cy")
    assert {name: english[name] for name in SHARED} == {name: welsh[name] for name in SHARED}
    assert english["severity"] == "Severe" and english["category"] == "Security"
    assert english["headline"] == "600 more armed officers to patrol London" and welsh["headline"] == TITLE
    assert note in english["description"] and welsh_note not in english["description"]
    assert welsh_note in welsh["description"] and note not in welsh["description"]
    assert "Mae Gwasanaeth Heddlu'r Metropolitan" in welsh["description"]
    assert english["instruction"].startswith("Stay alert, not alarmed.")
    assert welsh["instruction"].startswith("Byddwch yn effro, nid yn ofnus.")
    assert (english["areaDesc"], welsh["areaDesc"]) == ("Greater London", "Llundain")
    assert english["event"] == "More armed patrols"
    assert "Difrifol" in welsh["event"] and welsh["event"] != english["event"]
    assert english["web"] == f"https://briefings.example.org/briefings/{SLUG}/"
    assert welsh["web"] == f"https://briefings.example.org/cy/briefings/{SLUG}/"
    assert english["senderName"] == "London Security Briefings (example)"
    assert welsh["senderName"] == "Briffiadau Diogelwch Llundain (enghraifft)"
    assert welsh["contact"].startswith("Mewn argyfwng ffoniwch 999.")
    # The shapes are the area's, whatever its name.
    root = ET.fromstring(data)
    polygons = [[p.text for p in info.iter(f"{{{C}}}polygon")] for info in root.findall(f"{{{C}}}info")]
    assert polygons[0] == polygons[1] and polygons[0]


@pytest.fixture(scope="module")
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "cap-v1.2.xsd"))


def assert_aggregators_accept(public: Path, cap_schema: xmlschema.XMLSchema) -> int:
    paths = sorted(public.glob("briefings/*/cap/*.xml")) + sorted(public.glob("briefings/*/alert.xml"))
    for path in paths:
        cap_schema.validate(str(path))
        data = path.read_bytes()
        assert not errors(data), path
        assert {f.rule for f in google_profile(data)} <= INFO_ONLY, (path, google_profile(data))
    assert check_feed((public / "alerts.xml").read_bytes()) == []
    return len(paths)


# --- a site in one language ------------------------------------------------------------------------


def test_a_single_language_site_makes_exactly_the_recorded_bytes(tmp_path: Path) -> None:
    """Without its record, the example makes again, byte for byte, every message the repository holds."""
    site = example(tmp_path, record=False)
    result = build(site)
    assert result.code == 0, result.err
    assert tree_digest(site / "published") == tree_digest(REPO / "published")
    for path in sorted((REPO / "published").glob("*/*.xml")):
        public = site / "public" / "briefings" / path.parent.name / "cap" / path.name
        assert public.read_bytes() == path.read_bytes(), path
        assert languages(path.read_bytes()) == ["en-GB"]


# --- adding a translation to a briefing that was sent ----------------------------------------------


def test_a_translation_changes_no_recorded_message_and_gives_no_warning(recorded: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    before = tree_digest(recorded / "published")
    translate(recorded)
    result = build(recorded, "--locked")  # nothing new is due: the record holds every message
    assert result.code == 0, result.err
    assert cap_warnings(result) == []
    assert "recorded" not in result.out + result.err
    assert tree_digest(recorded / "published") == before
    for path in sorted((recorded / "published").glob("*/*.xml")):
        public = recorded / "public" / "briefings" / path.parent.name / "cap" / path.name
        assert public.read_bytes() == path.read_bytes(), path
        assert languages(path.read_bytes()) == ["en-GB"]
    assert (recorded / "public" / "cy" / "briefings" / SLUG / "index.html").is_file()  # where <web> will point
    assert assert_aggregators_accept(recorded / "public", cap_schema) > 10


def test_a_change_to_the_main_text_of_a_recorded_message_still_warns(recorded: Path) -> None:
    translate(recorded)
    edit(recorded, BRIEFING, 'title: "600 more armed officers', 'title: "Six hundred more armed officers')
    result = build(recorded)
    assert result.code == 0, result.err
    assert (
        f"{BRIEFING}:{line_of(recorded, BRIEFING, '2016-08-05T14:30')}: warning: CAP message 2 (Update) of '{SLUG}' was published on 2016-08-05T14:30:00+01:00 and "
        f"cannot change (published/{SLUG}/2.xml holds it); add an update to publish the change"
    ) in result.lines


def test_the_next_update_carries_every_language(recorded: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    before = {path.name: path.read_bytes() for path in (recorded / "published" / SLUG).iterdir()}
    translate(recorded)
    add_update(recorded)

    locked = build(recorded, "--locked")
    assert locked.code == 1
    assert (
        f"{BRIEFING}:{line_of(recorded, BRIEFING, '2016-08-06T11:00')}: error: CAP message 3 of '{SLUG}' is due but published/{SLUG}/3.xml does not hold it "
        "(--locked); build without --locked and commit published/"
    ) in locked.lines
    assert not (recorded / "published" / SLUG / "3.xml").exists()

    result = build(recorded)
    assert result.code == 0, result.err
    assert f"recorded published/{SLUG}/3.xml; commit it with the content" in result.out + result.err
    assert cap_warnings(result) == []
    update = (recorded / "published" / SLUG / "3.xml").read_bytes()
    assert (recorded / "public" / "briefings" / SLUG / "cap" / "3.xml").read_bytes() == update
    assert (recorded / "public" / "briefings" / SLUG / "alert.xml").read_bytes() == update
    assert_bilingual(
        update, "The first of the new officers are now on patrol.", "Mae'r cyntaf o'r swyddogion newydd ar batrôl"
    )
    root = ET.fromstring(update)
    assert root.findtext(f"{{{C}}}msgType") == "Update"
    assert len(root.findtext(f"{{{C}}}references", "").split()) == 3
    for name, data in before.items():  # the earlier messages, as recorded
        assert (recorded / "published" / SLUG / name).read_bytes() == data
        assert (recorded / "public" / "briefings" / SLUG / "cap" / name).read_bytes() == data
    assert assert_aggregators_accept(recorded / "public", cap_schema) > 10

    again = build(recorded, "--locked")  # CI, from the committed record
    assert again.code == 0, again.err
    assert (recorded / "public" / "briefings" / SLUG / "cap" / "3.xml").read_bytes() == update


def test_a_chain_first_published_with_its_translation_has_both_languages_and_an_english_index(
    tmp_path: Path,
    cap_schema,  # type: ignore[no-untyped-def]
) -> None:
    site = example(tmp_path)
    add_alert(site)
    translate(site)
    add_update(site)
    result = build(site, now="2016-08-06T12:00:00Z")
    assert result.code == 0, result.err
    messages = sorted((site / "published" / SLUG).iterdir())
    assert [p.name for p in messages] == ["0.xml", "1.xml", "2.xml", "3.xml"]
    assert all(languages(p.read_bytes()) == ["en-GB", "cy"] for p in messages)
    english, welsh = infos(messages[1].read_bytes())
    assert english["description"].startswith("Update: Added the anti-terrorism hotline number")
    assert "Ychwanegwyd rhif y llinell gymorth" in welsh["description"]
    assert "Update:" not in infos(messages[0].read_bytes())[0]["description"]
    assert_aggregators_accept(site / "public", cap_schema)

    # /alerts.xml: one entry per message in the window, with the main language's fields.
    index = ET.fromstring((site / "public" / "alerts.xml").read_bytes())
    entries = index.findall(f"{{{ATOM}}}entry")
    ours = [e for e in entries if SLUG in (e.findtext(f"{{{ATOM}}}id") or "")]
    # The Alert was superseded more than 48 hours ago: it has left the index.
    assert [e.findtext(f"{{{ATOM}}}id", "").rsplit("/", 1)[1] for e in ours] == ["3.xml", "2.xml", "1.xml"]
    latest = ours[0]
    assert latest.findtext(f"{{{ATOM}}}title") == "Update: 600 more armed officers to patrol London"
    assert latest.findtext(f"{{{C}}}event") == "More armed patrols"
    assert latest.findtext(f"{{{C}}}areaDesc") == "Greater London"
    assert latest.findtext(f"{{{ATOM}}}summary", "").startswith("Update: The first of the new officers")
    assert "Llundain" not in (site / "public" / "alerts.xml").read_text(encoding="utf-8")


# --- the functions ---------------------------------------------------------------------------------


def loaded(site: Path) -> Site:
    problems = Problems()
    found = load_site(site, dt.datetime(2016, 8, 6, 12, tzinfo=dt.UTC), problems)
    assert found is not None and not problems.errors, problems.sorted()
    return found


def translated_briefing(tmp_path: Path) -> tuple[Site, Briefing]:
    """The example's alerting briefing with its Welsh translation and a third update, loaded."""
    site = example(tmp_path, record=False)
    add_alert(site)
    translate(site)
    add_update(site)
    loaded_site = loaded(site)
    return loaded_site, next(b for b in loaded_site.published if b.slug == SLUG)


def test_message_xml_writes_the_versions_in_order_and_reading_takes_the_first(tmp_path: Path) -> None:
    loaded_site, briefing = translated_briefing(tmp_path)
    versions = loaded_site.versions(briefing)
    assert [language for language, _ in versions] == ["en-GB", "cy"]
    messages = chain(briefing, loaded_site.config)
    update = messages[3]
    references = [f"ref,{m.identifier},x" for m in messages[:3]]
    both = message_xml(update, references, loaded_site.config, "severe", versions)
    assert_bilingual(
        both, "The first of the new officers are now on patrol.", "Mae'r cyntaf o'r swyddogion newydd ar batrôl"
    )
    main_only = message_xml(update, references, loaded_site.config, "severe")
    assert main_only == message_xml(update, references, loaded_site.config, "severe", versions[:1])
    assert languages(main_only) == ["en-GB"]
    first_alone, first_of_both = (ET.fromstring(data).find(f"{{{C}}}info") for data in (main_only, both))
    assert first_alone is not None and first_of_both is not None
    first_alone.tail = first_of_both.tail = None  # the indent after it: the next <info>, or the end
    assert ET.tostring(first_alone) == ET.tostring(first_of_both)

    published = read_message(SLUG, 3, both)
    assert published.languages == ("en-GB", "cy")
    assert published.headline == "600 more armed officers to patrol London"
    assert published.summary == "Update: The first of the new officers are now on patrol."
    assert dict(published.fields)["event"] == "More armed patrols"
    assert dict(published.fields)["areaDesc"] == "Greater London"


class Catalogue(gettext.NullTranslations):
    def __init__(self, words: dict[str, str]) -> None:
        super().__init__()
        self.words = words

    def gettext(self, message: str) -> str:
        return self.words.get(message, message)


def test_the_event_and_update_words_come_from_the_interface_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded_site, briefing = translated_briefing(tmp_path)
    update = chain(briefing, loaded_site.config)[3]
    welsh = {"%(level)s threat level": "Lefel bygythiad %(level)s", "Update: %(note)s": "Diweddariad: %(note)s"}
    monkeypatch.setattr(cap, "_interface", lambda tag: Catalogue(welsh) if tag == "cy" else gettext.NullTranslations())
    data = message_xml(update, [], loaded_site.config, "severe", loaded_site.versions(briefing))
    english, cymraeg = infos(data)
    assert cymraeg["event"] == "Lefel bygythiad Difrifol"
    assert cymraeg["description"].startswith("Diweddariad: Mae'r cyntaf o'r swyddogion newydd")
    assert english["event"] == "More armed patrols" and english["description"].startswith("Update: The first")

    # A catalogue whose text names another placeholder gives the English words, not a failed build.
    broken = {"%(level)s threat level": "Lefel bygythiad %(lefel)s", "Update: %(note)s": "Diweddariad: 100%"}
    monkeypatch.setattr(cap, "_interface", lambda tag: Catalogue(broken))
    cymraeg = infos(message_xml(update, [], loaded_site.config, "severe", loaded_site.versions(briefing)))[1]
    assert cymraeg["event"] == "Difrifol threat level"
    assert cymraeg["description"].startswith("Update: Mae'r cyntaf")


def test_without_an_event_each_language_names_the_level_in_its_own_words(tmp_path: Path) -> None:
    site = example(tmp_path, record=False)
    edit(site, BRIEFING, "\nupdates:\n", "\nalert:\n  response: Monitor\nupdates:\n")
    translate(site)
    loaded_site = loaded(site)
    briefing = next(b for b in loaded_site.published if b.slug == SLUG)
    alert = chain(briefing, loaded_site.config)[0]
    data = message_xml(alert, [], loaded_site.config, "severe", loaded_site.versions(briefing))
    english, welsh = infos(data)
    assert english["event"] == "Severe threat level"  # as before translations existed
    assert welsh["event"].replace("threat level", "").strip() != "" and "Difrifol" in welsh["event"]


def test_a_translated_title_too_long_for_a_headline_is_a_warning_at_the_translation(tmp_path: Path) -> None:
    site = example(tmp_path, record=False)
    add_alert(site)
    translate(site)
    long_title = "Swyddogion arfog " * 10
    edit(site, WELSH, f'title: "{TITLE}"', f'title: "{long_title.strip()}"')
    loaded_site = loaded(site)
    problems = Problems()
    output = cap.cap_outputs(loaded_site, Record(), problems)
    assert [(p.path, p.message) for p in problems.sorted()] == [
        (WELSH, f"title is {len(long_title.strip())} characters; CAP headlines should stay under 140")
    ]
    assert [languages(m.data) for m in output.published[SLUG]] == [["en-GB", "cy"]] * 3


def test_a_cancel_has_an_info_per_language_with_no_response(tmp_path: Path) -> None:
    site = example(tmp_path, record=False)
    cancel = '  cancel: {at: 2016-08-06T09:00:00, reason: "The patrols are now routine."}\n'
    edit(site, BRIEFING, "\nupdates:\n", f"\n{ALERT}{cancel}updates:\n")
    translate(site)
    loaded_site = loaded(site)
    briefing = next(b for b in loaded_site.published if b.slug == SLUG)
    messages = chain(briefing, loaded_site.config)
    assert messages[-1].msg_type == "Cancel"
    data = message_xml(messages[-1], [], loaded_site.config, "severe", loaded_site.versions(briefing))
    english, welsh = infos(data)
    assert (english["language"], welsh["language"]) == ("en-GB", "cy")
    assert english["responseType"] == welsh["responseType"] == "None"
    assert english["description"].startswith("Cancelled: The patrols are now routine.\n\nThe Metropolitan Police")
    assert "The patrols are now routine." in welsh["description"]  # the reason is not translated
    assert "Mae Heddlu'r Metropolitan" in welsh["description"]
    assert ET.fromstring(data).findtext(f"{{{C}}}note") == "The patrols are now routine."


def test_a_translated_event_is_the_welsh_infos_own(tmp_path: Path) -> None:
    site = example(tmp_path, record=False)
    add_alert(site)
    translate(site)
    welsh = (site / WELSH).read_text(encoding="utf-8")
    (site / WELSH).write_text(welsh.replace("---\n", "---\nalert: {event: Rhagor o batrolau arfog}\n", 1), "utf-8")
    result = build(site, now="2016-08-03T12:00:00Z")
    assert result.code == 0, result.err
    english, cymraeg = infos((site / "public/briefings" / SLUG / "cap/0.xml").read_bytes())
    assert (english["event"], cymraeg["event"]) == ("More armed patrols", "Rhagor o batrolau arfog")


def test_reordering_the_translations_changes_no_recorded_message(tmp_path: Path) -> None:
    site = example(tmp_path, record=False)
    add_alert(site)
    translate(site)
    with (site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  fr:\n    title: Communiqués\n")
    (site / WELSH.replace(".cy.md", ".fr.md")).write_text(
        "---\ntitle: Six cents policiers armés de plus à Londres\n---\nLe corps du communiqué.\n", "utf-8"
    )
    assert build(site).code == 0
    first = (site / "published" / SLUG / "0.xml").read_bytes()
    assert languages(first) == ["en-GB", "cy", "fr"]
    config = (site / "site.yaml").read_text(encoding="utf-8")
    welsh_start, french_start = config.index("  cy:\n"), config.index("  fr:\n")
    swapped = config[:welsh_start] + config[french_start:] + config[welsh_start:french_start]
    (site / "site.yaml").write_text(swapped, encoding="utf-8")
    result = build(site, "--strict")
    assert result.code == 0, result.err
    assert cap_warnings(result) == []
    assert (site / "published" / SLUG / "0.xml").read_bytes() == first
