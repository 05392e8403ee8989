"""Bad areas, alerts, chains and records are reported at their line (SPEC §5 areas and alert, §6 CAP)."""

from __future__ import annotations

import pytest
from conftest import SiteDir
from test_validation import BRIEFING, SITE_END, D, T, brief, case, check_reports, site_yaml

AREAS = "content/areas.yaml"
# The fixture's own area, kept after each case's lines so its patrols briefing stays valid.
TESTVILLE = "- id: testville\n  name: Testville\n  circle: {lat: 51.5, lon: -0.1, radius_km: 2}\n"


def areas(*lines: str) -> dict[str, str]:
    """content/areas.yaml whose first line is line 1, then the fixture's own area."""
    return {AREAS: "\n".join(lines) + "\n" + TESTVILLE}


SQUARE = ("- id: x", "  name: X", "  polygon:")  # lines 1-3; points start at line 4
MANY = "[" + ", ".join(f"[{51 + i / 10000}, {i / 10000}]" for i in range(1000)) + ", [51.0, 0.0]]"
CAP_RULE = "CIRCLE_POLYGON_OR_GEOCODE_IS_REQUIRED"

# fmt: off
CASES = [
    # --- areas.yaml ------------------------------------------------------------------------------
    case("area-open-ring", areas(*SQUARE, "    - [51.0, 0.0]", "    - [51.1, 0.0]", "    - [51.1, 0.1]",
                                 "    - [51.0, 0.2]"), AREAS, 7, "the ring is open", "[51, 0]"),
    case("area-latitude-out-of-range", areas(*SQUARE, "    - [45.0, 190.0]", "    - [45.1, 0.0]", "    - [45.1, 0.1]",
                                             "    - [45.0, 190.0]"), AREAS, 4, "190.0 is out of range", "longitude", errors=2),
    case("area-lon-lat-swapped", areas(*SQUARE, "    - [151.2, -33.8]", "    - [151.3, -33.8]",
                                       "    - [151.3, -33.9]", "    - [151.2, -33.8]"), AREAS, 4,
         "is this [lon, lat]? write [lat, lon]", errors=4),
    case("area-self-intersecting", areas(*SQUARE, "    - [0, 0]", "    - [1, 1]", "    - [1, 0]", "    - [0, 1]",
                                         "    - [0, 0]"), AREAS, 6,
         "polygon crosses itself", "edge from point 3 to 4", "edge from point 1 to 2"),
    case("area-too-many-points", areas("- id: x", "  name: X", f"  polygon: {MANY}"), AREAS, 3,
         "has 1001 points", "at most 1000"),
    case("area-too-few-points", areas("- id: x", "  name: X", "  polygon: [[0, 0], [1, 1], [0, 0]]"), AREAS, 3,
         "has 3 points", "at least 4"),
    case("area-repeated-point", areas(*SQUARE, "    - [0, 0]", "    - [1, 1]", "    - [1, 1]", "    - [1, 0]",
                                      "    - [0, 0]"), AREAS, 6, "point 3 repeats the point before it"),
    case("area-without-geometry", areas("- id: x", "  name: X"), AREAS, 1,
         "area 'x' needs a polygon, a circle or geocodes"),
    case("area-circle-radius-zero", areas("- id: x", "  name: X", "  circle: {lat: 51, lon: 0, radius_km: 0}"),
         AREAS, 3, "radius_km", "must be more than 0"),
    case("area-circle-missing-lon", areas("- id: x", "  name: X", "  circle: {lat: 51, radius_km: 1}"),
         AREAS, 3, "missing required key 'lon'"),
    case("area-name-over-50", areas("- id: x", f"  name: {'N' * 51}", "  geocodes: {GSS: E09000033}"), AREAS, 2,
         "is 51 characters", "at most 50"),
    case("area-huge-number", areas("- id: x", "  name: X", f"  circle: {{lat: 1{'0' * 300}, lon: 0, radius_km: 1}}"),
         AREAS, 3, "is out of range for a latitude"),
    case("area-tiny-radius", areas("- id: x", "  name: X", "  circle: {lat: 51, lon: 0, radius_km: 0.0000001}"),
         AREAS, 3, "at least 0.001"),
    case("area-on-one-line", areas("- id: x", "  name: X", "  polygon: [[51, 0], [51, 1], [51, 2], [51, 0]]"),
         AREAS, 3, "encloses no area"),
    case("area-duplicate-id", areas("- id: x", "  name: X", "  geocodes: {GSS: A}", "- id: x", "  name: Y",
                                    "  geocodes: {GSS: B}"), AREAS, 4, "area id 'x' is used twice"),
    case("area-unquoted-geocode", areas("- id: x", "  name: X", "  geocodes: {SAME: 006037}"), AREAS, 3,
         'write the code in quotes, "006037"'),
    case("area-unknown-key", areas("- id: x", "  name: X", "  polygn: []", "  geocodes: {GSS: A}"), AREAS, 3,
         "unknown key 'polygn'", "did you mean 'polygon'"),
    case("area-not-a-list", {AREAS: "id: x\nname: X\n"}, AREAS, 1, "must be a list of areas", errors=2),
    case("area-coordinate-as-text", areas(*SQUARE, '    - ["51.0", 0.0]', "    - [51.1, 0.0]", "    - [51.1, 0.1]",
                                          '    - ["51.0", 0.0]'), AREAS, 4, "must be a number", "without quotes",
         errors=2),
    # --- a briefing's area -----------------------------------------------------------------------
    case("briefing-area-unknown-id", brief(T, D, "area: testvile"), BRIEFING, 4,
         "unknown area 'testvile'", "did you mean 'testville'"),
    case("briefing-area-list-unknown-id", brief(T, D, "area: [testville, testvile]"), BRIEFING, 4,
         "unknown area 'testvile'"),
    case("briefing-area-list-without-areas-file", {**brief(T, D, "area: [north, south]"), AREAS: None},
         BRIEFING, 4, "content/areas.yaml, which does not exist", warnings=1),
    case("alert-free-text-area-warns", brief(T, D, 'area: "Market Square"', "alert: {}"), BRIEFING, 4,
         CAP_RULE, "no polygon, circle or geocode", severity="warning", errors=0, warnings=1),
    case("alert-without-area-warns", brief(T, D, "alert: {}"), BRIEFING, 4, CAP_RULE,
         severity="warning", errors=0, warnings=1),
    case("alert-long-free-text-area", brief(T, D, f"area: {'Long place name ' * 4}", "alert: {}"), BRIEFING, 4,
         "areaDesc would be area, 63 characters", "at most 50"),
    # --- alert -----------------------------------------------------------------------------------
    case("alert-event-too-long", brief(T, D, "area: testville", "alert:", f"  event: {'x' * 36}"), BRIEFING, 6,
         "alert.event", "is 36 characters", "at most 35"),
    case("alert-category-typo", brief(T, D, "area: testville", "alert:", "  category: Securty"), BRIEFING, 6,
         "did you mean 'Security'"),
    case("alert-severity-typo", brief(T, D, "area: testville", "alert:", "  severity: Sever"), BRIEFING, 6,
         "alert.severity", "did you mean 'Severe'"),
    case("alert-cancel-as-text", brief(T, D, "area: testville", "alert:", '  cancel: "Sent in error"'), BRIEFING,
         6, "alert.cancel", "must be a mapping {at, reason}"),
    case("alert-cancel-without-reason", brief(T, D, "area: testville", "alert:", "  cancel: {at: 2020-01-02}"),
         BRIEFING, 6, "missing required key 'reason'"),
    case("alert-cancel-before-update", brief(T, "date: 2020-01-01T10:00:00", "area: testville", "updates:",
                                             "  - date: 2020-01-01T12:00:00", "    note: x", "alert:", "  cancel:",
                                             "    at: 2020-01-01T11:00:00", "    reason: y"), BRIEFING, 10,
         "alert.cancel.at 2020-01-01T11:00:00+00:00 is not after the update of 2020-01-01T12:00:00+00:00"),
    case("alert-cancel-at-the-briefing-date", brief(T, "date: 2020-01-01T10:00:00", "area: testville", "alert:",
                                                    "  cancel: {at: 2020-01-01T10:00:00, reason: y}"), BRIEFING, 6,
         "is not after the briefing's date"),
    case("alert-onset-after-expires", brief(T, D, "area: testville", "expires: 2020-01-02", "alert:",
                                            "  onset: 2020-01-03"), BRIEFING, 7, "alert.onset is not before the alert expires"),
    case("alert-onset-not-a-date", brief(T, D, "area: testville", "alert:", "  onset: soon"), BRIEFING, 6,
         "alert.onset", "not an ISO 8601 date"),
    case("alert-update-after-expires", brief(T, "date: 2020-01-01T10:00:00", "area: testville", "expires: 2020-01-01T12:00:00",
                                             "updates:", "  - date: 2020-01-01T13:00:00", "    note: x", "alert: {}"),
         BRIEFING, 7, "update is not before expires"),
    case("alert-cancel-after-expires", brief(T, "date: 2020-01-01T10:00:00", "area: testville", "expires: 2020-01-01T12:00:00",
                                             "alert:", "  cancel: {at: 2020-01-01T13:00:00, reason: y}"),
         BRIEFING, 7, "alert.cancel.at is not before expires"),
    case("alert-onset-after-default-expiry", brief(T, "date: 2020-01-01T10:00:00", "area: testville", "alert:",
                                                   "  onset: 2020-01-04T10:00:00"),
         BRIEFING, 6, "alert.onset is not before the alert expires (2020-01-03T10:00:00+00:00)"),
    case("alert-without-description", brief(T, D, "area: testville", "alert: {}", body=""), BRIEFING, 2,
         "a CAP alert needs a description", warnings=1),
    case("area-empty-list", brief(T, D, "area: []"), BRIEFING, 4, "give at least one area"),
    case("area-named-twice", brief(T, D, "area:", "  - testville", "  - testville"), BRIEFING, 6,
         "names 'testville' twice"),
    # --- sent strictly increases along a chain -----------------------------------------------------
    case("update-at-the-briefing-date", brief(T, "date: 2020-01-01T10:00:00", "updates:",
                                              "  - date: 2020-01-01T10:00:00", "    note: x"), BRIEFING, 5,
         "the briefing's own date"),
    case("two-updates-at-once", brief(T, "date: 2020-01-01T10:00:00", "updates:", "  - date: 2020-01-01T11:00:00",
                                      "    note: x", "  - date: 2020-01-01T11:00:00", "    note: y"), BRIEFING, 7,
         "two updates at 2020-01-01T11:00:00+00:00", "updates[1]"),
    # --- site.yaml and the record ------------------------------------------------------------------
    case("alert-by-default-not-boolean", site_yaml("alert_by_default: sometimes"), "site.yaml", SITE_END,
         "alert_by_default", "must be true or false"),
    case("record-stray-file", {"published/patrols/notes.txt": "x"}, "published/patrols/notes.txt", 1,
         "not a recorded CAP message"),
    case("record-bad-folder", {"published/Not A Slug/0.xml": "x"}, "published/Not A Slug", 1,
         "not a briefing's folder"),
    case("record-not-cap", {"published/patrols/0.xml": "<html></html>"}, "published/patrols/0.xml", 1,
         "is not a CAP 1.2 message"),
    case("record-broken-xml", {"published/patrols/0.xml": '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'},
         "published/patrols/0.xml", 1, "is not well-formed XML", "restore it from version control"),
]
# fmt: on


@pytest.mark.parametrize(("files", "path", "line", "words", "severity", "errors", "warnings"), CASES)
def test_bad_area_alert_or_record_is_reported(
    site: SiteDir,
    files: dict[str, str | bytes | None],
    path: str,
    line: int,
    words: tuple[str, ...],
    severity: str,
    errors: int,
    warnings: int,
) -> None:
    check_reports(site, files, path, line, words, severity, errors, warnings)


def test_more_than_six_decimals_is_a_warning(site: SiteDir) -> None:
    site.write(AREAS, "- id: x\n  name: X\n  circle: {lat: 51.12345678, lon: 0, radius_km: 1}\n" + TESTVILLE)
    result = site.run("check")
    assert result.code == 0
    assert f"{AREAS}:3: warning: 51.12345678 has more than 6 decimals" in result.err


def test_a_simple_thousand_point_polygon_is_accepted(site: SiteDir) -> None:
    import math

    ring = [[round(51 + 0.1 * math.sin(2 * math.pi * k / 999), 6), round(0.1 * math.cos(2 * math.pi * k / 999), 6)]
            for k in range(999)]  # fmt: skip
    ring.append(ring[0])
    site.write(AREAS, f"- id: ring\n  name: Ring\n  polygon: {ring}\n" + TESTVILLE)
    result = site.run("check")
    assert result.code == 0, result.err
    assert "error" not in result.err.replace("0 errors", "")
