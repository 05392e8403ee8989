"""CAP alerts that aggregators accept and that stay true over time (SPEC §5 alert and areas, §6 CAP alerts)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
import xmlschema
from cap_profile import check_feed, errors, google_profile
from conftest import REPO, SiteDir, run_build_py, tree_digest

SCHEMAS = Path(__file__).parent / "schemas"
NS = {"c": "urn:oasis:names:tc:emergency:cap:1.2", "a": "http://www.w3.org/2005/Atom"}
# What the Google profile says of our messages that is neither an error nor a recommendation:
# it notes times in UTC, as the UK's are in winter.
INFO_ONLY = {"SENT_INCLUDES_UTC_TIMEZONE", "ONSET_INCLUDES_UTC_TIMEZONE", "EXPIRES_INCLUDES_UTC_TIMEZONE"}

STATION = """title: "Avoid the station"
date: 2020-01-01T10:00:00
area: [station, square]
advice: "Keep away from the station."
alert:
  response: Avoid
  event: "Suspicious item"
  severity: Moderate
  urgency: Immediate
  certainty: Possible
  cancel: {at: 2020-01-01T15:00:00, reason: "The item was a lost bag."}
updates:
  - date: 2020-01-01T12:00:00
    note: "The cordon is wider."
  - date: 2020-01-01T14:00:00
    note: "Trains are stopping again."
"""
AREAS = """- id: station
  name: Central station
  circle: {lat: 51.4589, lon: -0.9719, radius_km: 0.4}
  geocodes: {GSS: E06000038}
- id: square
  name: Market Square
  geocodes: {GSS: E06000039}
"""


@pytest.fixture(scope="module")
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "cap-v1.2.xsd"))


def field(data: bytes, name: str) -> list[str]:
    return [node.text or "" for node in ET.fromstring(data).iter(f"{{{NS['c']}}}{name}")]


def station_site(site: SiteDir) -> SiteDir:
    site.write("content/areas.yaml", (site.root / "content/areas.yaml").read_text() + AREAS)
    site.briefing(STATION, body="A bag was left on platform 2.\n", name="2020-01-01-station.md")
    return site


def messages(site: SiteDir, slug: str = "station") -> list[str]:
    return sorted(p.name for p in (site.public / "briefings" / slug / "cap").glob("*.xml"))


# --- what aggregators accept -------------------------------------------------------------------


def assert_google_accepts(path: Path, cap_schema: xmlschema.XMLSchema) -> None:
    cap_schema.validate(str(path))
    findings = google_profile(path.read_bytes())
    assert not errors(path.read_bytes()), (path, findings)
    assert {f.rule for f in findings} <= INFO_ONLY, (path, findings)


def test_every_message_of_the_example_site_passes_the_google_profile(tmp_path: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "example"
    shutil.copytree(REPO, site, ignore=shutil.ignore_patterns(".*", "node_modules", "public", "tests", "bench"))
    checked = 0
    for now in ("2017-05-25T12:00:00Z", "2021-03-20T14:40:00Z", "2026-11-29T12:00:00Z"):
        out = tmp_path / f"out-{now[:10]}"
        result = run_build_py("--site", str(site), "--output", str(out), "--now", now, "--locked", cwd=tmp_path)
        assert result.code == 0, result.err
        for path in sorted(out.glob("briefings/*/cap/*.xml")) + sorted(out.glob("briefings/*/alert.xml")):
            assert_google_accepts(path, cap_schema)
            checked += 1
        assert check_feed((out / "alerts.xml").read_bytes()) == []
    assert checked > 30
    kinds = {t for path in out.glob("briefings/*/cap/*.xml") for t in field(path.read_bytes(), "msgType")}
    assert kinds == {"Alert", "Update", "Cancel"}


def test_every_message_of_a_fixture_with_areas_passes_the_google_profile(site: SiteDir, cap_schema) -> None:  # type: ignore[no-untyped-def]
    station_site(site)
    assert site.run("build", now="2020-01-01T16:00:00").code == 0
    paths = sorted(site.public.glob("briefings/*/cap/*.xml"))
    assert len(paths) == 6  # patrols: Alert, Update; station: Alert, two Updates, Cancel
    for path in paths:
        assert_google_accepts(path, cap_schema)
    assert check_feed((site.public / "alerts.xml").read_bytes()) == []


def test_named_areas_give_cap_geometry_in_lat_lon_order(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T11:00:00")
    data = (site.public / "briefings/station/cap/0.xml").read_bytes()
    assert field(data, "areaDesc") == ["Central station", "Market Square"]
    assert field(data, "circle") == ["51.4589,-0.9719 0.4"]
    assert field(data, "valueName") == ["GSS", "GSS"] and field(data, "value") == ["E06000038", "E06000039"]
    assert field(data, "event") == ["Suspicious item"]
    assert (field(data, "severity"), field(data, "urgency"), field(data, "certainty")) == (
        ["Moderate"],
        ["Immediate"],
        ["Possible"],
    )
    patrols = (site.public / "briefings/patrols/cap/0.xml").read_bytes()
    assert field(patrols, "polygon") == ["51.52,-0.15 51.52,-0.05 51.48,-0.05 51.48,-0.15 51.52,-0.15"]
    assert field(patrols, "event") == ["Severe threat level"]  # the level's default


# --- alerts are opt-in ---------------------------------------------------------------------------


def test_a_briefing_without_alert_publishes_no_cap_unless_alert_by_default(site: SiteDir) -> None:
    site.briefing('title: "Fun run patrols"\ndate: 2020-01-01T09:00:00\narea: testville', name="2020-01-01-run.md")
    site.run("build")
    assert not (site.public / "briefings/run/cap").exists()
    assert 'type="application/cap+xml"' not in (site.public / "briefings/run/index.html").read_text()
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "alert_by_default: true\n")
    result = site.run("build")
    assert result.code == 0, result.err
    data = (site.public / "briefings/run/cap/0.xml").read_bytes()
    assert field(data, "status") == ["Actual"] and field(data, "responseType") == ["Monitor"]
    assert not (site.public / "briefings/routine/cap").exists()  # alert: false still wins


# --- time: updates and cancels wait for their time ----------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected", "shown_updates", "cancelled"),
    [
        ("2020-01-01T09:00:00", [], 0, False),  # not sent yet
        ("2020-01-01T11:00:00", ["0.xml"], 0, False),
        ("2020-01-01T12:00:00", ["0.xml", "1.xml"], 1, False),  # due at the very second
        ("2020-01-01T14:30:00", ["0.xml", "1.xml", "2.xml"], 2, False),
        ("2020-01-01T15:00:00", ["0.xml", "1.xml", "2.xml", "3.xml"], 2, True),
    ],
)
def test_updates_and_cancel_are_published_when_due_on_the_page_and_in_cap(
    site: SiteDir, now: str, expected: list[str], shown_updates: int, cancelled: bool
) -> None:
    station_site(site)
    result = site.run("build", now=now)
    assert result.code == 0, result.err
    assert messages(site) == expected
    page = (site.public / "briefings/station/index.html").read_text()
    assert page.count("The cordon is wider.") + page.count("Trains are stopping again.") == shown_updates
    assert ("The item was a lost bag." in page) is cancelled
    if expected:
        alert = (site.public / "briefings/station/alert.xml").read_bytes()
        assert alert == (site.public / "briefings/station/cap" / expected[-1]).read_bytes()
        index = feedparser.parse(str(site.public / "alerts.xml"))
        newest = next(e for e in index.entries if "/station/" in e.id)
        assert newest.id.endswith(expected[-1])
        assert field(alert, "msgType") == [["Alert", "Update", "Update", "Cancel"][len(expected) - 1]]
    else:
        assert 'type="application/cap+xml"' not in page


def test_the_next_update_and_cancel_are_reported_as_scheduled_changes(site: SiteDir) -> None:
    station_site(site)
    result = site.run("build", now="2020-01-01T12:30:00")
    assert (
        "next scheduled change: 2020-01-01T14:00:00+00:00 (content/briefings/2020-01-01-station.md: "
        "the update of 2020-01-01T14:00:00+00:00 is published); rebuild then"
    ) in result.err
    assert (
        "next change to alerts.xml: 2020-01-01T14:00:00+00:00 (briefings/station/cap/2.xml (Update) is published)"
    ) in result.err
    later = site.run("build", now="2020-01-01T14:30:00")
    assert "2020-01-01T15:00:00+00:00 (content/briefings/2020-01-01-station.md: the alert's cancel" in later.err


def test_a_cancel_is_sent_at_its_own_time_after_every_update(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-02T00:00:00")
    cancel = (site.public / "briefings/station/cap/3.xml").read_bytes()
    assert field(cancel, "sent") == ["2020-01-01T15:00:00+00:00"]
    assert field(cancel, "note") == ["The item was a lost bag."]
    assert field(cancel, "responseType") == ["None"]
    sents = [field((site.public / f"briefings/station/cap/{n}.xml").read_bytes(), "sent")[0] for n in range(4)]
    assert sents == sorted(set(sents))  # strictly increasing
    references = field(cancel, "references")[0].split()
    assert [r.split(",")[2] for r in references] == sents[:3]


# --- the record of published messages -----------------------------------------------------------


def test_the_first_build_records_messages_and_a_fresh_copy_publishes_the_same_bytes(
    site: SiteDir, tmp_path: Path
) -> None:
    station_site(site)
    first = site.run("build", now="2020-01-01T12:30:00")
    assert "recorded published/station/1.xml; commit it with the content" in first.err
    recorded = {p.name: p.read_bytes() for p in (site.root / "published/station").glob("*.xml")}
    assert set(recorded) == {"0.xml", "1.xml"}
    assert {p: (site.public / "briefings/station/cap" / p).read_bytes() for p in recorded} == recorded
    # Edit without an update, then build a clean copy of the repository into an empty folder.
    path = site.root / "content/briefings/2020-01-01-station.md"
    path.write_text(path.read_text().replace("platform 2", "platform 3"))
    clone = tmp_path / "clone"
    shutil.copytree(site.root, clone, ignore=shutil.ignore_patterns("public"))
    fresh = SiteDir(clone, site.capsys).run("build", "--locked", now="2020-01-01T12:30:00")
    assert fresh.code == 0, fresh.err
    assert {p: (clone / "public/briefings/station/cap" / p).read_bytes() for p in recorded} == recorded
    # One warning, for the latest message: the message an update would supersede.
    assert "content/briefings/2020-01-01-station.md:14: warning: CAP message 1 (Update)" in fresh.err
    assert "CAP message 0 (Alert)" not in fresh.err
    assert "platform 3" in (clone / "public/briefings/station/index.html").read_text()


def test_locked_fails_without_writing_when_a_due_message_is_not_recorded(site: SiteDir) -> None:
    station_site(site)
    assert site.run("build", now="2020-01-01T11:00:00").code == 0
    before = tree_digest(site.root)
    result = site.run("build", "--locked", now="2020-01-01T12:30:00")
    assert result.code == 1
    assert (
        "content/briefings/2020-01-01-station.md:14: error: CAP message 1 of 'station' is due but "
        "published/station/1.xml does not hold it (--locked); build without --locked and commit published/"
    ) in result.err
    assert tree_digest(site.root) == before  # neither the output nor the record changed
    assert site.run("build", "--locked", now="2020-01-01T11:30:00").code == 0


@pytest.mark.parametrize("command", [("check",), ("build", "--drafts"), ("build", "--base-url", "https://stage.test/")])
def test_check_drafts_and_staging_builds_never_write_the_record(site: SiteDir, command: tuple[str, ...]) -> None:
    station_site(site)
    result = site.run(*command, now="2020-01-01T16:00:00")
    assert result.code == 0, result.err
    assert not (site.root / "published").exists()


def test_a_recorded_message_the_sources_no_longer_give_stays_published(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T16:00:00")
    recorded = (site.root / "published/station/3.xml").read_bytes()
    path = site.root / "content/briefings/2020-01-01-station.md"
    path.write_text(re.sub(r"  cancel: .*\n", "", path.read_text()))
    result = site.run("build", now="2020-01-01T16:00:00")
    assert result.code == 0, result.err
    assert "CAP message 3 of 'station' (published/station/3.xml) was published on 2020-01-01T15:00:00+00:00" in (
        result.err
    )
    assert (site.public / "briefings/station/cap/3.xml").read_bytes() == recorded
    assert (site.public / "briefings/station/alert.xml").read_bytes() == recorded


def test_a_build_at_an_earlier_time_leaves_later_recorded_messages_out(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T16:00:00")
    result = site.run("build", "--locked", now="2020-01-01T12:30:00")
    assert result.code == 0, result.err
    assert messages(site) == ["0.xml", "1.xml"]
    assert "warning" not in result.err.replace("0 warnings", "")


# --- /alerts.xml for hubs -----------------------------------------------------------------------


def test_index_entries_carry_the_messages_cap_fields(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T12:30:00")
    feed = ET.parse(site.public / "alerts.xml").getroot()
    entry = feed.find("a:entry", NS)
    assert entry is not None
    values = {child.tag.split("}")[1]: child.text for child in entry if child.tag.startswith(f"{{{NS['c']}}}")}
    assert values == {
        "identifier": "test.example.org:briefing:station:1",
        "sent": "2020-01-01T12:00:00+00:00",
        "status": "Actual",
        "msgType": "Update",
        "event": "Suspicious item",
        "urgency": "Immediate",
        "severity": "Moderate",
        "certainty": "Possible",
        "onset": "2020-01-01T10:00:00+00:00",
        "expires": "2020-01-03T12:00:00+00:00",
        "areaDesc": "Central station; Market Square",
    }
    parsed = feedparser.parse(str(site.public / "alerts.xml"))
    assert not parsed.bozo
    assert parsed.entries[0].links[0].type == "application/cap+xml"


def test_index_updated_never_moves_backwards_as_now_advances(site: SiteDir) -> None:
    station_site(site)
    times = [f"2020-01-{day:02d}T{hour:02d}:00:00" for day in (1, 2, 3, 4, 5, 6) for hour in (0, 11, 13, 16, 23)]
    seen = []
    for now in times:
        site.run("build", now=now)
        seen.append(feedparser.parse(str(site.public / "alerts.xml")).feed.updated)
    assert seen == sorted(seen)
    assert len(set(seen)) >= 5  # it does move: messages sent, then entries leaving the index
    assert seen[-1] == "2020-01-05T15:00:00+00:00"  # the cancel ended 48 hours after it expired... and left


def test_the_build_reports_when_the_index_next_changes(site: SiteDir) -> None:
    station_site(site)
    result = site.run("build", now="2020-01-01T16:00:00")
    assert "next change to alerts.xml: " in result.err
    assert "next CAP alert to expire: briefings/station/cap/3.xml at 2020-01-03T15:00:00+00:00" in result.err


# --- the page shows where ----------------------------------------------------------------------


def test_briefing_page_draws_the_area_without_script_and_says_it_in_words(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T16:00:00")
    page = (site.public / "briefings/station/index.html").read_text()
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group() and "<title id=" in svg.group() and "Map of Central station" in svg.group()
    assert "<circle" in svg.group() and "km</text>" in svg.group()
    assert "Central station: within 0.4 km of 51.46° N, 0.97° W; codes GSS E06000038." in page
    assert "Market Square: codes GSS E06000039." in page  # a geocode alone is described, not drawn
    patrols = (site.public / "briefings/patrols/index.html").read_text()
    assert "<polygon" in patrols and "an outline about" in patrols
    assert "<svg" not in (site.public / "briefings/level-raised/index.html").read_text()  # no area, no map


def test_done_when_a_new_user_adds_an_area_and_an_alert(tmp_path: Path) -> None:
    """The issue's acceptance run, through `python build.py` on a copy of the example site."""
    site = tmp_path / "site"
    shutil.copytree(REPO, site, ignore=shutil.ignore_patterns(".*", "node_modules", "public", "tests", "bench"))
    areas = site / "content/areas.yaml"
    areas.write_text(areas.read_text() + "- id: leeds-station\n  name: Leeds station\n"
                     "  circle: {lat: 53.7954, lon: -1.5476, radius_km: 0.3}\n")  # fmt: skip
    (site / "content/briefings/2026/2026-11-28-leeds-station.md").write_text(
        '---\ntitle: "Leeds station closed while a bag is checked"\ndate: 2026-11-28T08:00:00\n'
        "area: leeds-station\nadvice: Avoid the station.\nalert: {response: Avoid, event: Suspicious item}\n---\n"
        "Officers are checking a bag at Leeds station.\n"
    )
    now = ("--now", "2026-11-28T09:00:00Z")
    locked = run_build_py("--site", str(site), *now, "--locked", cwd=tmp_path)
    assert locked.code == 1 and "published/leeds-station/0.xml does not hold it (--locked)" in locked.err
    built = run_build_py("--site", str(site), *now, cwd=tmp_path)
    assert built.code == 0, built.err
    assert "recorded published/leeds-station/0.xml" in built.err
    clone = tmp_path / "clone"
    shutil.copytree(site, clone, ignore=shutil.ignore_patterns("public"))
    again = run_build_py("--site", str(clone), *now, "--locked", cwd=tmp_path)
    assert again.code == 0, again.err
    message = "public/briefings/leeds-station/cap/0.xml"
    assert (
        (clone / message).read_bytes()
        == (site / message).read_bytes()
        == (clone / "published/leeds-station/0.xml").read_bytes()
    )
    assert errors((clone / message).read_bytes()) == []
    assert "<circle" in (clone / "public/briefings/leeds-station/index.html").read_text()
    index = feedparser.parse(str(clone / "public/alerts.xml"))
    assert [e.title for e in index.entries] == ["Leeds station closed while a bag is checked"]


@pytest.mark.parametrize("command", ["watch", "serve"])
def test_watch_and_serve_never_write_the_record(site: SiteDir, command: str) -> None:
    import urllib.request

    from live_site import running, wait_until

    station_site(site)
    with running(command, site.root) as (_proc, port):
        if command == "watch":
            assert wait_until(lambda: (site.public / "briefings/patrols/cap/0.xml").is_file())
        else:
            url = f"http://127.0.0.1:{port}/briefings/patrols/cap/0.xml"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert b"<msgType>Alert</msgType>" in response.read()
    assert not (site.root / "published").exists()


def test_an_edit_followed_by_an_update_no_longer_warns(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T12:30:00")
    path = site.root / "content/briefings/2020-01-01-station.md"
    path.write_text(path.read_text().replace("platform 2", "platform 3"))
    assert "cannot change" in site.run("build", now="2020-01-01T12:30:00").err
    later = site.run("build", "--strict", now="2020-01-01T14:30:00")  # update 2 publishes the edit
    assert later.code == 0, later.err
    assert "platform 3" in field((site.public / "briefings/station/cap/2.xml").read_bytes(), "description")[0]


def test_deleting_a_published_update_is_an_error_not_a_silent_renumbering(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T14:30:00")  # records 0, 1 and 2
    path = site.root / "content/briefings/2020-01-01-station.md"
    text = path.read_text()
    path.write_text(text.replace('  - date: 2020-01-01T12:00:00\n    note: "The cordon is wider."\n', ""))
    before = tree_digest(site.root)
    result = site.run("build", now="2020-01-01T14:30:00")
    assert result.code == 1
    assert (
        "content/briefings/2020-01-01-station.md:14: error: CAP message 1 of 'station' was published as the Update "
        "sent at 2020-01-01T12:00:00+00:00 (published/station/1.xml), but the sources now make it the Update sent "
        "at 2020-01-01T14:00:00+00:00; published messages cannot be removed or reordered"
    ) in result.err
    assert tree_digest(site.root) == before


def test_a_build_with_a_future_now_publishes_but_does_not_record_the_future(site: SiteDir) -> None:
    station_site(site)
    site.briefing('title: "Later"\ndate: 2150-01-01T10:00:00\narea: testville\nalert: {}', name="2150-01-01-later.md")
    result = site.run("build", now="2199-01-01T00:00:00")
    assert result.code == 0, result.err
    assert messages(site, "later") == ["0.xml"]
    assert not (site.root / "published/later").exists()
    assert (site.root / "published/station/3.xml").is_file()  # sent in 2020: in the past, recorded
    assert "1 CAP message(s) sent after the real time (--now is later) not recorded" in result.err


def test_a_refused_output_records_nothing(site: SiteDir, tmp_path: Path) -> None:
    station_site(site)
    foreign = tmp_path / "not-ours"
    foreign.mkdir()
    (foreign / "x.txt").write_text("someone else's folder")
    result = site.run("build", "--output", str(foreign), now="2020-01-01T16:00:00")
    assert result.code == 1
    assert not (site.root / "published").exists()


def test_a_recorded_message_under_another_number_is_an_error(site: SiteDir) -> None:
    station_site(site)
    site.run("build", now="2020-01-01T12:30:00")
    shutil.copy(site.root / "published/station/0.xml", site.root / "published/station/1.xml.tmp")
    (site.root / "published/station/1.xml").unlink()
    (site.root / "published/station/1.xml.tmp").rename(site.root / "published/station/1.xml")
    result = site.run("build", now="2020-01-01T12:30:00")
    assert result.code == 1
    assert "published/station/1.xml:1: error: holds the message 'test.example.org:briefing:station:0'" in result.err
