"""Cases found by review: each pins a message, a line or a behaviour that was once wrong."""

from __future__ import annotations

import re

import pytest
from conftest import SiteDir

T = 'title: "T"'
D = "date: 2020-01-01"


@pytest.mark.parametrize(
    "front, line, words",
    [
        ("area: ~", 4, "area: is empty"),
        ("officers: {added: 010, total: 10}", 4, "YAML read `010` as 8 (a leading 0 makes it octal)"),
        ("officers: {added: 1_000, total: 1000}", 4, "YAML read `1_000` as 1000; write it in plain digits, like 1000"),
        ('officers: {added: "10", total: 10}', 4, "'10' is text (it is in quotes); write 10 without quotes"),
        ("spokespeople: jane-doe", 4, "must be a list; write [jane-doe] for a list of one"),
        ("expires: 2020-02-01\npublish_at: 2020-03-01", 5, "publish_at is not before expires"),
        ("updates:\n  - date: 2020-02-30\n    note: x", 5, "updates.0.date: '2020-02-30' is not a real date"),
        ("tags: [a]\nextra: &x {k: 1}\nregion: [b, *x]", 6, "YAML aliases"),
    ],
    ids=[
        "null-text",
        "octal",
        "underscore",
        "quoted-digits",
        "list-of-one",
        "publish-after-expiry",
        "date-prefix",
        "alias-line",
    ],
)
def test_messages_say_what_to_write(site: SiteDir, front: str, line: int, words: str) -> None:
    rel = site.briefing(f"{T}\n{D}\n{front}")
    result = site.run("check")
    assert result.code == 1
    assert any(x.startswith(f"{rel}:{line}: error: ") and words in x for x in result.lines), result.err


def test_quotes_match_the_body_after_markdown(site: SiteDir) -> None:
    quote = "We are ready -- and... waiting, it is *very* serious"
    body = f'She said: "{quote}."\n'
    site.briefing(f'{T}\n{D}\nspokespeople: [jane-doe]\nquotes:\n  - by: jane-doe\n    text: "{quote}"', body)
    result = site.run("check", "--strict")
    assert result.code == 0, result.err


def test_ids_from_markdown_never_clash_with_the_page_or_each_other(site: SiteDir) -> None:
    body = "# Main\n\n## Facts heading\n\nText[^1].\n\n[^1]: A note.\n"
    advice = "advice: |\n  ## Main\n\n  Call 999[^1].\n\n  [^1]: Advice note.\n"
    site.briefing(f"{T}\n{D}\n{advice}", body, name="2020-01-01-ids.md")
    assert site.run("build").code == 0
    html = (site.public / "briefings/ids/index.html").read_text()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(ids)
    assert 'id="main"' in html and 'id="body-main"' in html and 'id="advice-main"' in html
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, target


def test_sanitiser_warning_points_at_the_line_in_an_advice_block(site: SiteDir) -> None:
    rel = site.briefing(
        f"{T}\n{D}\nadvice: |\n  Stay calm.\n  <script>x()</script>\n",
        "The data shows a rise.\n\n[y](data:text/html,x)\n",
    )
    result = site.run("check")
    assert f"{rel}:6: warning: unsafe HTML removed: <script> element" in result.err
    assert f"{rel}:10: warning: unsafe HTML removed: data: link" in result.err


def test_two_files_for_one_person_are_an_error(site: SiteDir) -> None:
    site.write("content/people/jane-doe.yml", "name: Other Jane\n")
    result = site.run("check")
    assert result.code == 1
    assert (
        "content/people/jane-doe.yml:1: error: person 'jane-doe' is also defined by content/people/jane-doe.yaml"
        in result.err
    )


def test_level_colour_keeps_the_label_readable(site: SiteDir) -> None:
    # Once a colour white text could not be read on was refused; now the label is black on it instead.
    config = (site.root / "site.yaml").read_text()
    levels = "".join(
        f"  - id: {level}\n    label: {level.title()}\n    meaning: m\n    colour: '{colour}'\n"
        "    cap: {severity: Minor, urgency: Future, certainty: Unlikely}\n"
        for level, colour in (("severe", "#ffff00"), ("critical", "#6a1b9a"))
    )
    site.write("site.yaml", config + "threat_levels:\n" + levels)
    result = site.run("build", "--strict")
    assert result.code == 0, result.err
    html = (site.public / "threat-level/index.html").read_text()
    assert 'data-level="severe" style="--level: #ffff00; --level-text: #000000"' in html
    assert 'data-level="critical" style="--level: #6a1b9a; --level-text: #ffffff"' in html


def test_deeply_nested_brackets_are_refused_quickly(site: SiteDir) -> None:
    rel = site.briefing(f"{T}\n{D}", "[" * 20000 + "\n")
    result = site.run("check")
    assert result.code == 1
    assert f"{rel}:5: error: brackets [ ] are nested more than 64 deep" in result.err


def test_new_briefing_in_a_clock_change_hour_passes_check(site: SiteDir) -> None:
    assert site.run("new", "briefing", "Spring forward", now="2020-03-29T01:30:00+00:00").code == 0
    text = next((site.root / "content/briefings").glob("*spring-forward.md")).read_text()
    assert "date: 2020-03-29T02:30:00+01:00" in text
    assert site.run("check", "--drafts").code == 0


def test_bad_source_date_epoch_is_a_usage_error(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulletin.cli import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "abc")
    site.capsys.readouterr()
    assert main(["check", "--site", str(site.root)]) == 2
    assert "SOURCE_DATE_EPOCH must be whole seconds since 1970" in site.capsys.readouterr().err
