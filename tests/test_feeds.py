"""Machine-readable outputs, checked with real parsers and the official schemas."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
import xmlschema
from conftest import SiteDir

SCHEMAS = Path(__file__).parent / "schemas"
CAP_NS = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
TRICKY = 'Floods & "quotes" <b>bold</b> 🚨 Gŵyl Ŷ Fenni'


@pytest.fixture(scope="module")
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "cap-v1.2.xsd"))


def cap(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def text(root: ET.Element, name: str) -> str:
    node = root.find(f".//c:{name}", CAP_NS)
    return "" if node is None or node.text is None else node.text


def test_atom_feed_reads_in_a_feed_reader_newest_first(site: SiteDir) -> None:
    assert site.run("build").code == 0
    feed = feedparser.parse(str(site.public / "feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert titles == ["Routine awareness week", "Threat level raised to critical", "More patrols in the city"]
    first = feed.entries[-1]
    assert first.id == "tag:test.example.org,2016-08-03:briefings/patrols"
    assert first.link == "https://test.example.org/briefings/patrols/"
    assert first.updated == "2016-08-04T09:00:00+01:00"  # the latest update, not the date
    assert {t.label for t in first.tags} == {"Armed policing", "Public reassurance"}
    assert [a.name for a in first.authors] == ["Jane Doe", "Sam Roe"]
    assert "<strong>alert</strong>" in first.content[0].value
    assert feed.feed.updated == "2018-01-10T12:00:00+00:00"


def test_json_feed_has_the_same_entries(site: SiteDir) -> None:
    site.run("build")
    data = json.loads((site.public / "feed.json").read_text(encoding="utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and data["feed_url"] == "https://test.example.org/feed.json"
    atom = feedparser.parse(str(site.public / "feed.xml"))
    assert [i["id"] for i in data["items"]] == [e.id for e in atom.entries]
    for item in data["items"]:
        assert item["id"] and item["url"].startswith("https://") and item["content_html"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", item["date_published"])


def test_feed_size_limits_the_feeds(site: SiteDir) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "feed_size: 2\n")
    site.run("build")
    assert len(feedparser.parse(str(site.public / "feed.xml")).entries) == 2
    assert len(json.loads((site.public / "feed.json").read_text())["items"]) == 2


def test_every_cap_message_validates_and_the_chain_references_all_earlier_ones(site: SiteDir, cap_schema) -> None:  # type: ignore[no-untyped-def]
    site.briefing(
        'title: "Evacuate the square"\ndate: 2020-01-01T10:00:00\narea: "Market Square"\nthreat_level: severe\n'
        'advice: "Leave **now** by the north exit."\nalert: {response: Evacuate, cancel: {at: 2020-01-01T13:00:00, reason: Issued in error}}\n'
        "updates:\n  - date: 2020-01-01T11:00:00\n    note: First update.\n  - date: 2020-01-01T12:00:00\n    note: Second.",
        name="2020-01-01-square.md",
    )
    assert site.run("build").code == 0
    folder = site.public / "briefings/square/cap"
    files = sorted(folder.glob("*.xml"), key=lambda p: int(p.stem))
    assert [p.stem for p in files] == ["0", "1", "2", "3"]
    messages = [cap(p) for p in files]
    for path in [*files, *site.public.glob("briefings/*/alert.xml")]:
        cap_schema.validate(str(path))
    assert [text(m, "msgType") for m in messages] == ["Alert", "Update", "Update", "Cancel"]
    triplets = [f"{text(m, 'sender')},{text(m, 'identifier')},{text(m, 'sent')}" for m in messages]
    for index, message in enumerate(messages):
        assert text(message, "references").split() == triplets[:index]
        assert text(message, "incidents") == "square"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", text(message, "sent"))
        assert text(message, "expires") > text(message, "sent")
        assert text(message, "scope") == "Public"
        assert text(message, "areaDesc") == "Market Square"
        assert "**" not in text(message, "instruction") and "<" not in text(message, "description")
        assert text(message, "web") == "https://test.example.org/briefings/square/"
    assert text(messages[0], "sent") == "2020-01-01T10:00:00+00:00"
    assert text(messages[0], "expires") == "2020-01-03T10:00:00+00:00"  # sent + alert_hours (48)
    assert text(messages[0], "responseType") == "Evacuate"
    assert text(messages[0], "severity") == "Severe" and text(messages[0], "event") == "Severe threat level"
    assert text(messages[3], "note") == "Issued in error"
    assert len({text(m, "identifier") for m in messages}) == 4
    assert (site.public / "briefings/square/alert.xml").read_bytes() == files[-1].read_bytes()


def test_alert_false_publishes_no_cap_and_exercises_only_cap(site: SiteDir) -> None:
    site.briefing('title: "Drill"\ndate: 2026-11-25T09:00:00\nalert: {status: Exercise}', name="2026-11-25-drill.md")
    site.run("build")
    assert not (site.public / "briefings/routine/cap").exists()  # alert: false
    assert (site.public / "briefings/drill/cap/0.xml").is_file()
    index = feedparser.parse(str(site.public / "alerts.xml"))
    assert [e.title for e in index.entries] == ["Drill"]
    assert "Drill" not in (site.public / "feed.xml").read_text() + (site.public / "feed.json").read_text()
    assert "briefings/drill/" not in (site.public / "sitemap.xml").read_text()


def test_alerts_index_holds_messages_in_force_and_those_ended_in_the_last_48_hours(site: SiteDir) -> None:
    site.briefing(
        'title: "Avoid the station"\ndate: 2020-01-01T10:00:00\nexpires: 2020-01-02T10:00:00\nalert: {response: Avoid}\n'
        "updates:\n  - date: 2020-01-01T12:00:00\n    note: Still closed.",
        name="2020-01-01-station.md",
    )

    def index(now: str) -> list[tuple[str, str]]:
        site.run("build", now=now)
        feed = feedparser.parse(str(site.public / "alerts.xml"))
        assert not feed.bozo
        return [(e.title, e.links[0].href.rsplit("/", 1)[-1]) for e in feed.entries]

    assert index("2020-01-01T11:00:00") == [("Avoid the station", "0.xml")]
    in_force = index("2020-01-01T13:00:00")
    assert in_force == [
        ("Update: Avoid the station", "1.xml"),
        ("Avoid the station", "0.xml"),
    ]  # 0 superseded < 48 h ago
    assert index("2020-01-03T13:00:00") == [
        ("Update: Avoid the station", "1.xml")
    ]  # expired 27 h ago; 0 ended 49 h ago
    assert index("2020-01-05T11:00:00") == []
    feed = feedparser.parse(str(site.public / "alerts.xml"))
    assert feed.feed.id == "https://test.example.org/alerts.xml"
    result = site.run("build", now="2020-01-01T13:00:00")
    assert "next CAP alert to expire: briefings/station/cap/1.xml at 2020-01-02T10:00:00+00:00" in result.err


def test_sitemap_validates_and_lists_published_pages_only(site: SiteDir) -> None:
    site.briefing('title: "Secret"\ndate: 2020-01-01\ndraft: true', name="2020-01-01-secret.md")
    site.briefing('title: "Later"\ndate: 2020-01-01\npublish_at: 2030-01-01T00:00:00', name="2020-01-01-later.md")
    site.run("build")
    xmlschema.XMLSchema(str(SCHEMAS / "sitemap-0.9.xsd")).validate(str(site.public / "sitemap.xml"))
    sitemap = (site.public / "sitemap.xml").read_text()
    assert "<loc>https://test.example.org/briefings/patrols/</loc>" in sitemap
    assert "<lastmod>2016-08-04T09:00:00+01:00</lastmod>" in sitemap
    assert "404" not in sitemap
    robots = (site.public / "robots.txt").read_text()
    assert "Sitemap: https://test.example.org/sitemap.xml" in robots
    search = [p.relative_to(site.public) for p in (site.public / "search").rglob("*.json")]
    for name in ("feed.xml", "feed.json", "sitemap.xml", "alerts.xml", *search):
        content = (site.public / name).read_text()
        assert "Secret" not in content and "secret" not in content and "Later" not in content, name
    assert not (site.public / "briefings/later").exists() and not (site.public / "briefings/secret").exists()


def test_json_ld_and_social_tags_on_briefing_pages(site: SiteDir) -> None:
    site.run("build")
    html = (site.public / "briefings/patrols/index.html").read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "NewsArticle" and data["headline"] == "More patrols in the city"
    assert data["datePublished"] == "2016-08-03T10:00:00+01:00"
    assert data["dateModified"] == "2016-08-04T09:00:00+01:00"
    assert [p["name"] for p in data["author"]] == ["Jane Doe", "Sam Roe"]
    assert all(p["@type"] == "Person" for p in data["author"])
    assert data["publisher"]["name"] == "Test Press Office"
    assert '<meta property="og:title" content="More patrols in the city">' in html
    assert '<link rel="canonical" href="https://test.example.org/briefings/patrols/">' in html
    assert '<link rel="alternate" type="application/cap+xml" title="CAP alert" href="alert.xml">' in html
    assert 'type="application/atom+xml"' in html


def test_escaping_survives_every_output(site: SiteDir, cap_schema) -> None:  # type: ignore[no-untyped-def]
    quoted = TRICKY.replace('"', '\\"')
    summary = "Closing </script><script>alert(1)</script> ]]> & more"
    site.briefing(
        f'title: "{quoted}"\ndate: 2020-01-01\nsummary: "{summary}"\ntags: ["{quoted}"]\nalert: {{}}',
        name="2020-01-01-tricky.md",
    )
    assert site.run("build").code == 0
    atom = feedparser.parse(str(site.public / "feed.xml"))
    assert not atom.bozo
    entry = next(e for e in atom.entries if "Floods" in e.title)
    assert entry.title == TRICKY and entry.summary == summary
    items = json.loads((site.public / "feed.json").read_text())["items"]
    assert next(i for i in items if "Floods" in i["title"])["title"] == TRICKY
    message = site.public / "briefings/tricky/cap/0.xml"
    cap_schema.validate(str(message))
    assert text(cap(message), "headline") == TRICKY
    html = (site.public / "briefings/tricky/index.html").read_text()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["headline"] == TRICKY and ld["description"] == summary
    assert "<script>alert(1)" not in html
    index = ET.parse(site.public / "alerts.xml")  # well-formed with the same text
    assert index.getroot() is not None


def test_published_cap_messages_never_change(site: SiteDir) -> None:
    assert site.run("build").code == 0
    recorded = site.root / "published/patrols/0.xml"
    before = recorded.read_bytes()
    assert (site.public / "briefings/patrols/cap/0.xml").read_bytes() == before
    path = site.root / "content/briefings/2016-08-03-patrols.md"
    path.write_text(path.read_text().replace("A second paragraph.", "A corrected paragraph."))
    result = site.run("build")
    assert result.code == 0
    assert (site.public / "briefings/patrols/cap/0.xml").read_bytes() == before
    assert (
        "content/briefings/2016-08-03-patrols.md:21: warning: CAP message 1 (Update) of 'patrols' was published on "
        "2016-08-04T09:00:00+01:00 and cannot change (published/patrols/1.xml holds it); add an update"
    ) in result.err
    assert "A corrected paragraph." in (site.public / "briefings/patrols/index.html").read_text()
    fresh = site.run("build", "--output", str(site.root / "fresh"))  # a new folder, as on a CI machine
    assert fresh.code == 0
    assert (site.root / "fresh/briefings/patrols/cap/0.xml").read_bytes() == before


def test_long_headline_is_a_warning(site: SiteDir) -> None:
    rel = site.briefing(f'title: "{"Long " * 30}"\ndate: 2020-01-01\nalert: {{}}', name="2020-01-01-long.md")
    result = site.run("check")
    assert result.code == 0
    assert f"{rel}:1: warning: title is 149 characters; CAP headlines should stay under 140" in result.err


def test_every_machine_output_of_the_example_site_validates(tmp_path: Path, cap_schema) -> None:  # type: ignore[no-untyped-def]
    from site_build import build_example

    public = build_example(tmp_path)
    messages = sorted(public.glob("briefings/*/cap/*.xml")) + sorted(public.glob("briefings/*/alert.xml"))
    assert len(messages) > 10
    for path in messages:
        cap_schema.validate(str(path))
    xmlschema.XMLSchema(str(SCHEMAS / "sitemap-0.9.xsd")).validate(str(public / "sitemap.xml"))
    for name in ("feed.xml", "alerts.xml"):
        feed = feedparser.parse(str(public / name))
        assert not feed.bozo, (name, feed.get("bozo_exception"))
    for entry in feedparser.parse(str(public / "alerts.xml")).entries:
        assert entry.links[0].type == "application/cap+xml"
        assert (public / entry.links[0].href.removeprefix("https://briefings.example.org/")).is_file()
