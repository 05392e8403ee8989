"""The live preview in a real browser: pages follow edits, errors show in an overlay and go away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SITES
from live_site import atomic_write, running

pytestmark = pytest.mark.slow


def test_preview_follows_edits_errors_and_fixes(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    briefing = site / "content/briefings/2016-08-03-patrols.md"
    original = briefing.read_text()
    with running("serve", site) as (_proc, port):
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/briefings/patrols/")
        assert page.locator("h1").inner_text() == "More patrols in the city"

        # An editor that saves by writing a temporary file and renaming it over the original.
        atomic_write(briefing, original.replace("More patrols in the city", "Even more patrols"))
        page.wait_for_function("document.querySelector('h1').textContent === 'Even more patrols'", timeout=15000)

        # A typo in the front matter: the page stays, an overlay names the file and line.
        atomic_write(briefing, original.replace("threat_level: severe", "threat_level: sever"))
        overlay = page.locator("#bulletin-errors")
        overlay.wait_for(timeout=15000)
        assert "content/briefings/2016-08-03-patrols.md:5: error: threat_level: 'sever'" in overlay.inner_text()
        assert page.locator("h1").inner_text() == "Even more patrols"  # the last good build

        # Fixing it removes the overlay and shows the fixed page.
        atomic_write(briefing, original)
        page.wait_for_function("document.querySelector('h1').textContent === 'More patrols in the city'", timeout=15000)
        assert page.locator("#bulletin-errors").count() == 0

        # A new briefing appears in the open listing; deleting it takes it away again.
        page.goto(f"http://127.0.0.1:{port}/briefings/")
        new = site / "content/briefings/2026-01-01-fresh.md"
        new.write_text('---\ntitle: "Fresh briefing"\ndate: 2026-01-01\n---\nNew.\n')
        page.wait_for_selector("text=Fresh briefing", timeout=15000)
        new.unlink()
        page.wait_for_function("!document.body.textContent.includes('Fresh briefing')", timeout=15000)
        page.close()


def test_overlay_shows_author_text_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    with running("serve", site) as (_proc, port):
        page = browser.new_page()
        page.add_init_script("window.__xss = []; window.alert = (x) => window.__xss.push(x);")
        page.goto(f"http://127.0.0.1:{port}/")
        (site / "content/briefings/<img src=x onerror=alert(1)>.md").write_text(
            '---\ntitle: "</script><script>alert(2)</script>"\ndate: 2016-13-45\n---\nx\n'
        )
        page.locator("#bulletin-errors").wait_for(timeout=15000)
        assert "<img src=x onerror=alert(1)>.md" in page.locator("#bulletin-errors").inner_text()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") == []
        page.close()


def test_a_stylesheet_change_is_swapped_without_a_reload(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import REPO

    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    with running("serve", site) as (_proc, port):
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.evaluate("window.__same_page = true")
        theme_css = (REPO / "static/css/bulletin.css").read_text()
        (site / "static/css").mkdir(parents=True)
        atomic_write(site / "static/css/bulletin.css", theme_css + "\nbody { border-top: 7px solid rgb(1, 2, 3); }\n")
        page.wait_for_function("getComputedStyle(document.body).borderTopWidth === '7px'", timeout=15000)
        assert page.evaluate("window.__same_page") is True  # swapped in place, not reloaded
        page.close()
