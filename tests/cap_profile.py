"""The Google Public Alerts CAP profile of google/cap-library, for one CAP 1.2 message.

A test helper, standard library only. It re-states in Python the checks that
``com.google.publicalerts.cap.profile.GoogleProfile`` runs, together with the core checks the
profile's parser runs before it (``CapXmlParser`` with the extended schema, then ``CapValidator``),
and the checks ``CapFeedValidator`` / ``CapFeedParser`` make of an Atom index. Each finding carries
the Java constant of the rule it breaks, so a failure can be looked up in the Java source.

Source read: github.com/google/cap-library at commit 67dcf20373834725b15c5325a73f615d92a708fa
(2019-09-23, "Fix langauge bug."). Java paths below are relative to
``java/src/com/google/publicalerts/cap/``; the extended schema is ``schema/cap12_extended.xsd``.

Levels. The Java ``Reason.Level`` has ERROR, WARNING, RECOMMENDATION and INFO. Here ERROR is
``"error"``; WARNING and RECOMMENDATION are both ``"recommendation"``; INFO (the four "refers to
the UTC time zone" notes of the profile) is ``"info"``, which is neither an error nor a
recommendation.

Rules implemented (constant, level here, where it comes from):

GoogleProfile.checkForErrors (profile/GoogleProfile.java):
  UPDATE_OR_CANCEL_MUST_REFERENCE        error  an Update or Cancel has no <references>
  INFO_IS_REQUIRED                       error  no <info>
  CATEGORIES_MUST_MATCH                  error  an <info> whose set of <category> differs from the first
  EVENT_CODES_MUST_MATCH                 error  an <info> whose set of <eventCode> differs from the first
  DESCRIPTION_IS_REQUIRED                error  <description> missing or blank
  EFFECTIVE_NOT_AFTER_EXPIRES            error  <effective> (default: <sent>) later than <expires>
  WEB_IS_REQUIRED                        error  <web> missing or blank
  EXPIRES_IS_REQUIRED                    error  <expires> missing or blank
  AREA_IS_REQUIRED                       error  an <info> without <area>
  URGENCY_IS_REQUIRED                    error  no usable <urgency>
  SEVERITY_IS_REQUIRED                   error  no usable <severity>
  CERTAINTY_IS_REQUIRED                  error  no usable <certainty>
  CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED  error  an <area> without a usable <polygon>, <circle> or <geocode>
GoogleProfile.checkForRecommendations (profile/GoogleProfile.java):
  SENDER_NAME_STRONGLY_RECOMMENDED           recommendation  <senderName> missing or blank
  RESPONSE_TYPE_STRONGLY_RECOMMENDED         recommendation  no usable <responseType>
  INSTRUCTION_STRONGLY_RECOMMENDED           recommendation  <instruction> missing or blank
  CIRCLE_POLYGON_ENCOURAGED                  recommendation  an <info> whose areas have no polygon and no circle
  TEST_ALERT_DISCOURAGED                     recommendation  <status>Test</status>
  HEADLINE_TOO_LONG                          recommendation  <headline> over 140 (UTF-16) characters
  HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER     recommendation  <headline> equal to <description> (absent counts as "")
  DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER  recommendation  non-blank <instruction> equal to <description>
  UNKNOWN_URGENCY_DISCOURAGED                recommendation  <urgency>Unknown</urgency>
  UNKNOWN_SEVERITY_DISCOURAGED               recommendation  <severity>Unknown</severity>
  UNKNOWN_CERTAINTY_DISCOURAGED              recommendation  <certainty>Unknown</certainty>
  CONTACT_IS_RECOMMENDED                     recommendation  <contact> missing or blank
  NONZERO_CIRCLE_RADIUS_RECOMMENDED          recommendation  a <circle> of radius 0
  EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH       recommendation  two <info> of one <language> with different <event>
  EMPTY_GEOCODE_FIELD                        recommendation  a <geocode> with an empty <valueName> or <value>
  SENT_INCLUDES_UTC_TIMEZONE                 info            <sent> has offset +00:00 or -00:00
  EFFECTIVE_INCLUDES_UTC_TIMEZONE            info            <effective> has offset zero
  ONSET_INCLUDES_UTC_TIMEZONE                info            <onset> has offset zero
  EXPIRES_INCLUDES_UTC_TIMEZONE              info            <expires> has offset zero
CapValidator.validateAlert (CapValidator.java; constants declared in CapException.java):
  RESTRICTION_SCOPE_MISMATCH         error           <restriction> given but <scope> is not Restricted
  CIRCULAR_REFERENCE                 error           a reference names the message's own <identifier>
  POSTDATED_REFERENCE                recommendation  a reference sent later than this message (WARNING in Java)
  INVALID_LANGUAGE                   error           <language> is not an RFC 3066 tag
  SAME_TEXT_DIFFERENT_LANGUAGE       recommendation  the same headline/description/instruction/event text
                                                     under two different <language> (WARNING in Java)
  INVALID_POLYGON                    error           first and last point differ (also raised by CapXmlParser.java
                                                     for a polygon that does not parse or has fewer than 4 points)
  INVALID_POLYGON_SELF_INTERSECTION  error           two edges of a polygon cross
  INVALID_AREA                       error           <ceiling> without <altitude>
  INVALID_ALTITUDE_CEILING_RANGE     error           <altitude> above <ceiling>
  INVALID_MIME_TYPE                  error           <resource><mimeType> not "type/subtype" of a known top-level type
  INVALID_URI                        error           <resource><uri> does not parse as a URI
  RELATIVE_URI_MISSING_DEREF_URI     error           relative <uri> without <derefUri>
  INVALID_DEREF_URI                  error           <derefUri> not base64
  INVALID_WEB                        error           <web> not an absolute URI
  TEXT_CONTAINS_HTML_ENTITIES        recommendation  a text field holds an HTML entity such as "&amp;" once parsed
                                                     (WARNING in Java)
  TEXT_CONTAINS_HTML_TAGS            recommendation  a text field holds an HTML tag such as "<b>" once parsed
                                                     (WARNING in Java)
Extended-schema patterns (schema/cap12_extended.xsd, named by XercesCapExceptionMapper.java):
  INVALID_IDENTIFIER  error  <identifier> empty or with whitespace, "," "&" or "<"
  INVALID_SENDER      error  <sender> likewise
  INVALID_DATE        error  <sent>/<effective>/<onset>/<expires> not YYYY-MM-DDThh:mm:ss+hh:mm (no "Z",
                             no fraction) or not a real date and time
  INVALID_REFERENCES  error  <references> not space-separated sender,identifier,sent triplets
  INVALID_CIRCLE      error  <circle> not "lat,lon radius"
CapFeedValidator.checkForErrors(Feed) (feed/CapFeedValidator.java; constants in feed/CapFeedException.java),
which, like the Java, stops at the first entry in error:
  ATOM_ENTRY_MISSING_CAP_LINK  error  an entry without <content> has no link that is its CAP message
  ATOM_ENTRY_NON_UNIQUE_IDS    error  two entries with the same <id>
Atom schema failures that CapFeedParser.java (FeedHandler.REASON_MAP) names:
  ATOM_ID_IS_REQUIRED, ATOM_TITLE_IS_REQUIRED, ATOM_UPDATED_IS_REQUIRED                     error  the feed's own
  ATOM_ENTRY_ID_IS_REQUIRED, ATOM_ENTRY_TITLE_IS_REQUIRED, ATOM_ENTRY_UPDATED_IS_REQUIRED   error  an entry's

Left out, on purpose:
  - The plain XML Schema failures: MISSING_REQUIRED_ELEMENT, INVALID_ENUM_VALUE, INVALID_SEQUENCE,
    DUPLICATE_ELEMENT, UNSUPPORTED_ELEMENT, INVALID_CHARACTERS, INVALID_VALUE and OTHER (Xerces messages,
    named by XercesCapExceptionMapper.java). The OASIS schema checks these; tests/test_feeds.py validates
    every message with xmlschema against tests/schemas/cap-v1.2.xsd. (The extended schema's non-negative
    <altitude>/<ceiling> pattern, reported as INVALID_VALUE, is left out with them.) Like the Java, an enum
    value that does not parse counts as absent, so a missing <urgency> gives URGENCY_IS_REQUIRED here.
  - XML signatures (XmlSignatureValidator.java, TrustStrategy.java): they need keys and a trust store, and
    the profile does not ask for them.
  - Fetching what a feed links to (CapFeedParser.parseAlerts, the validator web app's HTTP fetches): needs
    the network. Run google_profile() on each published file instead.
  - RSS_ITEM_TITLE_OR_DESCRIPTION_IS_REQUIRED, RSS_ITEM_MISSING_CAP_LINK, RSS_PUBDATE_IS_RECOMMENDED,
    RSS_ITEM_GUID_IS_RECOMMENDED, EDXLDE_CONTENT_OBJECT_IS_REQUIRED, EDXLDE_NO_CAP_IN_CONTENT_OBJECT: RSS
    and EDXL-DE feeds, which we do not publish; and any other Atom RELAX NG failure (OTHER).
  - CERTAINTY_VERY_LIKELY_DEPRECATED, PASSWORD_DEPRECATED, INVALID_RESOURCE_SIZE, INVALID_RESOURCE_URI:
    declared in CapException.java but raised nowhere in the source.
  - CAP 1.0 and 1.1 messages: google_profile() raises NotCapError for anything but a CAP 1.2 <alert>.

Known differences from the Java, all small:
  - java.net.URI (INVALID_URI, INVALID_WEB) and Double.parseDouble (polygon points) are approximated.
  - A blank <language> makes the Java throw IllegalStateException; here it is INVALID_LANGUAGE.
  - A <circle> that passes the schema pattern but does not parse (e.g. ", ") is dropped silently by the
    Java; here it is also dropped, and reported as INVALID_CIRCLE.
  - Entries without <id> are not compared for ATOM_ENTRY_NON_UNIQUE_IDS (they get ATOM_ENTRY_ID_IS_REQUIRED),
    the feed-level ATOM_*_IS_REQUIRED are checked even in a feed with no entries, "required" also means
    not blank (as the Java messages say), and the schema findings are reported together with the
    validator's (the Java stops before the schema when the validator found an error).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.entities import name2codepoint

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"

ERROR = "error"
RECOMMENDATION = "recommendation"
INFO = "info"

_PROFILE = "profile/GoogleProfile.java"
_VALIDATOR = "CapValidator.java"
_PARSER = "CapXmlParser.java"
_SCHEMA = "schema/cap12_extended.xsd via XercesCapExceptionMapper.java"
_FEED_VALIDATOR = "feed/CapFeedValidator.java"
_FEED_PARSER = "feed/CapFeedParser.java"


@dataclass(frozen=True)
class Finding:
    rule: str  # the Java constant, e.g. "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED"
    level: str  # "error", "recommendation" (Java WARNING or RECOMMENDATION) or "info" (Java INFO)
    message: str  # human readable, starting with the XPath of the element


@dataclass(frozen=True)
class Rule:
    level: str
    source: str  # the Java file (or schema) the rule comes from


RULES: dict[str, Rule] = {
    # GoogleProfile errors
    "UPDATE_OR_CANCEL_MUST_REFERENCE": Rule(ERROR, _PROFILE),
    "INFO_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "CATEGORIES_MUST_MATCH": Rule(ERROR, _PROFILE),
    "EVENT_CODES_MUST_MATCH": Rule(ERROR, _PROFILE),
    "DESCRIPTION_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "EFFECTIVE_NOT_AFTER_EXPIRES": Rule(ERROR, _PROFILE),
    "WEB_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "EXPIRES_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "AREA_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "URGENCY_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "SEVERITY_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "CERTAINTY_IS_REQUIRED": Rule(ERROR, _PROFILE),
    "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED": Rule(ERROR, _PROFILE),
    # GoogleProfile recommendations
    "SENDER_NAME_STRONGLY_RECOMMENDED": Rule(RECOMMENDATION, _PROFILE),
    "RESPONSE_TYPE_STRONGLY_RECOMMENDED": Rule(RECOMMENDATION, _PROFILE),
    "INSTRUCTION_STRONGLY_RECOMMENDED": Rule(RECOMMENDATION, _PROFILE),
    "CIRCLE_POLYGON_ENCOURAGED": Rule(RECOMMENDATION, _PROFILE),
    "TEST_ALERT_DISCOURAGED": Rule(RECOMMENDATION, _PROFILE),
    "HEADLINE_TOO_LONG": Rule(RECOMMENDATION, _PROFILE),
    "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER": Rule(RECOMMENDATION, _PROFILE),
    "DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER": Rule(RECOMMENDATION, _PROFILE),
    "UNKNOWN_URGENCY_DISCOURAGED": Rule(RECOMMENDATION, _PROFILE),
    "UNKNOWN_SEVERITY_DISCOURAGED": Rule(RECOMMENDATION, _PROFILE),
    "UNKNOWN_CERTAINTY_DISCOURAGED": Rule(RECOMMENDATION, _PROFILE),
    "CONTACT_IS_RECOMMENDED": Rule(RECOMMENDATION, _PROFILE),
    "NONZERO_CIRCLE_RADIUS_RECOMMENDED": Rule(RECOMMENDATION, _PROFILE),
    "EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH": Rule(RECOMMENDATION, _PROFILE),
    "EMPTY_GEOCODE_FIELD": Rule(RECOMMENDATION, _PROFILE),
    # GoogleProfile infos
    "SENT_INCLUDES_UTC_TIMEZONE": Rule(INFO, _PROFILE),
    "EFFECTIVE_INCLUDES_UTC_TIMEZONE": Rule(INFO, _PROFILE),
    "ONSET_INCLUDES_UTC_TIMEZONE": Rule(INFO, _PROFILE),
    "EXPIRES_INCLUDES_UTC_TIMEZONE": Rule(INFO, _PROFILE),
    # CapValidator (constants in CapException.java)
    "RESTRICTION_SCOPE_MISMATCH": Rule(ERROR, _VALIDATOR),
    "CIRCULAR_REFERENCE": Rule(ERROR, _VALIDATOR),
    "POSTDATED_REFERENCE": Rule(RECOMMENDATION, _VALIDATOR),
    "INVALID_LANGUAGE": Rule(ERROR, _VALIDATOR),
    "SAME_TEXT_DIFFERENT_LANGUAGE": Rule(RECOMMENDATION, _VALIDATOR),
    "INVALID_POLYGON": Rule(ERROR, f"{_VALIDATOR} and {_PARSER}"),
    "INVALID_POLYGON_SELF_INTERSECTION": Rule(ERROR, _VALIDATOR),
    "INVALID_AREA": Rule(ERROR, _VALIDATOR),
    "INVALID_ALTITUDE_CEILING_RANGE": Rule(ERROR, _VALIDATOR),
    "INVALID_MIME_TYPE": Rule(ERROR, _VALIDATOR),
    "INVALID_URI": Rule(ERROR, _VALIDATOR),
    "RELATIVE_URI_MISSING_DEREF_URI": Rule(ERROR, _VALIDATOR),
    "INVALID_DEREF_URI": Rule(ERROR, _VALIDATOR),
    "INVALID_WEB": Rule(ERROR, _VALIDATOR),
    "TEXT_CONTAINS_HTML_ENTITIES": Rule(RECOMMENDATION, _VALIDATOR),
    "TEXT_CONTAINS_HTML_TAGS": Rule(RECOMMENDATION, _VALIDATOR),
    # Extended schema patterns
    "INVALID_IDENTIFIER": Rule(ERROR, _SCHEMA),
    "INVALID_SENDER": Rule(ERROR, _SCHEMA),
    "INVALID_DATE": Rule(ERROR, _SCHEMA),
    "INVALID_REFERENCES": Rule(ERROR, _SCHEMA),
    "INVALID_CIRCLE": Rule(ERROR, _SCHEMA),
    # Atom index
    "ATOM_ENTRY_MISSING_CAP_LINK": Rule(ERROR, _FEED_VALIDATOR),
    "ATOM_ENTRY_NON_UNIQUE_IDS": Rule(ERROR, _FEED_VALIDATOR),
    "ATOM_ID_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
    "ATOM_TITLE_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
    "ATOM_UPDATED_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
    "ATOM_ENTRY_ID_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
    "ATOM_ENTRY_TITLE_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
    "ATOM_ENTRY_UPDATED_IS_REQUIRED": Rule(ERROR, _FEED_PARSER),
}

FEED_RULES = frozenset(rule for rule, spec in RULES.items() if spec.source in (_FEED_VALIDATOR, _FEED_PARSER))


class NotCapError(ValueError):
    """The document is not what the check expects (a CAP 1.2 alert, or an Atom feed)."""


def google_profile(xml: bytes) -> list[Finding]:
    """Every finding of the Google profile (plus the core CapValidator rules it runs) for one CAP 1.2 message."""
    root = ET.fromstring(xml)
    if root.tag != _cap("alert"):
        raise NotCapError(f"not a CAP 1.2 <alert>: the root element is {root.tag}")
    check = _Check()
    alert = _Alert(root)
    _schema_patterns(alert, check)
    _validator(alert, check)
    _profile_errors(alert, check)
    _profile_recommendations(alert, check)
    return check.findings


def errors(xml: bytes) -> list[Finding]:
    """The findings of google_profile() that make the profile reject the message."""
    return [finding for finding in google_profile(xml) if finding.level == ERROR]


def check_feed(atom_xml: bytes) -> list[Finding]:
    """The CapFeedValidator rules for an Atom index: each entry links to its CAP message (exactly one link, or a
    link typed application/cap+xml), ids are unique, and the feed and its entries have id, title and updated."""
    root = ET.fromstring(atom_xml)
    if root.tag != _atom("feed"):
        raise NotCapError(f"not an Atom <feed>: the root element is {root.tag}")
    check = _Check()
    for name in ("id", "title", "updated"):
        if _blank(_text(root.find(_atom(name)))):
            check.add(f"ATOM_{name.upper()}_IS_REQUIRED", "/feed[1]", f"the feed has no <{name}>, or it is blank")
    entries = root.findall(_atom("entry"))
    for number, entry in enumerate(entries, 1):
        where = f"/feed[1]/entry[{number}]"
        for name in ("id", "title", "updated"):
            if _blank(_text(entry.find(_atom(name)))):
                check.add(f"ATOM_ENTRY_{name.upper()}_IS_REQUIRED", where, f"the entry has no <{name}>, or it is blank")
    # CapFeedValidator reports only the first entry in error, to avoid one message per entry.
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"/feed[1]/entry[{number}]"
        if entry.find(_atom("content")) is None and not _links_to_cap(entry):
            check.add(
                "ATOM_ENTRY_MISSING_CAP_LINK",
                where,
                "the entry embeds no CAP and none of its links can be told to be the CAP message: give it one "
                'link, or type the link type="application/cap+xml"',
            )
            break
        entry_id = _text(entry.find(_atom("id")))
        if entry_id is None:
            continue
        if entry_id in seen:
            check.add("ATOM_ENTRY_NON_UNIQUE_IDS", where, f"the entry <id> {entry_id!r} is used by an earlier entry")
            break
        seen.add(entry_id)
    return check.findings


# ---------------------------------------------------------------------------------------------------------------
# Reading the message


def _cap(name: str) -> str:
    return f"{{{CAP}}}{name}"


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(element: ET.Element | None) -> str | None:
    """The text of an element (None when there is no element), as the Java SAX handler collects it."""
    return None if element is None else "".join(element.itertext())


def _blank(value: str | None) -> bool:
    """CapUtil.isEmptyOrWhitespace: null, or nothing left after String.trim()."""
    return value is None or not value.strip(_JAVA_TRIM)


_JAVA_TRIM = "".join(chr(c) for c in range(0x21))  # String.trim() drops every char <= U+0020


def _first(parent: ET.Element, name: str) -> str | None:
    """A single-valued text field: the Java parser keeps the first occurrence."""
    return _text(parent.find(_cap(name)))


class _Enum:
    """A CAP enumeration as the Java parser reads it (CapXmlHandler.getPrimitiveValue): the text, with "_"
    before each capital that follows a small letter, upper-cased, must name a proto enum value, possibly
    with the enum's name as a suffix. A value that does not parse leaves the field unset."""

    def __init__(self, type_name: str, names: str) -> None:
        self.suffix = "_" + type_name.upper()
        self.names = frozenset(names.split())

    def parse(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value == "Very Likely":
            key = "VERY_LIKELY"
        else:
            key = "".join(
                "_" + ch if i and ch.isupper() and value[i - 1].islower() else ch for i, ch in enumerate(value)
            ).upper()
        for candidate in (key, key + self.suffix):
            if candidate in self.names:
                return candidate
        return None

    def first(self, parent: ET.Element, name: str) -> str | None:
        for element in parent.findall(_cap(name)):
            value = self.parse(_text(element))
            if value is not None:
                return value
        return None

    def all(self, parent: ET.Element, name: str) -> list[str]:
        values = (self.parse(_text(element)) for element in parent.findall(_cap(name)))
        return [value for value in values if value is not None]


_STATUS = _Enum("Status", "ACTUAL EXERCISE SYSTEM TEST DRAFT")
_MSG_TYPE = _Enum("MsgType", "ALERT UPDATE CANCEL ACK ERROR")
_SCOPE = _Enum("Scope", "PUBLIC RESTRICTED PRIVATE")
_CATEGORY = _Enum("Category", "GEO MET SAFETY SECURITY RESCUE FIRE HEALTH ENV TRANSPORT INFRA CBRNE OTHER")
_RESPONSE_TYPE = _Enum("ResponseType", "SHELTER EVACUATE PREPARE EXECUTE AVOID MONITOR ASSESS ALL_CLEAR NONE")
_URGENCY = _Enum("Urgency", "IMMEDIATE EXPECTED FUTURE PAST UNKNOWN_URGENCY")
_SEVERITY = _Enum("Severity", "EXTREME SEVERE MODERATE MINOR UNKNOWN_SEVERITY")
_CERTAINTY = _Enum("Certainty", "OBSERVED VERY_LIKELY LIKELY POSSIBLE UNLIKELY UNKNOWN_CERTAINTY")


def _group(text: str | None) -> list[str]:
    """A CAP group (<references>, <addresses>, <incidents>) split as CapXmlHandler.toGroup does: on whitespace
    outside double quotes; a quote preceded by "/" is kept."""
    if text is None:
        return []
    values: list[str] = []
    current: list[str] = []
    quoted = False
    previous = ""
    for ch in text:
        is_quote = ch == '"' and previous != "/"
        if is_quote:
            quoted = not quoted
        if not quoted and ch.isspace():
            if current:
                values.append("".join(current))
                current = []
        elif not is_quote:
            current.append(ch)
        previous = ch
    if current:
        values.append("".join(current))
    return values


Point = tuple[float, float]

_JAVA_DOUBLE = re.compile(r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)", re.ASCII)


def _java_double(text: str) -> float | None:
    """Double.parseDouble, decimal forms only (no hexadecimal floats)."""
    text = text.strip(_JAVA_TRIM)
    if not _JAVA_DOUBLE.fullmatch(text):
        return None
    if text[-1] in "fFdD":
        text = text[:-1]
    return float(text)


def _point(text: str) -> Point | None:
    """CapXmlParser.toPoint: "lat,lon". Like String.split, trailing empty pieces are dropped."""
    parts = text.split(",")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) != 2:
        return None
    lat, lon = _java_double(parts[0]), _java_double(parts[1])
    return None if lat is None or lon is None else (lat, lon)


def _polygon(text: str) -> list[Point] | None:
    """CapXmlParser.toPolygon: whitespace-separated points; None when empty or any point does not parse."""
    if _blank(text):
        return None
    points = [_point(token) for token in text.split()]
    if any(p is None for p in points):
        return None
    return [p for p in points if p is not None]


_XSD_S = "[ \t\n\r]"  # XML Schema's \s
_XSD_TOKEN = "[^ \t\n\r,&<]+"  # the extended schema's identifier and sender pattern
_CIRCLE_PATTERN = re.compile(
    rf"{_XSD_S}*[+-]?[0-9]{{0,2}}[.]?[0-9]*,[+-]?[0-9]{{0,3}}[.]?[0-9]*{_XSD_S}[+]?[0-9]*[.]?[0-9]*{_XSD_S}*"
)
# The schema's references pattern. Its date part allows "," as the sign of the offset ("[-,+]"): copied as is.
_REFERENCE = rf"{_XSD_TOKEN},{_XSD_TOKEN},[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}[-,+][0-9]{{2}}:[0-9]{{2}}"
_REFERENCES_PATTERN = re.compile(rf"{_XSD_S}*{_REFERENCE}(?:{_XSD_S}+{_REFERENCE})*{_XSD_S}*")
_IDENTIFIER_PATTERN = re.compile(_XSD_TOKEN)


def _circle(text: str) -> tuple[Point, float] | None:
    """CapXmlParser.toCircle: "lat,lon radius"."""
    parts = text.strip(_JAVA_TRIM).split()
    if len(parts) != 2:
        return None
    centre = _point(parts[0])
    radius = _java_double(parts[1])
    return None if centre is None or radius is None else (centre, radius)


# Dates. The schema wants YYYY-MM-DDThh:mm:ss followed by a numeric offset and nothing else; CapDateUtil (used for
# comparisons and the UTC notes) also takes 2 or 3 digits of fractional seconds.
_SCHEMA_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)()([-+])(\d\d):(\d\d)", re.ASCII)
_CAP_DATE_UTIL = re.compile(
    r"(\d{4})-([01]\d)-([0-3]\d)T([0-2]\d):([0-5]\d):([0-5]\d)(\.\d{2,3})?([-+])([01]\d):([0-5]\d)", re.ASCII
)


def _instant(match: re.Match[str] | None) -> dt.datetime | None:
    """The moment an xs:dateTime names, or None if it names none (day 31 of April, offset beyond 14:00...)."""
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    sign, offset_hours, offset_minutes = match.group(8), int(match.group(9)), int(match.group(10))
    if offset_minutes > 59 or offset_hours * 60 + offset_minutes > 14 * 60:
        return None
    offset = dt.timedelta(hours=offset_hours, minutes=offset_minutes)
    zone = dt.timezone(offset if sign == "+" else -offset)
    next_day = dt.timedelta()
    if hour == 24:  # xs:dateTime allows 24:00:00, the end of the day
        if minute or second or fraction.strip(".0"):
            return None
        hour, next_day = 0, dt.timedelta(days=1)
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    return moment + next_day + dt.timedelta(microseconds=micro)


def _schema_date_ok(text: str) -> bool:
    """The extended schema's date type (an xs:dateTime, so surrounding whitespace is collapsed first)."""
    return _instant(_SCHEMA_DATE.fullmatch(text.strip(" \t\n\r"))) is not None


def _cap_date(text: str | None) -> dt.datetime | None:
    """CapDateUtil.toJavaDate: the raw text, unstripped."""
    return None if text is None else _instant(_CAP_DATE_UTIL.fullmatch(text))


def _zero_offset(text: str | None) -> bool:
    """AbstractCapProfile.checkZeroTimezone: a valid CapDateUtil date whose offset is +00:00 or -00:00."""
    moment = _cap_date(text)
    return moment is not None and moment.utcoffset() == dt.timedelta()


# URIs, as java.net.URI (RFC 2396 with Java's relaxations) would take them, approximately.
_URI_FORBIDDEN = set(' "<>\\^`{|}')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*", re.ASCII)


def _uri(text: str) -> tuple[bool, bool]:
    """(parses, absolute) for a URI reference."""
    for ch in text:
        code = ord(ch)
        if ch in _URI_FORBIDDEN or code < 0x20 or 0x7F <= code <= 0x9F or (code > 0x7F and ch.isspace()):
            return False, False
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        return False, False
    reference, hash_sign, fragment = text.partition("#")
    if "#" in fragment:
        return False, False
    scheme_end = re.match(r"[^/?#:]*:", reference)
    if scheme_end is None:
        return True, False
    scheme, rest = reference[: scheme_end.end() - 1], reference[scheme_end.end() :]
    if not _SCHEME.fullmatch(scheme) or rest == "":
        return False, False  # a bad scheme name, or nothing after the scheme
    if rest == "//" and not hash_sign:
        return False, False  # "http://": an authority is expected
    return True, True


_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)?(?:\r\n|[\r\u0085\u2028\u2029])?")


def _base64(text: str) -> bool:
    """CapUtil.isBase64 (new lines removed first)."""
    return _BASE64.fullmatch(text.replace("\n", "")) is not None


# CapUtil.containsHtmlEntities: StringEscapeUtils.unescapeHtml4 would change the text, i.e. it holds a named
# HTML 4 entity or a numeric one, each closed by ";". CapUtil.containsHtmlTags: "<", something, ">".
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|([A-Za-z][A-Za-z0-9]*));")
_HTML_TAG = re.compile(r"<([^\s>]+)(.*?)>")


def _has_entity(text: str) -> bool:
    return any(m.group(1) is None or m.group(1) in name2codepoint for m in _ENTITY.finditer(text))


_RFC_3066 = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")
_MEDIA_TYPES = frozenset(["application", "audio", "image", "message", "model", "multipart", "text", "video"])


class _Info:
    def __init__(self, element: ET.Element, number: int) -> None:
        self.element = element
        self.where = f"/alert[1]/info[{number}]"
        self.areas = element.findall(_cap("area"))


class _Alert:
    def __init__(self, root: ET.Element) -> None:
        self.root = root
        self.identifier = _first(root, "identifier")
        self.sent = _first(root, "sent")
        self.references = _group(_first(root, "references"))
        self.infos = [_Info(info, n) for n, info in enumerate(root.findall(_cap("info")), 1)]


class _Check:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, rule: str, where: str, what: str) -> None:
        self.findings.append(Finding(rule, RULES[rule].level, f"{where}: {what}"))


def _indexed(parent: ET.Element, name: str) -> list[tuple[int, ET.Element]]:
    return list(enumerate(parent.findall(_cap(name)), 1))


# ---------------------------------------------------------------------------------------------------------------
# The extended schema's patterns, and the polygons and circles CapXmlParser reads


def _schema_patterns(alert: _Alert, check: _Check) -> None:
    root = alert.root
    for name, rule in (("identifier", "INVALID_IDENTIFIER"), ("sender", "INVALID_SENDER")):
        for n, element in _indexed(root, name):
            value = _text(element) or ""
            if not _IDENTIFIER_PATTERN.fullmatch(value):
                check.add(rule, f"/alert[1]/{name}[{n}]", f"<{name}> {value!r} is empty or has a space, comma, & or <")
    for n, element in _indexed(root, "sent"):
        _check_schema_date(check, element, f"/alert[1]/sent[{n}]", "sent")
    for n, element in _indexed(root, "references"):
        value = _text(element) or ""
        if not _REFERENCES_PATTERN.fullmatch(value):
            check.add(
                "INVALID_REFERENCES",
                f"/alert[1]/references[{n}]",
                f"<references> {value!r} is not a space-separated list of sender,identifier,sent",
            )
    for info in alert.infos:
        for name in ("effective", "onset", "expires"):
            for n, element in _indexed(info.element, name):
                _check_schema_date(check, element, f"{info.where}/{name}[{n}]", name)
        for a, area in enumerate(info.areas, 1):
            for p, element in _indexed(area, "polygon"):
                value = _text(element) or ""
                points = _polygon(value)
                if points is None or len(points) < 4:
                    check.add(
                        "INVALID_POLYGON",
                        f"{info.where}/area[{a}]/polygon[{p}]",
                        f"<polygon> {_short(value)!r} is not at least four lat,lon points separated by spaces",
                    )
            for c, element in _indexed(area, "circle"):
                value = _text(element) or ""
                if not _CIRCLE_PATTERN.fullmatch(value) or _circle(value) is None:
                    check.add(
                        "INVALID_CIRCLE",
                        f"{info.where}/area[{a}]/circle[{c}]",
                        f"<circle> {value!r} is not a lat,lon centre, a space and a radius in km",
                    )


def _check_schema_date(check: _Check, element: ET.Element, where: str, name: str) -> None:
    value = _text(element) or ""
    if not _schema_date_ok(value):
        check.add(
            "INVALID_DATE",
            where,
            f"<{name}> {value!r} is not a date and time like 2002-05-24T16:49:00-07:00 (numeric offset, no Z)",
        )


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."


def _area_shapes(area: ET.Element) -> tuple[list[list[Point]], list[tuple[Point, float]]]:
    """The polygons and circles the Java parser keeps: those that parse (a polygon of under 4 points is kept)."""
    polygons = [p for p in (_polygon(_text(e) or "") for e in area.findall(_cap("polygon"))) if p is not None]
    circles = [c for c in (_circle(_text(e) or "") for e in area.findall(_cap("circle"))) if c is not None]
    return polygons, circles


# ---------------------------------------------------------------------------------------------------------------
# CapValidator


def _validator(alert: _Alert, check: _Check) -> None:
    root = alert.root
    restriction = _first(root, "restriction")
    if not _blank(restriction) and _SCOPE.first(root, "scope") != "RESTRICTED":
        check.add(
            "RESTRICTION_SCOPE_MISMATCH",
            "/alert[1]/restriction[1]",
            "<restriction> is given but <scope> is not Restricted",
        )

    sent = _cap_date(alert.sent)
    for reference in alert.references:
        parts = reference.split(",", 2)
        if len(parts) < 2:
            continue
        if parts[1] == (alert.identifier or ""):
            check.add(
                "CIRCULAR_REFERENCE", "/alert[1]/references[1]", f"reference {reference!r} is this message itself"
            )
        referenced_sent = _cap_date(parts[2]) if len(parts) > 2 else None
        if sent is not None and referenced_sent is not None and referenced_sent > sent:
            check.add(
                "POSTDATED_REFERENCE",
                "/alert[1]/references[1]",
                f"reference {reference!r} was sent after this message ({alert.sent})",
            )

    seen_text: dict[tuple[str, str], str] = {}  # (field, text) -> the language it was first seen in
    for info in alert.infos:
        element = info.element
        language_element = element.find(_cap("language"))
        if language_element is not None:
            language = (_text(language_element) or "").strip(_JAVA_TRIM)
            if not _RFC_3066.fullmatch(language):
                check.add(
                    "INVALID_LANGUAGE", f"{info.where}/language[1]", f"<language> {language!r} is not an RFC 3066 tag"
                )
            else:
                for field in ("event", "headline", "description", "instruction"):
                    value = _first(element, field)
                    if value is None:
                        continue
                    first_language = seen_text.setdefault((field, value), language)
                    if first_language != language:
                        check.add(
                            "SAME_TEXT_DIFFERENT_LANGUAGE",
                            f"{info.where}/{field}[1]",
                            f"the same <{field}> text is given in <info> blocks of language {first_language} and "
                            f"{language}: write each in its own language",
                        )
        for a, area in enumerate(info.areas, 1):
            _validate_area(check, area, f"{info.where}/area[{a}]")
        for r, resource in _indexed(element, "resource"):
            _validate_resource(check, resource, f"{info.where}/resource[{r}]")
        web = _first(element, "web")
        if web is not None:
            parses, absolute = _uri(web)
            if not (parses and absolute):
                check.add("INVALID_WEB", f"{info.where}/web[1]", f"<web> {web!r} is not an absolute URI")

    _html_in_text(root, check)


def _validate_area(check: _Check, area: ET.Element, where: str) -> None:
    for n, element in _indexed(area, "polygon"):
        points = _polygon(_text(element) or "")
        if points is None:
            continue  # not kept by the parser (already INVALID_POLYGON)
        if points[0] != points[-1]:
            check.add("INVALID_POLYGON", f"{where}/polygon[{n}]", "the first and last points of <polygon> differ")
        crossing = _self_intersection(points)
        if crossing is not None:
            check.add(
                "INVALID_POLYGON_SELF_INTERSECTION", f"{where}/polygon[{n}]", f"edges of <polygon> cross: {crossing}"
            )
    altitude = _java_double(_first(area, "altitude") or "")
    ceiling = _java_double(_first(area, "ceiling") or "")
    if ceiling is not None and altitude is None:
        check.add("INVALID_AREA", where, "<ceiling> is given without <altitude>")
    if altitude is not None and ceiling is not None and altitude > ceiling:
        check.add("INVALID_ALTITUDE_CEILING_RANGE", f"{where}/ceiling[1]", "<altitude> is above <ceiling>")


def _validate_resource(check: _Check, resource: ET.Element, where: str) -> None:
    mime_type = _first(resource, "mimeType")
    if mime_type is not None and ("/" not in mime_type or mime_type.split("/", 1)[0] not in _MEDIA_TYPES):
        check.add(
            "INVALID_MIME_TYPE", f"{where}/mimeType[1]", f"<mimeType> {mime_type!r} is not a type/subtype media type"
        )
    uri = _first(resource, "uri")
    deref = _first(resource, "derefUri")
    if uri is not None:
        parses, absolute = _uri(uri)
        if not parses:
            check.add("INVALID_URI", f"{where}/uri[1]", f"<uri> {uri!r} is not a URI")
        elif not absolute and deref is None:
            check.add("RELATIVE_URI_MISSING_DEREF_URI", f"{where}/uri[1]", f"relative <uri> {uri!r} needs a <derefUri>")
    if deref is not None and not _base64(deref):
        check.add("INVALID_DEREF_URI", f"{where}/derefUri[1]", "<derefUri> is not base64")


def _relative_ccw(x1: float, y1: float, x2: float, y2: float, px: float, py: float) -> int:
    """Which side of the segment (x1,y1)-(x2,y2) the point lies on, as java.awt.geom.Line2D.relativeCCW: -1 or 1,
    or 0 on the segment; a collinear point beyond either end counts as being on one side."""
    dx, dy = x2 - x1, y2 - y1
    qx, qy = px - x1, py - y1
    side = qx * dy - qy * dx
    if side == 0.0:
        side = qx * dx + qy * dy  # negative: before the start
        if side > 0.0:
            side = (qx - dx) * dx + (qy - dy) * dy  # positive: beyond the end
            side = max(side, 0.0)
    return -1 if side < 0.0 else (1 if side > 0.0 else 0)


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Line2D.linesIntersect: each segment's ends are not strictly on one side of the other segment."""
    return (
        _relative_ccw(*a, *b, *c) * _relative_ccw(*a, *b, *d) <= 0
        and _relative_ccw(*c, *d, *a) * _relative_ccw(*c, *d, *b) <= 0
    )


def _legal_longitude(longitude: float) -> float:
    if longitude > 180:
        return longitude - 360
    if longitude < -180:
        return longitude + 360
    return longitude


def _self_intersection(points: list[Point]) -> str | None:
    """CapValidator.getIntersectionDescription: compare every pair of non-adjacent edges (lat/lon taken as plane
    coordinates), skipping repeated points at either end and zero-length edges. None when no edges cross."""
    count = len(points)
    start = 0
    while start < count - 1 and points[start] == points[start + 1]:
        start += 1
    last = count - 1
    while last > 0 and points[last] == points[last - 1]:
        last -= 1
    for i in range(start, last - 1):
        for j in range(i + 2, last):
            if i == start and j == last - 1:
                continue  # the first and the last edge meet at the closing point
            p0, p1, p2, p3 = points[i], points[i + 1], points[j], points[j + 1]
            if p1 == p2 or p0 == p1 or p2 == p3:
                continue
            a, b, c, d = ((lat, _legal_longitude(lon)) for lat, lon in (p0, p1, p2, p3))
            if _segments_cross(a, b, c, d):
                return f"{p0[0]},{p0[1]} -> {p1[0]},{p1[1]} and {p2[0]},{p2[1]} -> {p3[0]},{p3[1]}"
    return None


# The text fields CapValidator.validateAllStringFields visits: the string fields of the proto messages (enums,
# numbers, polygons and circles are not strings). A single-valued field keeps its first occurrence.
_TEXT_FIELDS = {
    "alert": ("identifier", "sender", "password", "sent", "source", "restriction", "code*", "note"),
    "info": (
        "language",
        "event",
        "audience",
        "effective",
        "onset",
        "expires",
        "senderName",
        "headline",
        "description",
        "instruction",
        "web",
        "contact",
    ),
    "eventCode": ("valueName", "value"),
    "parameter": ("valueName", "value"),
    "geocode": ("valueName", "value"),
    "resource": ("resourceDesc", "mimeType", "uri", "derefUri", "digest"),
    "area": ("areaDesc",),
}
_GROUPS = ("addresses", "references", "incidents")
_CHILD_MESSAGES = {
    "alert": ("info",),
    "info": ("eventCode", "parameter", "resource", "area"),
    "area": ("geocode",),
}


def _html_in_text(root: ET.Element, check: _Check) -> None:
    def visit(element: ET.Element, kind: str, where: str) -> None:
        values: list[tuple[str, str]] = []
        for field in _TEXT_FIELDS.get(kind, ()):
            name = field.rstrip("*")
            found = element.findall(_cap(name))
            if not field.endswith("*"):
                found = found[:1]
            values += [(name, _text(e) or "") for e in found]
        if kind == "alert":
            for name in _GROUPS:
                values += [(name, token) for token in _group(_first(element, name))]
        for name, value in values:
            if _has_entity(value):
                check.add(
                    "TEXT_CONTAINS_HTML_ENTITIES",
                    f"{where}/{name}",
                    f"<{name}> holds an HTML entity once parsed (CAP 1.2 section 3.3.3 discourages them)",
                )
            if _HTML_TAG.search(value):
                check.add("TEXT_CONTAINS_HTML_TAGS", f"{where}/{name}", f"<{name}> holds an HTML tag once parsed")
        for child in _CHILD_MESSAGES.get(kind, ()):
            for n, sub in _indexed(element, child):
                visit(sub, child, f"{where}/{child}[{n}]")

    visit(root, "alert", "/alert[1]")


# ---------------------------------------------------------------------------------------------------------------
# GoogleProfile


def _profile_errors(alert: _Alert, check: _Check) -> None:
    root = alert.root
    if _MSG_TYPE.first(root, "msgType") in ("UPDATE", "CANCEL") and not alert.references:
        check.add(
            "UPDATE_OR_CANCEL_MUST_REFERENCE",
            "/alert[1]/msgType[1]",
            "an Update or Cancel must reference the messages it replaces in <references>",
        )
    if not alert.infos:
        check.add("INFO_IS_REQUIRED", "/alert[1]", "the message has no <info>")

    categories: set[str] | None = None
    event_codes: set[tuple[str, str]] | None = None
    for info in alert.infos:
        element, where = info.element, info.where
        these_categories = set(_CATEGORY.all(element, "category"))
        if categories is None:
            categories = these_categories
        elif these_categories != categories:
            check.add("CATEGORIES_MUST_MATCH", f"{where}/category[1]", "<category> differs from the first <info>'s")
        these_codes = {
            (_first(e, "valueName") or "", _first(e, "value") or "") for e in element.findall(_cap("eventCode"))
        }
        if event_codes is None:
            event_codes = these_codes
        elif these_codes != event_codes:
            check.add("EVENT_CODES_MUST_MATCH", f"{where}/eventCode[1]", "<eventCode> differs from the first <info>'s")

        if _blank(_first(element, "description")):
            check.add("DESCRIPTION_IS_REQUIRED", where, "<description> is missing or blank")
        expires = _first(element, "expires")
        if expires is not None:
            effective_text = _first(element, "effective")
            effective = _cap_date(effective_text if effective_text is not None else alert.sent)
            ends = _cap_date(expires)
            if effective is not None and ends is not None and effective > ends:
                check.add("EFFECTIVE_NOT_AFTER_EXPIRES", f"{where}/effective[1]", "<effective> is after <expires>")
        if _blank(_first(element, "web")):
            check.add("WEB_IS_REQUIRED", where, "<web> is missing or blank")
        if _blank(expires):
            check.add("EXPIRES_IS_REQUIRED", where, "<expires> is missing or blank")
        if not info.areas:
            check.add("AREA_IS_REQUIRED", where, "the <info> has no <area>")
        for name, kind in (("urgency", _URGENCY), ("severity", _SEVERITY), ("certainty", _CERTAINTY)):
            if kind.first(element, name) is None:
                check.add(f"{name.upper()}_IS_REQUIRED", where, f"<{name}> is missing or not a CAP value")
        for a, area in enumerate(info.areas, 1):
            polygons, circles = _area_shapes(area)
            if not polygons and not circles and area.find(_cap("geocode")) is None:
                check.add(
                    "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED",
                    f"{where}/area[{a}]",
                    "the <area> has no <polygon>, <circle> or <geocode>, only a description",
                )


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _profile_recommendations(alert: _Alert, check: _Check) -> None:
    root = alert.root
    if _zero_offset(alert.sent):
        check.add("SENT_INCLUDES_UTC_TIMEZONE", "/alert[1]/sent[1]", "<sent> is in UTC: is that the local time zone?")
    if _STATUS.first(root, "status") == "TEST":
        check.add("TEST_ALERT_DISCOURAGED", "/alert[1]/status[1]", "Google Public Alerts does not show Test messages")

    event_by_language: dict[str, str] = {}
    for info in alert.infos:
        element, where = info.element, info.where
        for name in ("effective", "onset", "expires"):
            if _zero_offset(_first(element, name)):
                check.add(
                    f"{name.upper()}_INCLUDES_UTC_TIMEZONE",
                    f"{where}/{name}[1]",
                    f"<{name}> is in UTC: is that the local time zone?",
                )
        if _blank(_first(element, "senderName")):
            check.add("SENDER_NAME_STRONGLY_RECOMMENDED", where, "<senderName> is missing or blank")
        if not _RESPONSE_TYPE.all(element, "responseType"):
            check.add("RESPONSE_TYPE_STRONGLY_RECOMMENDED", where, "there is no <responseType>")
        instruction = _first(element, "instruction")
        if _blank(instruction):
            check.add("INSTRUCTION_STRONGLY_RECOMMENDED", where, "<instruction> is missing or blank")
        headline = _first(element, "headline")
        description = _first(element, "description") or ""
        if headline is not None and _utf16_length(headline) > 140:
            check.add(
                "HEADLINE_TOO_LONG",
                f"{where}/headline[1]",
                f"<headline> is {_utf16_length(headline)} characters long, over 140",
            )
        if description == (headline or ""):
            check.add(
                "HEADLINE_AND_DESCRIPTION_SHOULD_DIFFER",
                f"{where}/headline[1]",
                "<headline> and <description> are the same: the description should say more",
            )
        if instruction is not None and not _blank(instruction) and description == instruction:
            check.add(
                "DESCRIPTION_AND_INSTRUCTION_SHOULD_DIFFER",
                f"{where}/description[1]",
                "<description> (the hazard) and <instruction> (what to do) are the same",
            )
        for name, kind, unknown in (
            ("urgency", _URGENCY, "UNKNOWN_URGENCY"),
            ("severity", _SEVERITY, "UNKNOWN_SEVERITY"),
            ("certainty", _CERTAINTY, "UNKNOWN_CERTAINTY"),
        ):
            if kind.first(element, name) == unknown:
                check.add(f"{unknown}_DISCOURAGED", f"{where}/{name}[1]", f"<{name}> is Unknown")
        if _blank(_first(element, "contact")):
            check.add("CONTACT_IS_RECOMMENDED", where, "<contact> is missing or blank")

        has_shape = False
        for a, area in enumerate(info.areas, 1):
            polygons, circles = _area_shapes(area)
            has_shape = has_shape or bool(polygons or circles)
            for c, (_, radius) in enumerate(circles, 1):
                if radius == 0:
                    check.add(
                        "NONZERO_CIRCLE_RADIUS_RECOMMENDED",
                        f"{where}/area[{a}]/circle[{c}]",
                        "<circle> has radius 0: the area is where people should be alerted, not the event's point",
                    )
        if info.areas and not has_shape:
            check.add(
                "CIRCLE_POLYGON_ENCOURAGED",
                f"{where}/area[1]",
                "no <area> of this <info> has a <polygon> or <circle>; geocodes alone are less precise",
            )

        language_element = element.find(_cap("language"))
        language = "en-US" if language_element is None else (_text(language_element) or "")  # the proto default
        event = _first(element, "event") or ""
        if event_by_language.setdefault(language, event) != event:
            check.add(
                "EVENTS_IN_SAME_LANGUAGE_SHOULD_MATCH",
                f"{where}/event[1]",
                f"<event> differs from that of an earlier <info> in language {language}",
            )

        for a, area in enumerate(info.areas, 1):
            for g, geocode in _indexed(area, "geocode"):
                if not (_first(geocode, "valueName") or "") or not (_first(geocode, "value") or ""):
                    check.add(
                        "EMPTY_GEOCODE_FIELD",
                        f"{where}/area[{a}]/geocode[{g}]",
                        "<geocode> has an empty <valueName> or <value>",
                    )


# ---------------------------------------------------------------------------------------------------------------
# Atom


def _links_to_cap(entry: ET.Element) -> bool:
    """CapFeedValidator.hasCapLink: one link of any kind; or a link typed as CAP; or exactly one link that could
    be CAP (untyped, or of a type that is not image, audio or video)."""
    links = entry.findall(_atom("link"))
    if len(links) == 1:
        return True
    possible = 0
    for link in links:
        kind = link.get("type")
        if kind is not None and kind.lower() in ("application/cap+xml", "application/common-alerting-protocol+xml"):
            return True
        if kind is None or not kind.startswith(("image", "audio", "video")):
            possible += 1
    return possible == 1
