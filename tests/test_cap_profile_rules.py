"""The Google-profile checker of tests/cap_profile.py, checked on hand-written messages.

One compliant message (two <info> blocks in two languages, areas with a polygon, a circle and geocodes)
gets no finding at all; for each rule, the same message changed to break exactly that rule gets exactly
that one finding.
"""

from __future__ import annotations

import re
from pathlib import Path

import cap_profile
import pytest
import xmlschema
from cap_profile import FEED_RULES, RULES, Finding, NotCapError, check_feed, errors, google_profile

SCHEMAS = Path(__file__).parent / "schemas"

DESCRIPTION = "The river is expected to overtop its banks this afternoon &amp; evening."
INSTRUCTION = "Move valuables upstairs and keep away from the riverside paths."
HEADLINE = "Flood warning for the lower valley and the town centre"
REFERENCE = "example.org,example.org:briefing:floods:0,2024-03-01T08:00:00+01:00"
POLYGON = "51.0,-1.0 51.0,-0.9 51.1,-0.9 51.1,-1.0 51.0,-1.0"
CY_AREA = f"""
    <area>
      <areaDesc>Cwm isaf</areaDesc>
      <polygon>{POLYGON}</polygon>
      <geocode><valueName>district</valueName><value>LV</value></geocode>
    </area>"""

GOOD = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>example.org:briefing:floods:1</identifier>
  <sender>example.org</sender>
  <sent>2024-03-01T09:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <scope>Public</scope>
  <references>{REFERENCE}</references>
  <incidents>floods</incidents>
  <info>
    <language>en-GB</language>
    <category>Met</category>
    <event>Flood warning</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>hazard</valueName><value>FLOOD</value></eventCode>
    <effective>2024-03-01T09:00:00+01:00</effective>
    <onset>2024-03-01T12:00:00+01:00</onset>
    <expires>2024-03-02T09:00:00+01:00</expires>
    <senderName>Example Flood Service</senderName>
    <headline>{HEADLINE}</headline>
    <description>{DESCRIPTION}</description>
    <instruction>{INSTRUCTION}</instruction>
    <web>https://example.org/briefings/floods/</web>
    <contact>floods@example.org, 01234 567890</contact>
    <resource>
      <resourceDesc>Flood map</resourceDesc>
      <mimeType>image/png</mimeType>
      <uri>https://example.org/briefings/floods/map.png</uri>
    </resource>
    <area>
      <areaDesc>Lower valley</areaDesc>
      <polygon>{POLYGON}</polygon>
      <geocode><valueName>district</valueName><value>LV</value></geocode>
    </area>
    <area>
      <areaDesc>Town centre</areaDesc>
      <circle>51.2,-0.8 2.5</circle>
      <geocode><valueName>district</valueName><value>TC</value></geocode>
      <altitude>0</altitude>
      <ceiling>100</ceiling>
    </area>
  </info>
  <info>
    <language>cy</language>
    <category>Met</category>
    <event>Rhybudd llifogydd</event>
    <responseType>Prepare</responseType>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>hazard</valueName><value>FLOOD</value></eventCode>
    <expires>2024-03-02T09:00:00+01:00</expires>
    <senderName>Gwasanaeth Llifogydd Enghreifftiol</senderName>
    <headline>Rhybudd llifogydd ar gyfer y cwm isaf</headline>
    <description>Disgwylir i'r afon orlifo ei glannau y prynhawn yma.</description>
    <instruction>Symudwch bethau gwerthfawr i fyny'r grisiau.</instruction>
    <web>https://example.org/cy/briefings/floods/</web>
    <contact>floods@example.org</contact>{CY_AREA}
  </info>
</alert>
"""


def edit(*changes: tuple[str, str], info: int | None = None, xml: str = GOOD) -> bytes:
    """GOOD with each (old, new) applied; old must occur exactly once (within the info-th <info> if given)."""
    if info is not None:
        blocks = re.split(r"(?=<info>)|(?<=</info>)", xml)
        infos = [i for i, block in enumerate(blocks) if block.startswith("<info>")]
        index = infos[info - 1]
        blocks[index] = edit(*changes, xml=blocks[index]).decode("utf-8")
        return "".join(blocks).encode("utf-8")
    for old, new in changes:
        assert xml.count(old) == 1, f"{old!r} occurs {xml.count(old)} times"
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def drop(line: str, info: int = 1) -> bytes:
    return edit((line, ""), info=info)


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


# rule -> a message that breaks exactly that rule
CASES: dict[str, list[bytes]] = {
    # GoogleProfile errors
    "UPDATE_OR_CANCEL_MUST_REFERENCE": [
        edit((f"  <references>{REFERENCE}</references>\n", "")),
        edit(
            (f"  <references>{REFERENCE}</references>\n", ""),
            ("<msgType>Update</msgType>", "<msgType>Cancel</msgType>"),
        ),
    ],
    "INFO_IS_REQUIRED": [re.sub(r"\s*<info>.*</info>", "", GOOD, flags=re.DOTALL).encode("utf-8")],
    "CATEGORIES_MUST_MATCH": [edit(("<category>Met</category>", "<category>Geo</category>"), info=2)],
    "EVENT_CODES_MUST_MATCH": [edit(("<value>FLOOD</value>", "<value>STORM</value>"), info=2)],
    "DESCRIPTION_IS_REQUIRED": [
        drop(f"<description>{DESCRIPTION}</description>"),
        edit((f"<description>{DESCRIPTION}</description>", "<description>  </description>"), info=1),
    ],
    "EFFECTIVE_NOT_AFTER_EXPIRES": [
        edit(("<effective>2024-03-01T09:00:00+01:00", "<effective>2024-03-02T09:00:01+01:00"), info=1),
        # without <effective>, <sent> is the start
        edit(("<sent>2024-03-01T09:00:00+01:00", "<sent>2024-03-02T10:00:00+01:00")),
    ],
    "WEB_IS_REQUIRED": [drop("<web>https://example.org/briefings/floods/</web>")],
    "EXPIRES_IS_REQUIRED": [drop("<expires>2024-03-02T09:00:00+01:00</expires>", info=2)],
    "AREA_IS_REQUIRED": [drop(CY_AREA, info=2)],
    "URGENCY_IS_REQUIRED": [
        drop("<urgency>Expected</urgency>"),
        edit(("<urgency>Expected</urgency>", "<urgency>Soon</urgency>"), info=1),  # not a CAP value: unset
    ],
    "SEVERITY_IS_REQUIRED": [drop("<severity>Severe</severity>", info=2)],
    "CERTAINTY_IS_REQUIRED": [drop("<certainty>Likely</certainty>")],
    "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED": [
        edit(("</resource>", "</resource>\n    <area><areaDesc>Hills</areaDesc></area>"), info=1),
    ],
    # GoogleProfile recommendations
    "SENDER_NAME_STRONGLY_RECOMMENDED": [drop("<senderName>Example Flood Service</senderName>")],
    "RESPONSE_TYPE_STRONGLY_RECOMMENDED": [drop("<responseType>Prepare</responseType>", info=2)],
    "INSTRUCTION_STRONGLY_RECOMMENDED": [drop(f"<instruction>{INSTRUCTION}</instruction>")],
    "CIRCLE_POLYGON_ENCOURAGED": [drop(f"<polygon>{POLYGON}</polygon>", info=2)],
    "TEST_ALERT_DISCOURAGED": [edit(("<status>Actual</status>", "<status>Test</status>"))],
    "HEADLINE_TOO_LONG": [
        edit((f"<headline>{HEADLINE}</headline>", f"<headline>{'x' * 141}</headline>"), info=1),
        edit((f"<headline>{HEADLINE}</headline>", f"<headline>{'x' * 139}\N{WATER WAVE}</headline>"), info=1),
    ],
    "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER": [
        edit((f"<headline>{HEADLINE}</headline>", f"<headline>{DESCRIPTION}</headline>"), info=1),
    ],
    "DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER": [
        edit((f"<instruction>{INSTRUCTION}</instruction>", f"<instruction>{DESCRIPTION}</instruction>"), info=1),
    ],
    "UNKNOWN_URGENCY_DISCOURAGED": [edit(("<urgency>Expected</urgency>", "<urgency>Unknown</urgency>"), info=1)],
    "UNKNOWN_SEVERITY_DISCOURAGED": [edit(("<severity>Severe</severity>", "<severity>Unknown</severity>"), info=2)],
    "UNKNOWN_CERTAINTY_DISCOURAGED": [
        edit(("<certainty>Likely</certainty>", "<certainty>Unknown</certainty>"), info=1)
    ],
    "CONTACT_IS_RECOMMENDED": [drop("<contact>floods@example.org</contact>", info=2)],
    "NONZERO_CIRCLE_RADIUS_RECOMMENDED": [edit(("<circle>51.2,-0.8 2.5</circle>", "<circle>51.2,-0.8 0</circle>"))],
    "EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH": [edit(("<language>cy</language>", "<language>en-GB</language>"))],
    "EMPTY_GEOCODE_FIELD": [
        edit(("<value>TC</value>", "<value></value>")),
        edit(("<valueName>district</valueName><value>TC", "<valueName/><value>TC")),
    ],
    "SENT_INCLUDES_UTC_TIMEZONE": [edit(("<sent>2024-03-01T09:00:00+01:00", "<sent>2024-03-01T08:00:00-00:00"))],
    "EFFECTIVE_INCLUDES_UTC_TIMEZONE": [
        edit(("<effective>2024-03-01T09:00:00+01:00", "<effective>2024-03-01T08:00:00+00:00"))
    ],
    "ONSET_INCLUDES_UTC_TIMEZONE": [edit(("<onset>2024-03-01T12:00:00+01:00", "<onset>2024-03-01T11:00:00+00:00"))],
    "EXPIRES_INCLUDES_UTC_TIMEZONE": [
        edit(("<expires>2024-03-02T09:00:00+01:00", "<expires>2024-03-02T08:00:00+00:00"), info=2)
    ],
    # CapValidator
    "RESTRICTION_SCOPE_MISMATCH": [
        edit(("<scope>Public</scope>", "<scope>Public</scope>\n  <restriction>Staff only</restriction>"))
    ],
    "CIRCULAR_REFERENCE": [
        edit((REFERENCE, REFERENCE.replace("floods:0", "floods:1"))),
        edit((REFERENCE, f"{REFERENCE} other.org,example.org:briefing:floods:1,2024-03-01T08:30:00+01:00")),
    ],
    "POSTDATED_REFERENCE": [edit((REFERENCE, REFERENCE.replace("T08:00:00+01:00", "T08:30:00-00:00")))],
    "INVALID_LANGUAGE": [
        edit(("<language>cy</language>", "<language>cy_GB</language>")),
        edit(("<language>cy</language>", "<language>  </language>")),
    ],
    "SAME_TEXT_DIFFERENT_LANGUAGE": [
        edit(("<headline>Rhybudd llifogydd ar gyfer y cwm isaf</headline>", f"<headline>{HEADLINE}</headline>"))
    ],
    "INVALID_POLYGON": [
        # not closed
        edit((f"<polygon>{POLYGON}</polygon>", "<polygon>51.0,-1.0 51.0,-0.9 51.1,-0.9 51.1,-1.0</polygon>"), info=1),
        # fewer than 4 points
        edit((f"<polygon>{POLYGON}</polygon>", "<polygon>51.0,-1.0 51.0,-0.9 51.0,-1.0</polygon>"), info=1),
        # not lat,lon pairs (the area keeps its geocode)
        edit((f"<polygon>{POLYGON}</polygon>", "<polygon>51.0 -1.0 51.0 -0.9</polygon>"), info=1),
        edit((f"<polygon>{POLYGON}</polygon>", "<polygon></polygon>"), info=1),
    ],
    "INVALID_POLYGON_SELF_INTERSECTION": [
        edit(
            (f"<polygon>{POLYGON}</polygon>", "<polygon>51.0,-1.0 51.1,-0.9 51.1,-1.0 51.0,-0.9 51.0,-1.0</polygon>"),
            info=2,
        ),
    ],
    "INVALID_AREA": [edit(("<altitude>0</altitude>\n", ""))],
    "INVALID_ALTITUDE_CEILING_RANGE": [edit(("<altitude>0</altitude>", "<altitude>200</altitude>"))],
    "INVALID_MIME_TYPE": [
        edit(("<mimeType>image/png</mimeType>", "<mimeType>png</mimeType>")),
        edit(("<mimeType>image/png</mimeType>", "<mimeType>picture/png</mimeType>")),
    ],
    "INVALID_URI": [
        edit(
            ("<uri>https://example.org/briefings/floods/map.png</uri>", "<uri>https://example.org/flood map.png</uri>")
        )
    ],
    "RELATIVE_URI_MISSING_DEREF_URI": [
        edit(("<uri>https://example.org/briefings/floods/map.png</uri>", "<uri>map.png</uri>"))
    ],
    "INVALID_DEREF_URI": [
        edit(
            ("<mimeType>image/png</mimeType>", "<mimeType>image/png</mimeType>\n      <derefUri>not base64!</derefUri>")
        )
    ],
    "INVALID_WEB": [
        edit(("<web>https://example.org/briefings/floods/</web>", "<web>/briefings/floods/</web>")),
        edit(("<web>https://example.org/briefings/floods/</web>", "<web>https://example.org/a b</web>")),
    ],
    "TEXT_CONTAINS_HTML_ENTITIES": [
        edit((DESCRIPTION, DESCRIPTION.replace("&amp;", "&amp;amp;"))),
        edit(("<areaDesc>Town centre</areaDesc>", "<areaDesc>Town&amp;#160;centre</areaDesc>")),
    ],
    "TEXT_CONTAINS_HTML_TAGS": [
        edit((DESCRIPTION, f"&lt;b&gt;{DESCRIPTION}&lt;/b&gt;")),
        edit(("<contact>floods@example.org</contact>", "<contact><![CDATA[<a href='x'>us</a>]]></contact>"), info=2),
    ],
    # Extended schema patterns
    "INVALID_IDENTIFIER": [
        edit(("<identifier>example.org:briefing:floods:1</identifier>", "<identifier>floods 1</identifier>"))
    ],
    "INVALID_SENDER": [edit(("<sender>example.org</sender>", "<sender>example.org,floods</sender>"))],
    "INVALID_DATE": [
        edit(("<sent>2024-03-01T09:00:00+01:00", "<sent>2024-03-01T08:00:00Z")),
        edit(("<onset>2024-03-01T12:00:00+01:00", "<onset>2024-03-01T12:00:00.25+01:00")),
        edit(("<onset>2024-03-01T12:00:00+01:00", "<onset>2024-02-30T12:00:00+01:00")),
        edit(("<onset>2024-03-01T12:00:00+01:00", "<onset>2024-03-01T12:00+01:00")),
        edit(("<onset>2024-03-01T12:00:00+01:00", "<onset>2024-03-01 12:00:00+01:00")),
    ],
    "INVALID_REFERENCES": [
        edit((REFERENCE, "example.org/floods/0")),
        edit((REFERENCE, REFERENCE.replace("+01:00", "Z"))),
    ],
    "INVALID_CIRCLE": [
        edit(("<circle>51.2,-0.8 2.5</circle>", "<circle>51.2,-0.8</circle>")),
        edit(("<circle>51.2,-0.8 2.5</circle>", "<circle>51.2 -0.8 2.5</circle>")),
    ],
}


def test_the_compliant_message_is_valid_cap_and_gets_no_finding() -> None:
    xmlschema.XMLSchema(str(SCHEMAS / "cap-v1.2.xsd")).validate(GOOD.encode("utf-8"))
    assert google_profile(GOOD.encode("utf-8")) == []
    assert errors(GOOD.encode("utf-8")) == []


@pytest.mark.parametrize(
    ("rule", "xml"),
    [pytest.param(rule, xml, id=f"{rule}-{n}") for rule, messages in CASES.items() for n, xml in enumerate(messages)],
)
def test_a_message_breaking_one_rule_gets_that_finding_only(rule: str, xml: bytes) -> None:
    findings = google_profile(xml)
    assert rules(findings) == [rule], findings
    (finding,) = findings
    assert finding.level == RULES[rule].level
    assert finding.message.startswith("/alert[1]")
    assert errors(xml) == ([finding] if finding.level == "error" else [])


def test_every_message_rule_has_a_case_and_every_rule_is_documented() -> None:
    assert set(CASES) == set(RULES) - FEED_RULES
    assert set(FEED_CASES) == FEED_RULES
    doc = cap_profile.__doc__ or ""
    for rule, spec in RULES.items():
        assert re.search(rf"\b{rule}\b", doc), rule
        assert spec.level in ("error", "recommendation", "info")


def test_levels_follow_the_java() -> None:
    # CapException.java: POSTDATED_REFERENCE, SAME_TEXT_DIFFERENT_LANGUAGE and the HTML checks are WARNING
    warnings = {
        "POSTDATED_REFERENCE",
        "SAME_TEXT_DIFFERENT_LANGUAGE",
        "TEXT_CONTAINS_HTML_ENTITIES",
        "TEXT_CONTAINS_HTML_TAGS",
    }
    assert {r for r in warnings if RULES[r].level == "recommendation"} == warnings
    # GoogleProfile.java: the four "refers to the UTC time zone" notes are INFO
    assert {r for r, s in RULES.items() if s.level == "info"} == {
        "SENT_INCLUDES_UTC_TIMEZONE",
        "EFFECTIVE_INCLUDES_UTC_TIMEZONE",
        "ONSET_INCLUDES_UTC_TIMEZONE",
        "EXPIRES_INCLUDES_UTC_TIMEZONE",
    }


def test_each_info_and_area_is_checked_and_named() -> None:
    xml = edit(
        ("<description>Disgwylir i'r afon orlifo ei glannau y prynhawn yma.</description>", ""),
        ("<circle>51.2,-0.8 2.5</circle>", "<circle>51.2,-0.8 0</circle>"),
    )
    by_rule = {f.rule: f.message for f in google_profile(xml)}
    assert by_rule["DESCRIPTION_IS_REQUIRED"].startswith("/alert[1]/info[2]:")
    assert by_rule["NONZERO_CIRCLE_RADIUS_RECOMMENDED"].startswith("/alert[1]/info[1]/area[2]/circle[1]:")
    assert [f.rule for f in errors(xml)] == ["DESCRIPTION_IS_REQUIRED"]


def test_several_breaks_are_all_reported() -> None:
    broken = edit(
        ("<sent>2024-03-01T09:00:00+01:00", "<sent>2024-03-01T09:00:00Z"),
        (f"<references>{REFERENCE}</references>", ""),
    )
    xml = edit(("<urgency>Expected</urgency>", "<urgency>Unknown</urgency>"), info=1, xml=broken.decode("utf-8"))
    assert sorted(rules(google_profile(xml))) == [
        "INVALID_DATE",
        "UNKNOWN_URGENCY_DISCOURAGED",
        "UPDATE_OR_CANCEL_MUST_REFERENCE",
    ]


def test_boundaries() -> None:
    # 140 characters is not too long; expires equal to effective is fine; a plain "&" or "<" is not HTML
    assert google_profile(edit((f"<headline>{HEADLINE}</headline>", f"<headline>{'x' * 140}</headline>"))) == []
    same = edit(("<expires>2024-03-02T09:00:00+01:00", "<expires>2024-03-01T08:00:00-00:00"), info=1)
    assert rules(google_profile(same)) == ["EXPIRES_INCLUDES_UTC_TIMEZONE"]
    assert google_profile(edit((DESCRIPTION, "Levels 1 &lt; 2 &amp; rising, see map &gt; town"))) == []
    # a reference sent at the same moment (other offset) is not post-dated
    assert google_profile(edit((REFERENCE, REFERENCE.replace("T08:00:00+01:00", "T08:00:00+00:00")))) == []
    # a polygon whose first point is repeated, or that crosses the antimeridian, is not self-intersecting
    repeated = "51.0,-1.0 51.0,-1.0 51.0,-0.9 51.1,-0.9 51.1,-1.0 51.0,-1.0"
    assert google_profile(edit((f"<polygon>{POLYGON}</polygon>", f"<polygon>{repeated}</polygon>"), info=1)) == []
    antimeridian = "-17.0,179.0 -17.0,181.0 -18.0,181.0 -18.0,179.0 -17.0,179.0"
    assert google_profile(edit((f"<polygon>{POLYGON}</polygon>", f"<polygon>{antimeridian}</polygon>"), info=1)) == []
    # an enum is read as the Java reads it: "AllClear" is the proto's ALL_CLEAR
    assert (
        google_profile(edit(("<responseType>Prepare</responseType>", "<responseType>AllClear</responseType>"), info=1))
        == []
    )


def test_not_cap_1_2_is_refused() -> None:
    with pytest.raises(NotCapError):
        google_profile(GOOD.replace("cap:1.2", "cap:1.1").encode("utf-8"))
    with pytest.raises(NotCapError):
        check_feed(GOOD.encode("utf-8"))


# ---------------------------------------------------------------------------------------------------------------
# The Atom index

ENTRY = """
  <entry>
    <id>https://example.org/briefings/{slug}/cap/0.xml</id>
    <title>Flood warning {slug}</title>
    <updated>2024-03-01T09:00:00+01:00</updated>
    {links}
  </entry>"""
CAP_LINK = '<link rel="alternate" type="application/cap+xml" href="https://example.org/briefings/{slug}/cap/0.xml"/>'
HTML_LINK = '<link rel="related" type="text/html" href="https://example.org/briefings/{slug}/"/>'


def feed(*entries: str, head: str | None = None) -> bytes:
    if head is None:
        head = (
            "<id>https://example.org/alerts.xml</id><title>Example: CAP alerts</title>"
            "<updated>2024-03-01T09:00:00+01:00</updated>"
        )
    return f'<feed xmlns="http://www.w3.org/2005/Atom">{head}{"".join(entries)}\n</feed>'.encode()


def entry(slug: str, *links: str) -> str:
    return ENTRY.format(slug=slug, links="\n    ".join(link.format(slug=slug) for link in links))


GOOD_FEED = feed(
    entry("a", CAP_LINK, HTML_LINK),
    entry("b", HTML_LINK.replace(' type="text/html"', "")),  # one link: it is the message
    entry("c", '<link href="https://example.org/c.xml"/>', '<link rel="enclosure" type="image/png" href="x.png"/>'),
    entry("d", '<link type="APPLICATION/CAP+XML" href="d.xml"/>', HTML_LINK, HTML_LINK),
    entry("e").replace("</updated>", "</updated>\n    <content type='text'>alert</content>"),  # embedded
)

FEED_CASES: dict[str, list[bytes]] = {
    "ATOM_ENTRY_MISSING_CAP_LINK": [
        feed(entry("a", CAP_LINK), entry("b", HTML_LINK, HTML_LINK)),
        feed(entry("a")),
        feed(entry("a", '<link type="image/png" href="a.png"/>', '<link type="video/mp4" href="a.mp4"/>')),
    ],
    "ATOM_ENTRY_NON_UNIQUE_IDS": [feed(entry("a", CAP_LINK), entry("b", CAP_LINK), entry("a", CAP_LINK))],
    "ATOM_ID_IS_REQUIRED": [
        feed(entry("a", CAP_LINK), head="<title>t</title><updated>2024-03-01T09:00:00+01:00</updated>")
    ],
    "ATOM_TITLE_IS_REQUIRED": [
        feed(entry("a", CAP_LINK), head="<id>x</id><title> </title><updated>2024-03-01T09:00:00+01:00</updated>")
    ],
    "ATOM_UPDATED_IS_REQUIRED": [feed(entry("a", CAP_LINK), head="<id>x</id><title>t</title>")],
    "ATOM_ENTRY_ID_IS_REQUIRED": [feed(re.sub(r"<id>.*</id>", "", entry("a", CAP_LINK)))],
    "ATOM_ENTRY_TITLE_IS_REQUIRED": [feed(re.sub(r"<title>.*</title>", "", entry("a", CAP_LINK)))],
    "ATOM_ENTRY_UPDATED_IS_REQUIRED": [
        feed(re.sub(r"<updated>.*</updated>", "<updated></updated>", entry("a", CAP_LINK)))
    ],
}


def test_the_compliant_feed_gets_no_finding() -> None:
    assert check_feed(GOOD_FEED) == []


@pytest.mark.parametrize(
    ("rule", "xml"),
    [pytest.param(rule, xml, id=f"{rule}-{n}") for rule, feeds in FEED_CASES.items() for n, xml in enumerate(feeds)],
)
def test_a_feed_breaking_one_rule_gets_that_finding_only(rule: str, xml: bytes) -> None:
    findings = check_feed(xml)
    assert rules(findings) == [rule], findings
    assert findings[0].level == "error" and findings[0].message.startswith("/feed[1]")


def test_the_feed_validator_stops_at_the_first_entry_in_error() -> None:
    findings = check_feed(feed(entry("a", CAP_LINK), entry("b"), entry("c"), entry("a", CAP_LINK)))
    assert [(f.rule, f.message.split(":")[0]) for f in findings] == [
        ("ATOM_ENTRY_MISSING_CAP_LINK", "/feed[1]/entry[2]")
    ]
