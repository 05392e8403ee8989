"""``new briefing "TITLE"`` writes a draft that passes ``check --drafts`` as written."""

from __future__ import annotations

from conftest import SiteDir


def test_new_briefing_passes_check_with_drafts(site: SiteDir) -> None:
    result = site.run("new", "briefing", "Armed patrols increased: 10:00 update", now="2026-11-25T16:30:00")
    assert result.code == 0, result.err
    path = site.root / "content/briefings/2026-11-25-armed-patrols-increased-10-00-update.md"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Armed patrols increased: 10:00 update"' in text
    assert "draft: true" in text
    assert "date: 2026-11-25T16:30:00" in text
    for key in ("summary:", "threat_level:", "officers:", "area:", "tags:", "spokespeople:", "quotes:", "advice:"):
        assert key in text
    for key in ("region:", "slug:", "publish_at:", "expires:", "alert:", "sources:", "updates:", "extra:"):
        assert key in text  # stubbed, some as comments
    check = site.run("check", "--drafts", "--strict")
    assert check.code == 0, check.err
    built = site.run("build")
    assert built.code == 0
    assert not (site.public / "briefings/armed-patrols-increased-10-00-update").exists()  # still a draft


def test_new_briefing_uses_the_level_in_force(site: SiteDir) -> None:
    site.run("new", "briefing", "Level check")
    text = next((site.root / "content/briefings").glob("*-level-check.md")).read_text()
    assert "threat_level: severe" in text  # the newest briefing of the minimal site says severe


def test_new_briefing_refuses_to_overwrite(site: SiteDir) -> None:
    assert site.run("new", "briefing", "Same title", now="2026-01-01T10:00:00").code == 0
    again = site.run("new", "briefing", "Same title", now="2026-01-01T11:00:00")
    assert again.code == 1
    assert "already exists" in again.err


def test_new_needs_a_title(site: SiteDir) -> None:
    assert site.run("new", "briefing").code == 2
    assert site.run("new", "briefing", "   ").code == 2
    assert site.run("new", "page", "About").code == 2
