"""Bad input is reported compiler style (SPEC.md sections 2-5).

Each case writes one bad input into a fresh copy of tests/sites/minimal, runs
``check`` and expects: the right exit status, a ``path:line: severity: `` line at
the line of the offending key or value with the key words of the message, no
traceback, and a correct ``N errors, M warnings`` summary as the last line.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import SITES, Run, SiteDir, tree_digest

from bulletin.cli import main

BRIEFING = "content/briefings/2020-01-01-test.md"
T = 'title: "Test"'  # front matter line 2 in brief(T, D, ...)
D = "date: 2020-01-01"  # front matter line 3 in brief(T, D, ...)
SITE_YAML = (SITES / "minimal" / "site.yaml").read_text(encoding="utf-8")
SITE_END = len(SITE_YAML.splitlines()) + 1  # line of a key appended to site.yaml
LEVEL = (
    "threat_levels:",
    "  - id: low",
    "    label: Low",
    "    meaning: An attack is highly unlikely.",
    "    colour: '#2e7d32'",
    "    cap:",
    "      severity: Minor",
    "      urgency: Future",
    "      certainty: Unlikely",
)
PROBLEM = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<severity>error|warning): (?P<message>.+)$")


def brief(*lines: str, body: str = "Body text.\n", name: str = "2020-01-01-test.md") -> dict[str, str]:
    """A briefing file whose front matter lines start at file line 2."""
    return {f"content/briefings/{name}": "---\n" + "\n".join(lines) + "\n---\n" + body}


def site_yaml(*extra: str, replace: tuple[str, str] | None = None) -> dict[str, str]:
    """The fixture's site.yaml with one value replaced and/or lines appended (from line SITE_END)."""
    text = SITE_YAML.replace(*replace) if replace else SITE_YAML
    if replace:
        assert text != SITE_YAML, f"{replace[0]!r} is not in the fixture's site.yaml"
    return {"site.yaml": text + "".join(line + "\n" for line in extra)}


def summary(errors: int, warnings: int) -> str:
    return f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"


def problem_lines(result: Run) -> list[re.Match[str]]:
    return [m for line in result.lines if (m := PROBLEM.match(line))]


def assert_reported(
    result: Run,
    path: str,
    line: int,
    words: tuple[str, ...],
    *,
    severity: str = "error",
    errors: int = 1,
    warnings: int = 0,
) -> None:
    err = result.err
    assert "Traceback" not in err, err
    assert result.code == (1 if errors else 0), err
    prefix = f"{path}:{line}: {severity}: "
    located = [text for text in result.lines if text.startswith(prefix)]
    assert located, f"no line starts with {prefix!r}:\n{err}"
    assert any(all(word in text for word in words) for text in located), f"no {prefix!r} line has {words}:\n{err}"
    expected = summary(errors, warnings)
    assert expected in result.lines, f"no summary line {expected!r}:\n{err}"
    # The count closes the list of problems; only the one-line report of a good run may follow it.
    index = result.lines.index(expected)
    assert result.lines[index + 1 :] in ([], [result.lines[-1]]), err
    assert index == len(result.lines) - 1 or result.lines[-1].startswith("checked: "), err
    found = problem_lines(result)
    assert sum(m["severity"] == "error" for m in found) == errors, err
    assert sum(m["severity"] == "warning" for m in found) == warnings, err


def case(
    case_id: str,
    files: dict[str, str | bytes | None],
    path: str,
    line: int,
    *words: str,
    errors: int = 1,
    warnings: int = 0,
    severity: str = "error",
    marks: pytest.MarkDecorator | tuple[pytest.MarkDecorator, ...] = (),
) -> object:
    return pytest.param(files, path, line, words, severity, errors, warnings, id=case_id, marks=marks)


# fmt: off
CASES = [
    # --- briefing front matter: keys -------------------------------------------------------------
    case("unknown-key-did-you-mean", brief(T, D, "sumary: Short."), BRIEFING, 4,
         "unknown key 'sumary'", "did you mean 'summary'"),
    case("case-variant-key", brief('Title: "Test"', D), BRIEFING, 2,
         "unknown key 'Title'", "did you mean 'title'", errors=2),
    case("unicode-look-alike-key", brief(T, D, "tïtle: x"), BRIEFING, 4, "unknown key 'tïtle'", "did you mean 'title'"),
    case("missing-title", brief(D), BRIEFING, 1, "missing required key 'title'"),
    case("missing-date", brief(T), BRIEFING, 1, "missing required key 'date'"),
    case("duplicate-key-line-of-second", brief(T, D, "area: North", "area: South"), BRIEFING, 5,
         "duplicate key 'area'", "first at line 4"),
    case("duplicate-nested-key", brief(T, D, "officers:", "  added: 1", "  added: 2"), BRIEFING, 6,
         "duplicate key 'added'", "first at line 5"),
    case("boolean-key", brief(T, D, "yes: 1"), BRIEFING, 4, "key 'yes' must be text", "quotes"),
    case("number-key", brief(T, D, "2024: 1"), BRIEFING, 4, "key '2024' must be text"),
    # --- YAML syntax and safety ------------------------------------------------------------------
    case("yaml-unclosed-quote-last-line", brief(T, D, 'summary: "abc'), BRIEFING, 4,
         "invalid YAML", "quoted value is not closed"),
    case("yaml-unclosed-quote-line-of-quote", brief(T, 'summary: "abc', D, "area: x", "region: y"), BRIEFING, 3,
         "invalid YAML", "not closed"),
    case("yaml-tab-indentation", brief(T, D, "officers:", "\tadded: 3"), BRIEFING, 5, "invalid YAML", "tabs"),
    case("yaml-colon-in-plain-title", brief("title: Flood: update", D), BRIEFING, 2,
         "invalid YAML", "put a value that contains ': ' in quotes"),
    case("yaml-python-object-tag", brief(T, D, 'area: !!python/object/apply:os.system ["echo hi"]'), BRIEFING, 4,
         "YAML tag '!!python/object/apply:os.system' is not allowed"),
    case("yaml-custom-tag", brief(T, D, "area: !custom London"), BRIEFING, 4, "YAML tag '!custom' is not allowed"),
    case("yaml-anchor-and-alias", brief(T, D, "area: &place London", "region: *place"), BRIEFING, 5,
         "YAML aliases (*name) are not allowed"),
    case("yaml-merge-key", brief(T, D, "extra:", "  <<: {a: 1}"), BRIEFING, 5, "merge keys (<<) are not allowed"),
    case("yaml-nesting-5000-lists", brief(T, D, "extra: " + "[" * 5000 + "]" * 5000), BRIEFING, 4,
         "nesting is too deep"),
    case("yaml-nesting-5000-maps", brief(T, D, "extra: " + "{a: " * 5000 + "1" + "}" * 5000), BRIEFING, 4,
         "nesting is too deep"),
    case("yaml-nesting-40-levels", brief(T, D, "extra:", "  x: " + "[" * 40 + "]" * 40), BRIEFING, 5,
         "nested more than 32 levels"),
    case("yaml-control-char-in-front-matter", brief(T, D, 'area: "a\x07b"'), BRIEFING, 4,
         "control character U+0007"),
    # --- dates ----------------------------------------------------------------------------------
    case("date-month-13", brief(T, "date: 2016-13-45"), BRIEFING, 3, "'2016-13-45' is not a real date"),
    case("date-february-30", brief(T, "date: 2016-02-30"), BRIEFING, 3, "'2016-02-30' is not a real date"),
    case("date-quoted-impossible", brief(T, 'date: "2016-13-45"'), BRIEFING, 3, "date:", "not an ISO 8601 date"),
    case("date-not-iso", brief(T, "date: next Tuesday"), BRIEFING, 3, "'next Tuesday' is not an ISO 8601 date"),
    case("date-as-number", brief(T, "date: 20160803"), BRIEFING, 3, "date:", "20160803"),
    case("date-hour-25", brief(T, "date: 2016-08-03T25:00:00"), BRIEFING, 3, "not a real date"),
    case("date-year-1899", brief(T, "date: 1899-01-01"), BRIEFING, 3, "year 1899 is out of range"),
    case("date-in-clock-change-gap", brief(T, "date: 2016-03-27T01:30:00"), BRIEFING, 3,
         "does not exist in Europe/London", "clocks change"),
    case("date-year-9999-with-offset", brief(T, 'date: "9999-12-31T23:59:59-12:00"'), BRIEFING, 3, "out of range"),
    case("publish-at-not-iso", brief(T, D, "publish_at: soon"), BRIEFING, 4, "publish_at:", "'soon'"),
    case("update-before-briefing", brief(T, D, "updates:", "  - date: 2019-12-31", "    note: Earlier."), BRIEFING, 5,
         "update is dated before the briefing's date"),
    case("update-without-note", brief(T, D, "updates:", "  - date: 2020-01-02"), BRIEFING, 5,
         "missing required key 'note' in updates[1]"),
    case("expires-before-date", brief(T, D, "expires: 2019-12-31"), BRIEFING, 4, "expires must be after"),
    case("expires-equal-to-date", brief(T, D, "expires: 2020-01-01"), BRIEFING, 4, "expires must be after"),
    # --- officers --------------------------------------------------------------------------------
    case("officers-total-with-thousands-comma", brief(T, D, "officers:", "  added: 600", '  total: "2,800"'),
         BRIEFING, 6, "officers.total", "'2,800' is text", "write 2800"),
    case("officers-negative", brief(T, D, "officers:", "  added: -5"), BRIEFING, 5, "must not be negative"),
    case("officers-float", brief(T, D, "officers:", "  added: 3.5"), BRIEFING, 5, "whole number", "3.5"),
    case("officers-whole-float", brief(T, D, "officers:", "  total: 2800.0"), BRIEFING, 5, "write 2800"),
    case("officers-yes-as-count", brief(T, D, "officers:", "  added: yes"), BRIEFING, 5,
         "must be a whole number", "`yes`"),
    case("officers-underscore-digits", brief(T, D, "officers:", "  total: 2_800"), BRIEFING, 5,
         "`2_800`", "plain digits"),
    case("officers-sexagesimal", brief(T, D, "officers:", "  total: 1:30"), BRIEFING, 5, "`1:30`", "90"),
    case("officers-octal-leading-zero", brief(T, D, "officers:", "  added: 010", "  total: 10"), BRIEFING, 5,
         "010"),
    case("officers-do-not-add-up",
         brief(T, D, "officers:", "  added: 600", "  total: 2900", "  previous: 2200"), BRIEFING, 7,
         "do not add up", "previous 2200 + added 600 = 2800", "total is 2900"),
    case("officers-total-below-added", brief(T, D, "officers:", "  added: 600", "  total: 500"), BRIEFING, 6,
         "officers.total (500) is less than officers.added (600)"),
    case("officers-previous-alone", brief(T, D, "officers:", "  previous: 2200"), BRIEFING, 5,
         "officers.previous needs officers.added and officers.total"),
    case("officers-not-a-mapping", brief(T, D, "officers: 600"), BRIEFING, 4, "officers must be a mapping"),
    # --- threat level, people, quotes -------------------------------------------------------------
    case("threat-level-typo", brief(T, D, "threat_level: sever"), BRIEFING, 4,
         "'sever' is not one of low, moderate, substantial, severe, critical", "did you mean 'severe'"),
    case("threat-level-list", brief(T, D, "threat_level: [severe]"), BRIEFING, 4, "threat_level", "got a list"),
    case("unknown-spokesperson", brief(T, D, "spokespeople: [jane-doe, sam-rowe]"), BRIEFING, 4,
         "unknown person 'sam-rowe'", "did you mean 'sam-roe'"),
    case("spokespeople-not-a-list", brief(T, D, "spokespeople: jane-doe"), BRIEFING, 4, "must be a list"),
    case("quote-by-not-in-spokespeople",
         brief(T, D, "spokespeople: [jane-doe]", "quotes:", "  - by: sam-roe", '    text: "Body text"'), BRIEFING, 6,
         "quote by 'sam-roe' who is not in spokespeople"),
    case("quote-by-not-an-id",
         brief(T, D, "spokespeople: [jane-doe]", "quotes:", "  - by: Jane Doe", "    text: x"), BRIEFING, 6,
         "quotes[1].by", "'Jane Doe'"),
    case("quote-not-in-body-is-a-warning",
         brief(T, D, "spokespeople: [jane-doe]", "quotes:", "  - by: jane-doe", '    text: "Never said"'),
         BRIEFING, 7, "quote by 'jane-doe' does not appear in the body", severity="warning", errors=0, warnings=1),
    # --- YAML 1.1 surprises in text fields ------------------------------------------------------
    case("area-NO-read-as-false", brief(T, D, "area: NO"), BRIEFING, 4,
         "YAML read `NO` as the boolean false", 'put it in quotes: "NO"'),
    case("title-10-00-read-as-600", brief("title: 10:00", D), BRIEFING, 2, "`10:00`", "600", "quotes"),
    case("region-yes-read-as-true", brief(T, D, "region: yes"), BRIEFING, 4, "`yes`", "true", "quotes"),
    case("title-2024-read-as-number", brief("title: 2024", D), BRIEFING, 2, "`2024`", "the number 2024", "quotes"),
    case("tag-NO-in-list", brief(T, D, "tags: [Policing, NO]"), BRIEFING, 4, "tags[2]", "`NO`", "quotes"),
    case("slug-read-as-number", brief(T, D, "slug: 123"), BRIEFING, 4, "slug:", "`123`", "quotes"),
    case("title-empty-string", brief('title: ""', D), BRIEFING, 2, "title: is empty"),
    case("title-null", brief("title:", D), BRIEFING, 2, "title: is empty"),
    case("title-blank", brief('title: "   "', D), BRIEFING, 2, "title: is empty"),
    case("title-on-two-lines", brief("title: |", "  a", "  b", D), BRIEFING, 2, "must be on one line"),
    case("draft-as-text", brief(T, D, 'draft: "yes"'), BRIEFING, 4, "draft: must be true or false"),
    case("tags-single-string", brief(T, D, 'tags: "single string"'), BRIEFING, 4, "tags: must be a list"),
    case("tag-without-letters", brief(T, D, 'tags: ["!!!"]'), BRIEFING, 4, "'!!!' has no letters a-z or digits 0-9"),
    case("extra-not-a-mapping", brief(T, D, "extra: 5"), BRIEFING, 4, "extra: must be a mapping"),
    # --- whole-file shape, encoding -----------------------------------------------------------------
    case("front-matter-is-a-list", brief("- a", "- b"), BRIEFING, 2, "front matter must be a mapping", "a list"),
    case("front-matter-is-a-scalar", brief("just some text"), BRIEFING, 2, "front matter must be a mapping"),
    case("front-matter-empty", {BRIEFING: "---\n---\nBody.\n"}, BRIEFING, 1, "front matter must be a mapping"),
    case("front-matter-not-closed", {BRIEFING: f"---\n{T}\n{D}\nBody.\n"}, BRIEFING, 1, "front matter is not closed"),
    case("no-front-matter", {BRIEFING: "# Just Markdown\n\nBody.\n"}, BRIEFING, 1, "missing front matter", "'---'"),
    case("empty-file", {BRIEFING: ""}, BRIEFING, 1, "file is empty"),
    case("whitespace-only-file", {BRIEFING: "  \n\n \t\n"}, BRIEFING, 1, "file is empty"),
    case("windows-1252-byte-line-3", {BRIEFING: b"---\ntitle: T\narea: Caf\xe9\ndate: 2020-01-01\n---\nBody\n"},
         BRIEFING, 3, "not valid UTF-8", "0xe9"),
    case("utf-16-file", {BRIEFING: f"---\n{T}\n{D}\n---\nBody\n".encode("utf-16")}, BRIEFING, 1, "UTF-16"),
    case("nul-in-body", brief(T, D, body="\nFirst.\n\nSecond\x00 line.\n"), BRIEFING, 8, "control character U+0000"),
    case("bell-in-body", brief(T, D, body="Ding\x07\n"), BRIEFING, 5, "control character U+0007"),
    case("crlf-error-keeps-line", {BRIEFING: b"---\r\ntitle: T\r\ndate: 2020-01-01\r\n\r\nthreat_level: sever\r\n"
                                              b"---\r\nBody\r\n"}, BRIEFING, 5, "did you mean 'severe'"),
    case("bom-and-crlf-error-keeps-line", {BRIEFING: b"\xef\xbb\xbf---\r\ntitle: T\r\ndate: 2020-01-01\r\n"
                                                     b"sumary: x\r\n---\r\nBody\r\n"}, BRIEFING, 4,
         "unknown key 'sumary'"),
    case("unsafe-html-in-body-is-a-warning", brief(T, D, body="Hello.\n\n<script>alert(1)</script>\n"),
         BRIEFING, 7, "unsafe HTML removed", "<script>", severity="warning", errors=0, warnings=1),
    case("invisible-character-is-a-warning", brief(T, D, 'area: "Lon\u200bdon"'), BRIEFING, 4, "U+200B",
         severity="warning", errors=0, warnings=1),
    # --- slugs --------------------------------------------------------------------------------------
    case("slug-path-traversal", brief(T, D, "slug: ../../etc"), BRIEFING, 4, "'../../etc' may contain only a-z"),
    case("slug-with-slash", brief(T, D, 'slug: "a/b"'), BRIEFING, 4, "'a/b' may contain only a-z"),
    case("slug-windows-reserved", brief(T, D, "slug: con"), BRIEFING, 4, "reserved file name on Windows"),
    case("slug-upper-case", brief(T, D, "slug: UPPER"), BRIEFING, 4, "'UPPER' may contain only a-z"),
    case("slug-double-dash", brief(T, D, 'slug: "a--b"'), BRIEFING, 4, "'a--b'", "single '-'"),
    case("slug-same-as-other-briefing", brief(T, D, "slug: patrols"), BRIEFING, 4,
         "slug 'patrols' is also used by content/briefings/2016-08-03-patrols.md"),
    case("file-name-slugifies-to-nothing", brief(T, D, name="2020-01-01-!!!.md"),
         "content/briefings/2020-01-01-!!!.md", 2, "cannot make a slug from the file name", "add slug:"),
    case("file-name-windows-reserved", brief(T, D, name="2020-01-01-con.md"), "content/briefings/2020-01-01-con.md",
         2, "'con' is a reserved file name on Windows"),
    # --- alert, sources -----------------------------------------------------------------------------
    case("alert-true", brief(T, D, "alert: true"), BRIEFING, 4, "alert: must be false", "or a mapping"),
    case("alert-null", brief(T, D, "alert:"), BRIEFING, 4, "alert: must be false"),
    case("alert-status-typo", brief(T, D, "alert:", "  status: Excercise"), BRIEFING, 5,
         "'Excercise' is not one of Actual, Exercise, Test", "did you mean 'Exercise'"),
    case("alert-status-lower-case", brief(T, D, "alert:", "  status: actual"), BRIEFING, 5, "did you mean 'Actual'"),
    case("alert-response-typo", brief(T, D, "alert:", "  response: Evacaute"), BRIEFING, 5,
         "alert.response", "did you mean 'Evacuate'"),
    case("alert-unknown-key", brief(T, D, "alert:", "  statsu: Actual"), BRIEFING, 5,
         "unknown key 'statsu'", "did you mean 'status'"),
    case("source-javascript-url", brief(T, D, "sources:", "  - title: X", '    url: "javascript:alert(1)"'),
         BRIEFING, 6, "sources[1].url", "http:// or https://"),
    case("source-missing-url", brief(T, D, "sources:", "  - title: X"), BRIEFING, 5,
         "missing required key 'url' in sources[1]"),
    # --- people ---------------------------------------------------------------------------------------
    case("person-unknown-key", {"content/people/jane-doe.yaml": 'name: "Jane"\nrole: Chief\norganisaton: "X"\n'},
         "content/people/jane-doe.yaml", 3, "unknown key 'organisaton'", "did you mean 'organisation'"),
    case("person-missing-name", {"content/people/jane-doe.yaml": "role: Chief\n"}, "content/people/jane-doe.yaml", 1,
         "missing required key 'name'"),
    case("person-id-with-space", {"content/people/Jane Doe.yaml": "name: Jane\n"}, "content/people/Jane Doe.yaml", 1,
         "person id 'Jane Doe'", "rename it jane-doe.yaml"),
    case("person-id-upper-case", {"content/people/JaneDoe.yaml": "name: Jane\n"}, "content/people/JaneDoe.yaml", 1,
         "person id 'JaneDoe'"),
    case("person-yaml-syntax", {"content/people/jane-doe.yaml": "name: Jane\nrole: [Chief\n"},
         "content/people/jane-doe.yaml", 3, "invalid YAML"),
    case("person-yaml-colon", {"content/people/jane-doe.yaml": "name: Jane\nrole: Chief: Police\n"},
         "content/people/jane-doe.yaml", 2, "invalid YAML", "quotes"),
    case("person-file-is-a-list", {"content/people/jane-doe.yaml": "- Jane\n"}, "content/people/jane-doe.yaml", 1,
         "a person file must be a mapping"),
    case("person-file-empty", {"content/people/jane-doe.yaml": ""}, "content/people/jane-doe.yaml", 1,
         "file is empty"),
    case("person-file-not-utf8", {"content/people/jane-doe.yaml": b"name: Jane\nrole: Jos\xe9\n"},
         "content/people/jane-doe.yaml", 2, "not valid UTF-8"),
    # --- pages ------------------------------------------------------------------------------------------
    case("page-missing-title", {"content/pages/about.md": "---\nmenu: 1\n---\nx\n"}, "content/pages/about.md", 1,
         "missing required key 'title'"),
    case("page-unknown-key", {"content/pages/about.md": "---\ntitle: About\nmneu: 1\n---\nx\n"},
         "content/pages/about.md", 3, "unknown key 'mneu'", "did you mean 'menu'"),
    case("page-menu-not-a-number", {"content/pages/about.md": "---\ntitle: About\nmenu: first\n---\nx\n"},
         "content/pages/about.md", 3, "menu: must be a whole number"),
    case("page-file-name-reserved", {"content/pages/tags.md": "---\ntitle: Tags\n---\nx\n"},
         "content/pages/tags.md", 1, "page slug 'tags' is used by Bulletin itself"),
    case("page-slug-reserved", {"content/pages/about.md": "---\ntitle: About\nmenu: 1\nslug: briefings\n---\nx\n"},
         "content/pages/about.md", 4, "page slug 'briefings' is used by Bulletin itself"),
    case("page-slug-twice", {"content/pages/about2.md": "---\ntitle: Second\nslug: about\n---\nx\n"},
         "content/pages/about2.md", 3, "about", "content/pages/about.md"),
    case("page-file-name-windows-reserved", {"content/pages/con.md": "---\ntitle: Con\n---\nx\n"},
         "content/pages/con.md", 1, "reserved file name on Windows"),
    # --- content/threat-levels.yaml ------------------------------------------------------------------
    case("timeline-unknown-level",
         {"content/threat-levels.yaml": "- level: severe\n  since: 2014-08-29\n- level: critcal\n  since: 2017-05-23\n"},
         "content/threat-levels.yaml", 3, "'critcal' is not one of", "did you mean 'critical'"),
    case("timeline-not-a-list", {"content/threat-levels.yaml": "level: severe\nsince: 2014-08-29\n"},
         "content/threat-levels.yaml", 1, "must be a list of {level, since, note}"),
    case("timeline-empty-list", {"content/threat-levels.yaml": "[]\n"}, "content/threat-levels.yaml", 1,
         "must be a list"),
    case("timeline-unknown-key", {"content/threat-levels.yaml": "- level: severe\n  snce: 2014-08-29\n"},
         "content/threat-levels.yaml", 2, "unknown key 'snce'", "did you mean 'since'", errors=2),
    case("timeline-two-changes-one-day",
         {"content/threat-levels.yaml": "- level: severe\n  since: 2014-08-29\n- level: critical\n  since: 2014-08-29\n"},
         "content/threat-levels.yaml", 4, "two changes on 2014-08-29"),
    case("timeline-differs-from-briefing-is-a-warning",
         {"content/threat-levels.yaml": "- level: severe\n  since: 2014-08-29\n- level: critical\n  since: 2017-05-23\n"
                                        "- level: substantial\n  since: 2018-01-01\n"},
         "content/briefings/2018-01-10-routine.md", 4, "'severe' differs from 'substantial'",
         "in force since 2018-01-01", severity="warning", errors=0, warnings=1),
    case("timeline-year-9999-with-offset",
         {"content/threat-levels.yaml": '- level: severe\n  since: "9999-12-31T23:59:59-12:00"\n'},
         "content/threat-levels.yaml", 2, "out of range"),
    # --- site.yaml -------------------------------------------------------------------------------------
    case("site-unknown-key", site_yaml("per_pgae: 3"), "site.yaml", SITE_END,
         "unknown key 'per_pgae'", "did you mean 'per_page'"),
    case("site-missing-title", site_yaml(replace=('title: "Test Briefings"\n', "")), "site.yaml", 1,
         "missing required key 'title'"),
    case("site-missing-base-url", site_yaml(replace=('base_url: "https://test.example.org/"\n', "")), "site.yaml",
         1, "missing required key 'base_url'"),
    case("site-bad-timezone", site_yaml(replace=("Europe/London", "Europe/Londn")), "site.yaml", 5,
         "'Europe/Londn' is not an IANA time zone"),
    case("site-timezone-path", site_yaml(replace=("Europe/London", "../../etc/passwd")), "site.yaml", 5,
         "not an IANA time zone"),
    case("site-bad-language", site_yaml(replace=("en-GB", "en_GB")), "site.yaml", 4, "'en_GB' is not a BCP 47"),
    case("site-base-url-without-scheme", site_yaml(replace=('"https://test.example.org/"', "test.example.org")),
         "site.yaml", 3, "base_url", "http:// or https://"),
    case("site-per-page-zero", site_yaml(replace=("per_page: 2", "per_page: 0")), "site.yaml", 6,
         "per_page: must be at least 1"),
    case("site-per-page-text", site_yaml(replace=("per_page: 2", 'per_page: "10"')), "site.yaml", 6,
         "per_page", "write 10"),
    case("site-missing-organisation-name", site_yaml(replace=('  name: "Test Press Office"\n', "")), "site.yaml", 7,
         "missing required key 'name' in organisation"),
    case("site-menu-javascript-url", site_yaml("  - title: Bad", "    url: javascript:alert(1)"), "site.yaml",
         SITE_END + 1, "menu[2].url"),
    case("site-colour-not-hex", site_yaml(*LEVEL[:4], "    colour: red", *LEVEL[5:]), "site.yaml", SITE_END + 4,
         "threat_levels[1].colour", "'red' must be a hex colour"),
    case("site-colour-unquoted-hash", site_yaml(*LEVEL[:4], "    colour: #2e7d32", *LEVEL[5:]), "site.yaml",
         SITE_END + 4, "colour", "quote"),
    case("site-cap-severity-not-cap", site_yaml(*LEVEL[:6], "      severity: High", *LEVEL[7:]), "site.yaml",
         SITE_END + 6, "cap.severity", "'High' is not one of Extreme, Severe, Moderate, Minor, Unknown"),
    case("site-cap-severity-typo", site_yaml(*LEVEL[:6], "      severity: Sever", *LEVEL[7:]), "site.yaml",
         SITE_END + 6, "did you mean 'Severe'"),
    case("site-threat-level-id-twice", site_yaml(*LEVEL, *LEVEL[1:]), "site.yaml", SITE_END + 9,
         "threat level id 'low' is used twice"),
    case("site-threat-levels-empty", site_yaml("threat_levels: []"), "site.yaml", SITE_END,
         "give at least one level"),
    case("site-threat-levels-not-a-list", site_yaml("threat_levels: severe"), "site.yaml", SITE_END,
         "threat_levels: must be a list"),
    case("site-yaml-syntax", site_yaml("description: Safety: first"), "site.yaml", SITE_END, "invalid YAML"),
    case("site-yaml-is-a-list", {"site.yaml": "- title\n"}, "site.yaml", 1, "site.yaml must be a mapping"),
    case("site-yaml-empty", {"site.yaml": ""}, "site.yaml", 1, "file is empty"),
    case("site-yaml-missing", {"site.yaml": None}, "site.yaml", 1, "no site.yaml in", "--site"),
]
# fmt: on


@pytest.mark.parametrize(("files", "path", "line", "words", "severity", "errors", "warnings"), CASES)
def test_bad_input_is_reported(
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


def check_reports(
    site: SiteDir,
    files: dict[str, str | bytes | None],
    path: str,
    line: int,
    words: tuple[str, ...],
    severity: str,
    errors: int,
    warnings: int,
) -> None:
    """Write (or, for None, delete) ``files``, run ``check`` and assert the located report."""
    for rel, content in files.items():
        if content is None:
            (site.root / rel).unlink()
        else:
            site.write(rel, content)
    result = site.run("check")
    assert_reported(result, path, line, words, severity=severity, errors=errors, warnings=warnings)


# --- accepted input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(f"\ufeff---\n{T}\n{D}\n---\nBody.\n".encode(), id="utf8-bom"),
        pytest.param(f"---\r\n{T}\r\n{D}\r\n---\r\nBody.\r\n".encode(), id="crlf"),
        pytest.param(f"\ufeff---\r\n{T}\r\n{D}\r\n---\r\nBody.\r\n".encode(), id="bom-and-crlf"),
        pytest.param(f"--- \n{T}\n{D}\n---\t\nBody.\n".encode(), id="fences-with-trailing-space"),
    ],
)
def test_bom_and_crlf_are_accepted(site: SiteDir, data: bytes) -> None:
    site.write(BRIEFING, data)
    result = site.run("check")
    assert result.code == 0, result.err
    assert problem_lines(result) == [], result.err
    assert result.lines[-2:] == ["0 errors, 0 warnings", result.lines[-1]], result.err
    assert result.lines[-1].startswith("checked: "), result.err


# --- several problems ----------------------------------------------------------------------------


def test_all_errors_in_one_file_are_reported(site: SiteDir) -> None:
    site.write(
        BRIEFING,
        "---\n"
        "title: 10:00\n"  # 2
        "date: 2016-02-30\n"  # 3
        "sumary: x\n"  # 4
        "threat_level: sever\n"  # 5
        "officers:\n"
        '  total: "2,800"\n'  # 7
        "spokespeople: [sam-rowe]\n"  # 8
        "area: NO\n"  # 9
        "slug: con\n"  # 10
        "extra: 5\n"  # 11
        "---\nBody.\n",
    )
    result = site.run("check")
    assert result.code == 1
    assert "Traceback" not in result.err
    found = problem_lines(result)
    assert [(m["path"], int(m["line"])) for m in found] == [(BRIEFING, n) for n in (2, 3, 4, 5, 7, 8, 9, 10, 11)]
    messages = [m["message"] for m in found]
    for word, message in zip(
        ("600", "2016-02-30", "sumary", "severe", "2800", "sam-roe", "NO", "Windows", "mapping"), messages, strict=True
    ):
        assert word in message, result.err
    assert result.lines[-1] == "9 errors, 0 warnings"


def test_errors_in_several_files_are_sorted_by_path_then_line(site: SiteDir) -> None:
    site.write("content/people/sam-roe.yaml", "name: Sam\norganisaton: City\n")
    site.briefing(f"{T}\n{D}\nthreat_level: sever", name="2020-01-01-b.md")
    site.briefing(f"{T}\n{D}\narea: X Town\nregion: y\nsumary: x\nslug: UPPER", name="2019-01-01-a.md")
    site.briefing(f"{T}\n{D}\nextra: 5", name="sub/2021-01-01-c.md")
    site.write("content/pages/about.md", "---\nmneu: 1\n---\nx\n")
    result = site.run("check")
    assert result.code == 1
    assert "Traceback" not in result.err
    found = [(m["path"], int(m["line"])) for m in problem_lines(result)]
    assert found == [
        ("content/briefings/2019-01-01-a.md", 6),
        ("content/briefings/2019-01-01-a.md", 7),
        ("content/briefings/2020-01-01-b.md", 4),
        ("content/briefings/sub/2021-01-01-c.md", 4),
        ("content/pages/about.md", 1),
        ("content/pages/about.md", 2),
        ("content/people/sam-roe.yaml", 2),
    ], result.err
    assert found == sorted(found)
    assert result.lines[-1] == "7 errors, 0 warnings"


def test_duplicate_slug_error_names_both_files(site: SiteDir) -> None:
    site.briefing(f"{T}\n{D}", name="2019-01-01-patrols.md")
    result = site.run("check")
    assert_reported(
        result,
        "content/briefings/2019-01-01-patrols.md",
        1,
        ("slug 'patrols'", "content/briefings/2016-08-03-patrols.md", "briefings/patrols/"),
    )


# --- warnings and --strict -------------------------------------------------------------------------


def test_quote_warning_fails_with_strict(site: SiteDir) -> None:
    site.briefing(f'{T}\n{D}\nspokespeople: [jane-doe]\nquotes:\n  - by: jane-doe\n    text: "Never said"')
    relaxed = site.run("check")
    assert relaxed.code == 0, relaxed.err
    strict = site.run("check", "--strict")
    assert strict.code == 1, strict.err
    assert f"{BRIEFING}:7: warning: quote by 'jane-doe' does not appear in the body" in strict.lines
    assert "0 errors, 1 warning" in strict.lines
    assert "--strict" in strict.lines[-1]
    assert "Traceback" not in strict.err


def test_quote_matching_ignores_case_quotes_and_punctuation(site: SiteDir) -> None:
    site.briefing(
        f"{T}\n{D}\nspokespeople: [jane-doe]\nquotes:\n  - by: jane-doe\n    text: \u201cwe WILL   stay calm!\u201d",
        body='She said: "We will stay calm."\n',
    )
    result = site.run("check", "--strict")
    assert result.code == 0, result.err
    assert problem_lines(result) == []


# --- YAML alias bomb -------------------------------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    lines = ["extra:", "  a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        name, prev = f"n{i}", "a" if i == 1 else f"n{i - 1}"
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


def test_alias_bomb_is_refused_quickly(site: SiteDir) -> None:
    site.briefing(f"{T}\n{D}\n{_alias_bomb(12)}")  # 9**12 items if expanded
    started = time.perf_counter()
    result = site.run("check")
    elapsed = time.perf_counter() - started
    assert elapsed < 2, f"took {elapsed:.1f} s"
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"{BRIEFING}:6: error: YAML aliases (*name) are not allowed; repeat the value instead" in result.lines
    assert re.fullmatch(r"\d+ errors, 0 warnings", result.lines[-1]), result.err


def test_summary_counts_what_is_listed(site: SiteDir) -> None:
    site.briefing(f"{T}\n{D}\nextra: &a {{k: 1}}\nregion: [*a, *a, *a]")
    result = site.run("check")
    found = problem_lines(result)
    errors = sum(m["severity"] == "error" for m in found)
    assert result.lines[-1] == summary(errors, 0), result.err


# --- output_dir that would destroy sources ------------------------------------------------------------


@pytest.mark.parametrize("output_dir", ["content", "content/briefings", ".", ".."])
def test_build_refuses_output_dir_over_sources(site: SiteDir, output_dir: str) -> None:
    site.write("site.yaml", SITE_YAML + f"output_dir: {output_dir}\n")
    before = tree_digest(site.root.parent)
    result = site.run("build")
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert any(line.startswith("site.yaml:") and "output folder" in line for line in result.lines), result.err
    assert "1 error, 0 warnings" in result.lines
    assert tree_digest(site.root.parent) == before
    assert not site.public.exists()


def test_output_dir_error_points_at_its_line(site: SiteDir) -> None:
    site.write("site.yaml", SITE_YAML + "output_dir: content\n")
    result = site.run("build")
    assert any(line.startswith(f"site.yaml:{SITE_END}: error: output folder") for line in result.lines), result.err


# --- command line ----------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run main() with argparse's SystemExit turned into an exit status."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("frobnicate",), "invalid choice", id="unknown-command"),
        pytest.param(("check", "--bogus"), "--bogus", id="unknown-option"),
        pytest.param(("check", "--now", "nonsense"), "--now", id="now-nonsense"),
        pytest.param(("check", "--now", "2020-13-01"), "--now", id="now-month-13"),
        pytest.param(("check", "--jobs", "0"), "--jobs", id="jobs-zero"),
        pytest.param(("check", "--base-url", "example.org"), "--base-url", id="base-url-without-scheme"),
        pytest.param(("new", "briefing"), "new briefing", id="new-briefing-without-title"),
        pytest.param(("new",), "new briefing", id="new-without-kind"),
        pytest.param(("check", "stray"), "unexpected arguments", id="check-with-argument"),
        pytest.param(
            ("check", "--now", "9999-12-31T23:59:59-12:00"),
            "--now",
            id="now-beyond-year-9999",
        ),
    ],
)
def test_usage_errors_exit_2(
    site: SiteDir, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], words: str
) -> None:
    before = tree_digest(site.root)
    result = run_cli(capsys, *args, "--site", str(site.root))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert words in result.err
    assert tree_digest(site.root) == before


def test_missing_site_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "--site", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "no such folder" in result.err


def test_help_exits_0_and_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--help")
    assert result.code == 0
    assert "check" in result.out
    assert "new" in result.out
    assert "--strict" in result.out


@pytest.mark.parametrize(
    "rel, text, line",
    [
        ("content/briefings/2020-01-01-x.md", "---\ntitle: 2016-02-30\ndate: 2020-01-01\n---\nx\n", 2),
        ("content/briefings/2020-01-01-x.md", "---\ntitle: !!python/name:os.system\ndate: 2020-01-01\n---\nx\n", 2),
        ("content/briefings/2020-01-01-x.md", "---\ntitle: T\ndate: 2020-01-01\nupdates: [{date: 2016-02-30, note: x}]\n---\nx\n", 4),
        ("content/briefings/2020-01-01-x.md", '---\ntitle: T\ndate: 2020-01-01\nsources: [{title: !!int x, url: "https://a.b/"}]\n---\nx\n', 4),
        ("content/briefings/2020-01-01-x.md", "---\ntitle: T\ndate: 2020-01-01\nspokespeople: [jane-doe]\nquotes: [{by: !!binary aGk=, text: x}]\n---\nx\n", 5),
        ("content/pages/about.md", "---\ntitle: 2016-02-30\n---\nx\n", 2),
        ("content/people/jane-doe.yaml", "name: !!binary aGk=\n", 1),
        ("site.yaml", "title: !!python/name:os.system\nbase_url: https://a.b/\norganisation: {name: O}\n", 1),
        ("site.yaml", "title: T\nbase_url: https://a.b/\norganisation: {name: !!str2 O}\n", 3),
    ],
    ids=["title-bad-date", "title-python-tag", "update-bad-date", "source-bad-tag", "quote-by-binary",
         "page-title-bad-date", "person-name-binary", "site-title-tag", "organisation-name-tag"],
)  # fmt: skip
def test_unreadable_values_on_required_keys_are_errors_not_crashes(
    site: SiteDir, rel: str, text: str, line: int
) -> None:
    site.write(rel, text)
    for command in ("check", "build"):
        result = site.run(command)
        assert result.code == 1, result.err
        assert "Traceback" not in result.err
        assert any(x.startswith(f"{rel}:{line}: error: ") for x in result.lines), result.err
