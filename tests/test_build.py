"""Building sites through the command line: pages, drafts, safety, atomicity, determinism."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SITES, SiteDir, run_build_py, tree_digest

from bulletin import writer


def html_pages(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def read(site: SiteDir, rel: str) -> str:
    return (site.public / rel).read_text(encoding="utf-8")


def test_build_writes_every_page_of_the_minimal_site(site: SiteDir) -> None:
    result = site.run("build")
    assert result.code == 0, result.err
    expected = [
        "index.html",
        "briefings/index.html",
        "briefings/page/2/index.html",
        "briefings/patrols/index.html",
        "briefings/level-raised/index.html",
        "briefings/routine/index.html",
        "people/index.html",
        "people/jane-doe/index.html",
        "tags/index.html",
        "tags/armed-policing/index.html",
        "regions/testville/index.html",
        "threat-level/index.html",
        "about/index.html",
        "404.html",
        "css/bulletin.css",
    ]
    for rel in expected:
        assert (site.public / rel).is_file(), rel
    assert re.search(r"wrote \d+ pages \(\d+ files\) to .* in [\d.]+ s", result.err)


def test_every_page_shows_the_current_level_and_language(site: SiteDir) -> None:
    assert site.run("build").code == 0
    for page in html_pages(site.public):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en-GB">' in html, page
        assert re.search(r"<title>[^<]+</title>", html), page
        # No threat-levels.yaml: the level comes from the newest briefing with one (2018: severe).
        assert 'data-threat-level="severe"' in html, page
        assert "Severe" in html, page


def test_briefing_page_shows_facts_quotes_advice_updates(site: SiteDir) -> None:
    site.run("build")
    html = read(site, "briefings/patrols/index.html")
    assert "2,800" in html and "2,200" in html and "600" in html
    assert '<time datetime="2016-08-03T10:00:00+01:00">' in html  # Europe/London summer time, not UTC
    assert "We will run towards the danger" in html
    assert 'href="../../people/jane-doe/index.html"' in html
    assert "<strong>alert</strong>" in html  # advice is Markdown
    assert "Added advice." in html
    assert 'href="https://example.org/report"' in html


def test_tags_with_the_same_slug_merge_under_the_first_spelling(site: SiteDir) -> None:
    site.run("build")
    html = read(site, "tags/threat-level/index.html")
    assert "Tag: threat level" in html  # 2017 spelling comes before 2018's "Threat Level"
    assert "Threat level raised to critical" in html and "Routine awareness week" in html


def test_listing_is_paginated_newest_first(site: SiteDir) -> None:
    site.run("build")
    first = read(site, "briefings/index.html")
    second = read(site, "briefings/page/2/index.html")
    assert first.index("Routine awareness week") < first.index("Threat level raised to critical")
    assert "More patrols in the city" in second and "More patrols in the city" not in first
    assert 'href="page/2/index.html"' in first and 'href="../../index.html"' in second


def test_stale_pages_of_deleted_briefings_disappear(site: SiteDir) -> None:
    site.run("build")
    assert (site.public / "briefings/routine/index.html").exists()
    (site.root / "content/briefings/2018-01-10-routine.md").unlink()
    assert site.run("build").code == 0
    assert not (site.public / "briefings/routine").exists()


def test_drafts_are_built_only_with_the_drafts_option(site: SiteDir) -> None:
    site.briefing('title: "Secret plan"\ndate: 2020-01-01\ndraft: true', name="2020-01-01-secret.md")
    site.run("build")
    assert not (site.public / "briefings/secret").exists()
    assert "Secret plan" not in read(site, "briefings/index.html")
    assert site.run("build", "--drafts").code == 0
    assert "Draft: not published." in read(site, "briefings/secret/index.html")


def test_embargo_lifts_at_publish_at(site: SiteDir) -> None:
    site.briefing(
        'title: "Embargoed news"\ndate: 2020-01-01\npublish_at: 2020-01-02T09:00:00', name="2020-01-01-emb.md"
    )
    site.run("build", now="2020-01-02T08:59:00")
    assert not (site.public / "briefings/emb").exists()
    result = site.run("build", now="2020-01-02T09:00:00")
    assert result.code == 0
    assert (site.public / "briefings/emb/index.html").exists()


def test_expired_briefing_keeps_its_page_but_leaves_listings(site: SiteDir) -> None:
    site.briefing('title: "Short-lived notice"\ndate: 2020-01-01\nexpires: 2020-01-03', name="2020-01-01-short.md")
    site.run("build", now="2020-01-02")
    assert "Short-lived notice" in read(site, "briefings/index.html")
    site.run("build", now="2020-01-04")
    assert "Short-lived notice" not in read(site, "briefings/index.html")
    assert "This briefing expired on" in read(site, "briefings/short/index.html")


def test_source_date_epoch_is_the_default_now(site: SiteDir, tmp_path: Path) -> None:
    site.briefing(
        'title: "Embargoed news"\ndate: 2020-01-01\npublish_at: 2020-06-01T00:00:00Z', name="2020-01-01-emb.md"
    )
    before = run_build_py("--site", str(site.root), env={"SOURCE_DATE_EPOCH": "1590969599"}, cwd=tmp_path)
    assert before.code == 0, before.err
    assert not (site.public / "briefings/emb").exists()
    after = run_build_py("--site", str(site.root), env={"SOURCE_DATE_EPOCH": "1590969600"}, cwd=tmp_path)
    assert after.code == 0
    assert (site.public / "briefings/emb/index.html").exists()


def test_exercise_and_test_alerts_never_appear_on_pages(site: SiteDir) -> None:
    site.briefing('title: "Drill"\ndate: 2020-01-01\nalert: {status: Exercise}', name="2020-01-01-drill.md")
    site.run("build")
    assert not (site.public / "briefings/drill/index.html").exists()
    assert (site.public / "briefings/drill/cap/0.xml").exists()  # exercises live in CAP files only
    assert all("Drill" not in p.read_text(encoding="utf-8") for p in html_pages(site.public))


@pytest.mark.parametrize(
    "field, payload",
    [
        ("title", "<script>alert(1)</script>"),
        ("summary", '" onmouseover="alert(1)'),
        ("area", "{{ cycler.__init__.__globals__.os.getcwd() }}"),
    ],
)
def test_front_matter_text_is_escaped(site: SiteDir, field: str, payload: str) -> None:
    quoted = payload.replace("\\", "\\\\").replace('"', '\\"')
    front = f'{field}: "{quoted}"\ndate: 2020-01-01' + ('\ntitle: "T"' if field != "title" else "")
    site.briefing(front, name="2020-01-01-xss.md")
    assert site.run("build").code == 0
    html = read(site, "briefings/xss/index.html")
    assert "<script>alert" not in html
    assert 'onmouseover="alert' not in html
    assert os.getcwd() not in html
    if field == "area":
        assert "{{ cycler.__init__.__globals__.os.getcwd() }}" in html


def test_dangerous_markdown_is_removed_and_reported(site: SiteDir) -> None:
    body = (
        "Hello <script>alert(1)</script>\n\n[click](javascript:alert(1)) and [x](JaVaScRiPt&#58;alert(2))\n\n"
        "<img src=x onerror=alert(3)>\n\n<iframe src=https://evil.example></iframe>\n"
    )
    rel = site.briefing('title: "XSS body"\ndate: 2020-01-01', body=body, name="2020-01-01-xss.md")
    result = site.run("build")
    assert result.code == 0
    assert any(line.startswith(f"{rel}:5: warning: unsafe HTML removed: <script> element") for line in result.lines)
    html = read(site, "briefings/xss/index.html")
    body_html = html[html.index('<div class="body">') :]
    for bad in ("<script", "javascript", "JaVaScRiPt", "onerror", "<iframe"):
        assert bad not in body_html
    assert site.run("build", "--strict").code == 1


def test_allow_raw_html_keeps_raw_html(site: SiteDir) -> None:
    config = (site.root / "site.yaml").read_text()
    site.write("site.yaml", config + "allow_raw_html: true\n")
    site.briefing(
        'title: "Raw"\ndate: 2020-01-01', body='<div class="embed" data-x="1">kept</div>\n', name="2020-01-01-raw.md"
    )
    result = site.run("build")
    assert result.code == 0 and "unsafe" not in result.err
    assert '<div class="embed" data-x="1">kept</div>' in read(site, "briefings/raw/index.html")


def test_a_site_with_only_config_and_content_uses_the_default_theme(site: SiteDir) -> None:
    assert not (site.root / "templates").exists() and not (site.root / "static").exists()
    site.write("templates/404.html", '{% extends "base.html" %}{% block main %}<h1>Custom lost page</h1>{% endblock %}')
    site.write("static/css/extra.css", "body { color: red; }")
    assert site.run("build").code == 0
    assert "Custom lost page" in read(site, "404.html")
    assert (site.public / "css/bulletin.css").read_bytes() == (REPO / "static/css/bulletin.css").read_bytes()
    assert (site.public / "css/extra.css").is_file()


def test_template_error_is_reported_with_file_and_line(site: SiteDir) -> None:
    site.write(
        "templates/page.html", '{% extends "base.html" %}\n{% block main %}\n{{ page.no_such_field }}\n{% endblock %}\n'
    )
    result = site.run("build")
    assert result.code == 1
    assert "templates/page.html:3: error: template error while rendering content/pages/about.md" in result.err
    assert "Traceback" not in result.err


def test_template_syntax_error_is_reported_with_file_and_line(site: SiteDir) -> None:
    site.write("templates/page.html", '{% extends "base.html" %}\n{% block main %}\n{% if x %}\n{% endblock %}\n')
    result = site.run("check")
    assert result.code == 1
    assert re.search(r"^templates/page\.html:\d+: error: template syntax: ", result.err, re.M)


def test_static_file_that_would_overwrite_a_page_is_an_error(site: SiteDir) -> None:
    site.write("static/briefings/patrols/index.html", "<p>impostor</p>")
    result = site.run("build")
    assert result.code == 1
    assert "static/briefings/patrols/index.html:1: error: would overwrite the generated page" in result.err


def test_symlink_out_of_the_site_is_refused(site: SiteDir, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text('---\ntitle: "Secret"\ndate: 2020-01-01\n---\nSECRET-CANARY\n')
    (site.root / "content/briefings/leak.md").symlink_to(secret)
    result = site.run("build")
    assert result.code == 1
    assert "content/briefings/leak.md:1: error: symlink points outside the site" in result.err
    assert not site.public.exists()


def test_refuses_to_replace_a_folder_it_did_not_write(site: SiteDir, tmp_path: Path) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    result = site.run("build", "--output", str(precious))
    assert result.code == 1
    assert "not written by Bulletin" in result.err
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_output_inside_content_is_refused(site: SiteDir) -> None:
    result = site.run("build", "--output", str(site.root / "content" / "out"))
    assert result.code == 2  # --output is a command-line usage error
    assert "overlaps content/" in result.err
    assert not (site.root / "content" / "out").exists()


def test_failed_build_keeps_previous_output(site: SiteDir) -> None:
    assert site.run("build").code == 0
    before = tree_digest(site.public)
    site.briefing('title: "Broken"\ndate: 2016-13-45', name="2020-01-01-broken.md")
    result = site.run("build")
    assert result.code == 1
    assert result.lines[-1] == "nothing written; the output folder was left as it was"
    assert tree_digest(site.public) == before
    assert not list(site.root.glob(".public.*tmp*"))


def test_failure_while_writing_keeps_previous_output(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    assert site.run("build").code == 0
    before = tree_digest(site.public)
    site.briefing('title: "New one"\ndate: 2020-01-01', name="2020-01-01-new.md")
    real_write = writer.Release.write
    calls = {"n": 0}

    def failing_write(self: writer.Release, relative, data) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        real_write(self, relative, data)

    monkeypatch.setattr(writer.Release, "write", failing_write)
    result = site.run("build")
    assert result.code == 1
    assert "error: cannot write the output: No space left on device" in result.err
    assert tree_digest(site.public) == before
    assert not list(site.root.glob(".public.tmp-*"))


def test_leftovers_of_a_killed_build_are_removed(site: SiteDir) -> None:
    assert site.run("build").code == 0
    leftover = site.root / ".public.tmp-999999999-deadbeef"
    (leftover / "briefings").mkdir(parents=True)
    (leftover / "briefings" / "half.html").write_text("half")
    assert site.run("build").code == 0
    assert not leftover.exists()


def test_build_is_deterministic_across_processes(tmp_path: Path) -> None:
    digests = []
    for seed, tz in (("1", "UTC"), ("4242", "America/New_York")):
        root = tmp_path / f"site-{seed}"
        shutil.copytree(SITES / "minimal", root)
        result = run_build_py(
            "--site", str(root), "--now", "2026-01-01T00:00:00Z", env={"PYTHONHASHSEED": seed, "TZ": tz}, cwd=tmp_path
        )
        assert result.code == 0, result.err
        digests.append(tree_digest(root / "public"))
    assert digests[0] == digests[1]
    assert len(digests[0]) > 10


def test_example_site_builds_without_problems(tmp_path: Path) -> None:
    result = run_build_py("--output", str(tmp_path / "out"), "--now", "2026-11-25T12:00:00Z", "--strict", cwd=REPO)
    assert result.code == 0, result.err
    assert "0 errors, 0 warnings" in result.err
    assert (tmp_path / "out/briefings/armed-officers-london/index.html").is_file()
    assert (tmp_path / "out/briefings/page/2/index.html").is_file()


def test_two_pages_on_one_path_are_an_error_naming_both(site: SiteDir) -> None:
    site.write("content/pages/other.md", '---\ntitle: "Other"\nslug: about\n---\nx\n')
    result = site.run("build")
    assert result.code == 1
    assert (
        "content/pages/other.md:3: error: slug 'about' is also used by content/pages/about.md; "
        "both would be written to about/" in result.err
    )


def test_template_without_the_threat_banner_gets_a_warning(site: SiteDir) -> None:
    site.write("templates/page.html", "<!DOCTYPE html><title>{{ page.title }}</title><p>{{ page.title }}</p>\n")
    result = site.run("build")
    assert result.code == 0
    assert "templates/page.html:1: warning: about/index.html has no element with data-threat-level" in result.err
    assert site.run("build", "--strict").code == 1


def test_verbose_reports_each_phase(site: SiteDir) -> None:
    result = site.run("build", "--verbose")
    assert re.search(r"^loaded 3 briefings \(3 with pages, 3 listed\), 2 people, 1 pages in", result.err, re.M)
    assert re.search(r"^\d+ pages rendered, \d+ kept from the last build \(", result.err, re.M)
    assert re.search(r"^\d+ feeds, alerts and indexes made", result.err, re.M)
    quiet = site.run("build", "--quiet")
    assert quiet.code == 0 and quiet.err == ""


def test_parallel_parsing_gives_the_same_site(site: SiteDir) -> None:
    for n in range(230):  # above the threshold where worker processes are used
        body = f"Paragraph **{n}** with a [link](https://example.org/{n}).\n\n- item\n- item\n"
        site.briefing(
            f'title: "Briefing {n}"\ndate: 2019-01-01T{n // 60:02d}:{n % 60:02d}:00\ntags: ["T{n % 7}"]',
            body,
            f"gen/b{n}.md",
        )
    site.capsys.readouterr()
    from bulletin.cli import main

    serial = main(
        ["build", "--site", str(site.root), "--now", "2026-01-01", "--jobs", "1", "--output", str(site.root / "one")]
    )
    parallel = main(
        ["build", "--site", str(site.root), "--now", "2026-01-01", "--jobs", "2", "--output", str(site.root / "two")]
    )
    assert serial == parallel == 0
    one, two = tree_digest(site.root / "one"), tree_digest(site.root / "two")
    assert len(one) > 230
    assert one == two


def test_check_finds_what_build_finds_without_writing(site: SiteDir) -> None:
    site.write("static/Index.html", "<p>impostor</p>")  # collides with index.html by case
    site.write("templates/person.html", '{% extends "base.html" %}\n{% block main %}{{ nope }}{% endblock %}\n')
    result = site.run("check")
    assert result.code == 1
    assert "static/Index.html:1: error: would overwrite the generated page index.html" in result.err
    # One line for the template bug, though every person page hits it.
    assert len([x for x in result.lines if x.startswith("templates/person.html:2: error:")]) == 1
    assert not site.public.exists()


def test_output_that_is_a_symlink_or_under_a_file_is_refused(site: SiteDir, tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "afile").write_text("x")
    for output, words in (
        (tmp_path / "dangling", "output is a symlink"),
        (tmp_path / "afile" / "out", "is not a folder"),
    ):
        result = site.run("build", "--output", str(output))
        assert result.code == 1, result.err
        assert words in result.err
        assert "Traceback" not in result.err
    assert not (tmp_path / "nowhere").exists()


def test_tag_that_makes_a_reserved_or_overlong_file_name_is_an_error(site: SiteDir) -> None:
    rel = site.briefing(f'title: "T"\ndate: 2020-01-01\ntags: ["con", "{"x" * 300}"]')
    result = site.run("build")
    assert result.code == 1
    assert f"{rel}:4: error: tags: 'con' gives the URL name 'con' is a reserved file name on Windows" in result.err
    assert "too long" in result.err
    assert "Traceback" not in result.err


def test_a_problem_is_always_one_line(site: SiteDir) -> None:
    rel = site.briefing('title: "T"\ndate: 2020-01-01\nthreat_level: "sev\\nere"')
    result = site.run("check")
    assert result.code == 1
    assert f"{rel}:4: error: threat_level: 'sev\\nere' is not one of" in result.err
    assert result.lines[-1] == "1 error, 0 warnings"


def test_person_pages_paginate_their_quotes(site: SiteDir) -> None:
    for n in range(5):
        site.briefing(
            f'title: "Q{n}"\ndate: 2020-01-0{n + 1}\nspokespeople: [jane-doe]\nquotes:\n  - by: jane-doe\n    text: "Words {n}"',
            f'She said "Words {n}".\n',
            name=f"2020-01-0{n + 1}-q{n}.md",
        )
    assert site.run("build").code == 0
    first = read(site, "people/jane-doe/index.html")
    second = read(site, "people/jane-doe/page/2/index.html")
    assert first.count('<figure class="quote">') == 4  # per_page (2) x 2
    assert second.count('<figure class="quote">') == 2
    assert "Latest briefings" in first and "Latest briefings" not in second
    assert 'href="page/2/index.html"' in first
