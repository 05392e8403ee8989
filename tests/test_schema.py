"""JSON Schemas for editors (bulletin/schema.py) and docs/editor-support.md.

The schemas are generated from the validator's own declarations; these tests check that the result
agrees with ``check`` both ways: the example site passes both, and typical mistakes fail both.

Files are read with the project's YAML loader (bulletin/yamlsafe.py), which reads YAML 1.1 and so
turns an unquoted ``2016-08-03`` into a date. An editor's YAML extension reads YAML 1.2, where that
is the text "2016-08-03", and validates that text against the schema. :func:`as_editor_sees` makes
the same change (dates and date-times back to their ISO 8601 text) so the schema is tested on what
an editor gives it. The other 1.1/1.2 differences (``yes``, ``0755``) do not occur in these files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from conftest import REPO, SITES, SiteDir

import bulletin.cli
from bulletin import fields as f
from bulletin.config import _colour, _language, _timezone
from bulletin.content.areas import _polygon
from bulletin.errors import Problems
from bulletin.schema import AREAS, BRIEFING, PERSON, SITE, TRANSLATION, describe, schemas, write_schemas
from bulletin.sourcefile import decode, split_front_matter
from bulletin.yamlsafe import YamlDoc, load_yaml

DOC = REPO / "docs" / "editor-support.md"
NAMES = {BRIEFING, TRANSLATION, PERSON, AREAS, SITE}
PATTERN_GROUPS = {"file": 1, "line": 2, "severity": 3, "message": 4}


def as_editor_sees(value: Any) -> Any:
    """A value loaded by yamlsafe as JSON, the way a YAML 1.2 editor extension reads the same text."""
    if isinstance(value, dict):
        return {key: as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load_for_schema(root: Path, rel: str) -> Any:
    """The YAML of a site file (a Markdown file's front matter) as an editor gives it to a schema."""
    text, problems = decode((root / rel).read_bytes(), rel)
    assert text is not None, problems
    first_line = 1
    if rel.endswith(".md"):
        split, problems = split_front_matter(text, rel)
        assert split is not None, problems
        text, first_line = split.front_matter, split.front_matter_line
    doc, problems = load_yaml(text, rel, first_line)
    assert doc is not None and not problems, problems
    return as_editor_sees(doc.value)


def schema_for(rel: str) -> str:
    if rel == "site.yaml":
        return SITE
    if rel == "content/areas.yaml":
        return AREAS
    if rel.startswith("content/people/"):
        return PERSON
    assert rel.startswith("content/briefings/"), rel
    return TRANSLATION if "." in Path(rel).stem else BRIEFING


def site_files(root: Path) -> list[str]:
    """Every file of a site that one of the schemas covers."""
    found = ["site.yaml"]
    if (root / "content" / "areas.yaml").exists():
        found.append("content/areas.yaml")
    found += sorted(p.relative_to(root).as_posix() for p in (root / "content" / "people").glob("*.yaml"))
    found += sorted(p.relative_to(root).as_posix() for p in (root / "content" / "briefings").rglob("*.md"))
    return found


def schema_errors(schema: dict[str, Any], value: Any) -> list[jsonschema.ValidationError]:
    validator = jsonschema.Draft7Validator(schema)
    return sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))


def show(errors: list[jsonschema.ValidationError]) -> str:
    return "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors)


@pytest.fixture(scope="module")
def example_schemas() -> dict[str, dict[str, Any]]:
    return schemas(REPO)


# --- the example site ------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", site_files(REPO))
def test_every_file_of_the_example_site_passes_its_schema(rel: str, example_schemas: dict[str, Any]) -> None:
    errors = schema_errors(example_schemas[schema_for(rel)], load_for_schema(REPO, rel))
    assert not errors, show(errors)


def test_the_minimal_fixture_site_passes_its_schemas() -> None:
    generated = schemas(SITES / "minimal")
    for rel in site_files(SITES / "minimal"):
        errors = schema_errors(generated[schema_for(rel)], load_for_schema(SITES / "minimal", rel))
        assert not errors, f"{rel}:\n{show(errors)}"


def test_the_schemas_are_draft_07_and_every_key_and_pattern_is_explained(example_schemas: dict[str, Any]) -> None:
    """Every key has a description (shown on hover), every pattern a message in the validator's words
    (an editor would otherwise show the regular expression)."""
    assert set(example_schemas) == NAMES
    undescribed = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, prop in node.get("properties", {}).items():
                if not prop.get("description"):
                    undescribed.append(f"{where}/{key}")
            if "pattern" in node and not node.get("patternErrorMessage"):
                undescribed.append(f"{where}: pattern {node['pattern']}")
            for key, item in node.items():
                walk(item, f"{where}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}/{index}")

    for name, schema in example_schemas.items():
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        jsonschema.Draft7Validator.check_schema(schema)
        walk(schema, name)
    assert not undescribed


def test_a_site_gives_its_own_ids_and_no_site_gives_any_id(example_schemas: dict[str, Any]) -> None:
    briefing = example_schemas[BRIEFING]["properties"]
    assert briefing["threat_level"]["enum"] == ["low", "moderate", "substantial", "severe", "critical"]
    assert briefing["threat_level"]["enumDescriptions"][3] == "Severe: An attack is highly likely."
    people = sorted(p.stem for p in (REPO / "content" / "people").glob("*.yaml"))
    assert briefing["spokespeople"]["items"]["enum"] == people
    assert briefing["quotes"]["items"]["properties"]["by"]["enum"] == people

    generic = schemas(None)[BRIEFING]
    assert "enum" not in generic["properties"]["threat_level"]
    front = {"title": "T", "date": "2020-01-01", "threat_level": "amber", "spokespeople": ["anyone"], "area": "x-y"}
    assert not schema_errors(generic, front)


def test_unknown_keys_are_refused_everywhere_but_extra(example_schemas: dict[str, Any]) -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if "properties" in node:
                found.append(node)
            for item in node.values():
                found += objects(item)
        elif isinstance(node, list):
            for item in node:
                found += objects(item)
        return found

    for schema in example_schemas.values():
        for node in objects(schema):
            assert node["additionalProperties"] is False
            if "extra" in node["properties"]:
                assert node["properties"]["extra"]["type"] == "object"
                assert "additionalProperties" not in node["properties"]["extra"]


# --- typical mistakes: refused by the schema and reported by check -------------------------------------

PATROLS = "content/briefings/2016-08-03-patrols.md"
LEVEL = (
    "threat_levels:\n  - id: low\n    label: Low\n    meaning: An attack is highly unlikely.\n"
    "    colour: {colour}\n    cap: {{severity: Minor, urgency: Future, certainty: Unlikely}}\n"
)

# (file, text replaced, replacement, the key the schema names, words of check's message, severity)
MISTAKES = {
    "threat-level-typo": (PATROLS, "threat_level: severe", "threat_level: sever", "threat_level",
                          "'sever' is not one of", "error"),
    "unknown-key": (PATROLS, "summary:", 'titel: "More patrols"\nsummary:', "", "unknown key 'titel'", "error"),
    "total-with-separator": (PATROLS, "total: 2800", 'total: "2,800"', "officers/total",
                             "'2,800' is text, not a number", "error"),
    "spokesperson-who-does-not-exist": (PATROLS, "spokespeople: [jane-doe, sam-roe]",
                                        "spokespeople: [jane-doe, sam-roe, john-smith]", "spokespeople/2",
                                        "unknown person 'john-smith'", "error"),
    "quote-by-unknown-person": (PATROLS, "  - by: jane-doe", "  - by: jane-do", "quotes/0/by",
                                "quote by 'jane-do' who is not in spokespeople", "error"),
    "area-id-typo": (PATROLS, "area: testville", "area: testvile", "area", "unknown area 'testvile'", "error"),
    "date-not-iso": (PATROLS, "date: 2016-08-03T10:00:00", "date: 03/08/2016", "date",
                     "not an ISO 8601 date", "error"),
    "alert-response-typo": (PATROLS, "alert: {response: Monitor}", "alert: {response: Monitr}", "alert",
                            "'Monitr' is not one of", "error"),
    "colour-not-hex": ("site.yaml", "menu:", LEVEL.format(colour="red") + "menu:", "threat_levels/0/colour",
                       "'red' must be a hex colour", "error"),
    "colour-unquoted": ("site.yaml", "menu:", LEVEL.format(colour="#2e7d32") + "menu:", "threat_levels/0/colour",
                        "write the colour in quotes", "error"),
    "site-unknown-key": ("site.yaml", "per_page: 2", "per_pgae: 2", "", "unknown key 'per_pgae'", "error"),
    "site-language-underscore": ("site.yaml", "language: en-GB", "language: en_GB", "language",
                                 "is not a BCP 47 language tag", "error"),
    "person-unknown-key": ("content/people/jane-doe.yaml", "role:", "rol:", "", "unknown key 'rol'", "error"),
    "area-latitude-out-of-range": ("content/areas.yaml", "[51.52, -0.15]\n    - [51.52, -0.05]",
                                   "[51.52, -0.15]\n    - [91.52, -0.05]", "0/polygon/1/0", "out of range", "error"),
    "area-unknown-key": ("content/areas.yaml", "  polygon:", "  poly:", "0", "unknown key 'poly'", "error"),
}  # fmt: skip


@pytest.mark.parametrize("case", MISTAKES, ids=list(MISTAKES))
def test_a_typical_mistake_fails_the_schema_and_check(case: str, site: SiteDir) -> None:
    rel, old, new, where, message, severity = MISTAKES[case]
    path = site.root / rel
    original = path.read_text(encoding="utf-8")
    assert old in original, f"{old!r} is not in {rel}"
    path.write_text(original.replace(old, new, 1), encoding="utf-8")

    errors = schema_errors(schemas(site.root)[schema_for(rel)], load_for_schema(site.root, rel))
    assert errors, f"the schema accepts {case}"
    assert any("/".join(map(str, e.absolute_path)) == where for e in errors), show(errors)

    result = site.run("check")
    expected = re.compile(rf"^{re.escape(rel)}:\d+: {severity}: .*{re.escape(message)}")
    assert any(expected.match(line) for line in result.lines), result.err
    assert result.code == (1 if severity == "error" else 0), result.err


# Mistakes only check sees (docs/editor-support.md says so): they take more than one value, or a calendar.
BEYOND_A_SCHEMA = {
    "officers-do-not-add-up": (PATROLS, "previous: 2200", "previous: 2000", "officers do not add up"),
    "quote-by-someone-not-speaking": (PATROLS, "spokespeople: [jane-doe, sam-roe]", "spokespeople: [sam-roe]",
                                      "quote by 'jane-doe' who is not in spokespeople"),
    "impossible-day": (PATROLS, "date: 2016-08-04T09:00:00", 'date: "2016-02-30T09:00:00"', "is not an ISO 8601 date"),
}  # fmt: skip


@pytest.mark.parametrize("case", BEYOND_A_SCHEMA, ids=list(BEYOND_A_SCHEMA))
def test_what_a_schema_cannot_see_check_reports(case: str, site: SiteDir) -> None:
    rel, old, new, message = BEYOND_A_SCHEMA[case]
    path = site.root / rel
    original = path.read_text(encoding="utf-8")
    assert old in original, f"{old!r} is not in {rel}"
    path.write_text(original.replace(old, new, 1), encoding="utf-8")
    assert not schema_errors(schemas(site.root)[schema_for(rel)], load_for_schema(site.root, rel))
    result = site.run("check")
    assert result.code == 1 and message in result.err, result.err


# Values one converter accepts or refuses, and whether the schema it declared agrees, one by one.
AGREEMENT: dict[str, tuple[Any, list[Any]]] = {
    "count": (f.count, [0, 5, 2800, -1, 1.5, True, None, "2,800", "10", "2800 officers", 10**9, 10**9 + 1]),
    "positive": (f.positive, [1, 0, 48]),
    "line_text": (f.line_text, ["a", " a b ", "a\n", "a\nb", "", "   ", "a\x07b", 10, None]),
    "text": (f.text, ["a\nb", "", " ", "tab\there"]),
    "slug": (f.slug, ["a-b", "a1", "A", "a--b", "-a", "a b", "con", "com1", "x" * 200, "x" * 201]),
    "url": (f.url, ["https://x.org/", "HTTP://X.ORG", "http://x", "ftp://x.org", "https://", "https://a b",
                    "https://user@host/", "x.org"]),
    "link": (f.link, ["/about/", "/", "//evil.example", "/a b", "mailto:a@b.org", "MAILTO:x", "https://x.org",
                      "javascript:alert(1)", "about/"]),
    "moment": (f.moment, ["2016-08-03", "2016-08-03T09:30:00", "2016-08-03T09:30", "2016-08-03T09:30:00+01:00",
                          "2016-08-03T09:30:00Z", "2016-08-03T09:30:00.5", "2016-08-03 09:30:00", "2016-13-01",
                          "1899-12-31", "2201-01-01", "03/08/2016", "yesterday", 2016]),
    "boolean": (f.boolean, [True, False, "true", 1, None]),
    "one_of": (f.one_of("Actual", "Test"), ["Actual", "Test", "actual", "Exercise", 1]),
    "colour": (_colour, ["#c62828", "#C62828", "#6a1b9a", "red", "c62828", "#c6282", "#c628288", None]),
    "language": (_language, ["en", "en-GB", "cy", "en_GB", "e", "english"]),
    "timezone": (_timezone, ["Europe/London", "UTC", "Europe/Londn", "../../etc/passwd", ""]),
    "polygon": (_polygon, [
        [[51.0, 0.0], [51.0, 1.0], [52.0, 1.0], [51.0, 0.0]],
        [[51.0, 0.0], [51.0, 1.0], [51.0, 0.0]],
        [[51.0, 0.0], [51.0, 1.0], [52.0, 1.0], [51.0, 0.0, 3.0]],
        [[91.0, 0.0], [51.0, 1.0], [52.0, 1.0], [91.0, 0.0]],
        [[51.0, 0.0], [51.0, "1"], [52.0, 1.0], [51.0, 0.0]],
    ]),
}  # fmt: skip


@pytest.mark.parametrize("name", AGREEMENT)
def test_each_declared_schema_accepts_what_its_converter_accepts(name: str) -> None:
    convert, values = AGREEMENT[name]
    validator = jsonschema.Draft7Validator(describe(convert))
    for value in values:
        reader = f.Reader(YamlDoc(value=None), "x.yaml", Problems(), ZoneInfo("Europe/London"))
        converted = reader.field(("key",), value, f.Field(convert))
        by_check = converted is not f.MISSING and reader.failures == 0
        assert validator.is_valid(value) == by_check, f"{name}: {value!r}: check says {by_check}"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for JavaScript's regular expressions")
def test_every_pattern_is_a_javascript_regular_expression(example_schemas: dict[str, Any]) -> None:
    """JSON Schema patterns are ECMA-262 (editors run them in JavaScript), but are written here in
    Python: each must compile there too, with and without the u flag (ajv sets it)."""
    patterns: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            patterns.update([node["pattern"]] if isinstance(node.get("pattern"), str) else [])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for schema in [*example_schemas.values(), *schemas(None).values()]:
        walk(schema)
    script = "for (const p of JSON.parse(process.argv[1])) { new RegExp(p); new RegExp(p, 'u'); }"
    result = subprocess.run(["node", "-e", script, json.dumps(sorted(patterns))], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(patterns) > 5


def test_a_converter_without_a_declared_schema_is_an_error_not_a_silent_hole() -> None:
    def undeclared(reader: f.Reader, at: Any, value: Any) -> str:
        return str(value)

    with pytest.raises(TypeError, match="declares no JSON Schema"):
        describe(f.list_of(undeclared))


# --- write_schemas -------------------------------------------------------------------------------


def test_write_schemas_writes_four_valid_json_files_the_same_each_time(tmp_path: Path) -> None:
    folder = tmp_path / "nested" / ".schemas"
    written = write_schemas(REPO, folder)
    assert {p.name for p in written} == NAMES
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)  # nothing else, no temporary files
    first = {p.name: p.read_bytes() for p in written}
    for data in first.values():
        jsonschema.Draft7Validator.check_schema(json.loads(data))
        assert data.endswith(b"\n")
    again = write_schemas(REPO, folder)
    assert {p.name: p.read_bytes() for p in again} == first
    assert json.loads(first[SITE]) == schemas(REPO)[SITE]


def test_schemas_of_a_site_with_a_broken_site_yaml_still_come(site: SiteDir) -> None:
    site.write("site.yaml", "title: [unclosed\n")
    generated = schemas(site.root)
    assert "enum" not in generated[BRIEFING]["properties"]["threat_level"]
    assert generated[BRIEFING]["properties"]["spokespeople"]["items"]["enum"] == ["jane-doe", "sam-roe"]


# --- docs/editor-support.md: its commands and its problem matchers --------------------------------------


def fenced(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.M | re.S)


def doc_commands() -> list[str]:
    """Every command the doc shows: lines of sh blocks, run: steps of YAML blocks, inline `echo ...`."""
    commands = [line for block in fenced("sh") for line in block.splitlines() if line.strip()]
    for block in fenced("yaml"):
        commands += [step["run"] for step in yaml.safe_load(block) if "run" in step]
    commands += re.findall(r"`(echo [^`]+)`", DOC.read_text(encoding="utf-8"))
    return commands


def matchers() -> dict[str, dict[str, Any]]:
    """The doc's problem matchers: GitHub's (.github/bulletin-problem-matcher.json) and the VS Code task's."""
    found = {}
    for block in fenced("json"):
        data = json.loads(block)
        if "problemMatcher" in data:
            (matcher,) = data["problemMatcher"]
            found["github"] = matcher["pattern"][0]
        elif "tasks" in data:
            (task,) = data["tasks"]
            found["vscode"] = task["problemMatcher"]["pattern"]
            found["vscode-task"] = task
    assert set(found) == {"github", "vscode", "vscode-task"}
    return found


def run_doc_command(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one of the doc's commands in ``cwd`` (a site), with this repository's build.py and Python."""
    args = shlex.split(command)
    if args[:2] == ["python", "build.py"]:
        args = [sys.executable, str(REPO / "build.py"), *args[2:]]
    else:
        assert args[0] == "echo", command
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def break_site(site: SiteDir) -> None:
    """An error (a level that does not exist) and a warning (a quote not in the body) in the fixture."""
    path = site.root / PATROLS
    text = path.read_text(encoding="utf-8").replace("threat_level: severe", "threat_level: sever")
    path.write_text(text.replace("We will run towards the danger", "We will stand firm", 1), encoding="utf-8")


def assert_matches_problems(pattern: dict[str, Any], output: str, root: Path) -> None:
    """The matcher picks out exactly the problem lines, each naming a real file and line of the site."""
    assert {key: pattern[key] for key in PATTERN_GROUPS} == PATTERN_GROUPS
    regexp = re.compile(pattern["regexp"])
    matched = [m for line in output.splitlines() if (m := regexp.match(line))]
    assert {m.group(3) for m in matched} == {"error", "warning"}, output
    for m in matched:
        lines = (root / m.group(1)).read_text(encoding="utf-8").count("\n") + 1
        assert 1 <= int(m.group(2)) <= lines, m.group(0)
        assert m.group(4)
    problem_line = re.compile(r"^.+:\d+: (error|warning): ")
    assert len(matched) == sum(1 for line in output.splitlines() if problem_line.match(line))
    assert not regexp.match("1 error, 1 warning")


def test_the_doc_shows_only_commands_these_tests_run() -> None:
    assert doc_commands() == [
        "python build.py schema .schemas",
        'echo "::add-matcher::.github/bulletin-problem-matcher.json"',
        "python build.py check",
        'echo "::remove-matcher owner=bulletin::"',
    ]


@pytest.mark.skipif("schema" not in bulletin.cli.COMMANDS, reason="the schema command is not in the CLI yet")
def test_the_docs_schema_command_writes_the_schemas(site: SiteDir, tmp_path: Path) -> None:
    result = run_doc_command(doc_commands()[0], site.root)
    assert result.returncode == 0, result.stderr
    expected = {p.name: p.read_bytes() for p in write_schemas(site.root, tmp_path / "expected")}
    assert {p.name: p.read_bytes() for p in (site.root / ".schemas").iterdir()} == expected


def test_the_docs_github_matcher_turns_checks_real_output_into_annotations(site: SiteDir) -> None:
    break_site(site)
    github = matchers()["github"]
    workflow = doc_commands()[1:]
    add = run_doc_command(workflow[0], site.root)
    assert add.stdout == "::add-matcher::.github/bulletin-problem-matcher.json\n"
    check = run_doc_command(workflow[1], site.root)
    assert check.returncode == 1
    assert_matches_problems(github, check.stdout + check.stderr, site.root)
    assert run_doc_command(workflow[2], site.root).stdout == "::remove-matcher owner=bulletin::\n"


def test_the_docs_vscode_task_matches_check_run_in_a_terminal(site: SiteDir) -> None:
    """A VS Code task runs in a terminal, where check colours its output: the task's NO_COLOR keeps
    the lines matchable. Run the task's command and environment under a pseudo-terminal to see."""
    break_site(site)
    task = matchers()["vscode-task"]
    assert task["command"] == "python"
    env = {**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, **task["options"]["env"]}
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), *task["args"][1:]],
            cwd=site.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
        )
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command has ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 1
    finally:
        os.close(controller)
    output = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "\x1b[" not in output
    assert_matches_problems(matchers()["vscode"], output, site.root)


def test_the_doc_maps_each_schema_to_its_files() -> None:
    (settings,) = [json.loads(block) for block in fenced("json") if "yaml.schemas" in block]
    mapping = settings["yaml.schemas"]
    assert {Path(key).name for key in mapping} == NAMES - {BRIEFING, TRANSLATION}  # front matter: see the doc
    assert mapping["./.schemas/site.schema.json"] == "site.yaml"
    assert mapping["./.schemas/areas.schema.json"] == "content/areas.yaml"
    assert "content/people/*.yaml" in mapping["./.schemas/person.schema.json"]


def test_copying_a_site_keeps_its_schemas_independent_of_the_repository(tmp_path: Path) -> None:
    """schemas(site) reads only that site: a copy elsewhere gives the same result as the original."""
    copy = tmp_path / "copy"
    shutil.copytree(SITES / "minimal", copy)
    assert schemas(copy) == schemas(SITES / "minimal")
