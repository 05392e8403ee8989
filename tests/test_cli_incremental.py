"""Every incremental path of ``python build.py`` gives the bytes of a clean build.

Each test builds a temporary copy of the example site (or of tests/sites/minimal, or a site made
by bench/generate.py) through the command line with the cache into one output folder (the first
run warms the parse cache and leaves the last build's stamp), changes something (a source, the
clock, the cache itself), builds again into the same folder, and then builds the same sources with
``--no-cache`` into a fresh folder: the two trees must hold the same paths with the same bytes.
Every run must end as expected and print no traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jinja2
import pytest
from conftest import REPO, SITES, Run, run_build_py, tree_digest

from bulletin import pagejobs

NOW = "2026-01-01T00:00:00Z"
BRIEFING = "content/briefings/2016/2016-08-03-armed-officers-london.md"  # no CAP alert: edits publish nothing
BRIEFING_PAGE = "briefings/armed-officers-london/index.html"
WELSH = "content/briefings/2016/2016-08-03-armed-officers-london.cy.md"  # its translation
OTHER_PAGE = "briefings/cardiff-weekend-events-patrols/index.html"
OTHER_PERSON_PAGE = "people/marcus-bell/index.html"  # not quoted in BRIEFING
BODY_LINE = "The move follows attacks in Nice, Munich and Normandy."  # not in BRIEFING's body yet


class Site:
    """A copy of the example site (or of a fixture in tests/sites), its incremental output (A) and
    fresh clean outputs (B)."""

    def __init__(self, work: Path, fixture: str | None = None) -> None:
        self.work = work
        self.root = work / "site"
        if fixture:
            shutil.copytree(SITES / fixture, self.root)
        else:
            self.root.mkdir()
            shutil.copy(REPO / "site.yaml", self.root / "site.yaml")
            for name in ("content", "published"):  # templates/ and static/ come from the default theme
                shutil.copytree(REPO / name, self.root / name)
        self.out = work / "incremental"
        self.cache = self.root / ".bulletin-cache"
        self.env: dict[str, str] = {}
        self._clean_builds = 0

    def path(self, rel: str) -> Path:
        return self.root / rel

    def build(self, *args: str, now: str = NOW, output: Path | None = None, code: int = 0) -> Run:
        """One run of build.py that must end with ``code`` (success unless told) without a traceback."""
        target = self.out if output is None else output
        result = run_build_py(
            "--site", str(self.root), "--now", now, "--output", str(target), "-v", *args, cwd=self.work, env=self.env
        )
        assert result.code == code, result.err
        assert "Traceback" not in result.err + result.out
        return result

    def clean(self, now: str = NOW) -> Path:
        """The same sources built with --no-cache into a fresh folder."""
        self._clean_builds += 1
        fresh = self.work / f"clean-{self._clean_builds}"
        result = self.build("--no-cache", now=now, output=fresh)
        assert reused(result) is None  # --no-cache reads no cache
        return fresh

    def assert_like_clean(self, now: str = NOW) -> None:
        assert_same_tree(self.out, self.clean(now))

    def settle(self) -> None:
        """Wait while a replaced site is being removed in the background beside the output: its
        remover's unlinks change the status of the output's kept (hard-linked) files, so a stamp
        taken before it ends is not believed by the next run."""
        deadline = time.monotonic() + 60
        while any(self.work.glob(f".{self.out.name}.trash-*")) and time.monotonic() < deadline:
            time.sleep(0.05)


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every file by relative path, and every folder (so an emptied one left behind shows)."""
    found = tree_digest(folder)
    found.update({p.relative_to(folder).as_posix() + "/": "folder" for p in folder.rglob("*") if p.is_dir()})
    return found


def assert_same_tree(incremental: Path, clean: Path) -> None:
    left, right = tree(incremental), tree(clean)
    only_incremental = sorted(left.keys() - right.keys())
    only_clean = sorted(right.keys() - left.keys())
    different = sorted(k for k in left.keys() & right.keys() if left[k] != right[k])
    assert not (only_incremental or only_clean or different), (
        f"the incremental build differs from a clean one: only in it {only_incremental}, "
        f"only in the clean build {only_clean}, different bytes {different}"
    )
    assert len(left) > 20


def reused(result: Run) -> int | None:
    """How many parsed sources the run took from the cache (None: it printed no such line)."""
    found = re.search(r"^reused (\d+) parsed sources", result.err, re.MULTILINE)
    return None if found is None else int(found.group(1))


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, inode) of every file in an output folder."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in folder.rglob("*")
        if p.is_file()
    }


def age(folder: Path) -> None:
    """Date every output file back, so a file written again is told apart by its time alone."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """The example site, built once with the cache (which warms it) into its incremental output."""
    made = Site(tmp_path)
    made.build()
    assert made.cache.is_dir()
    return made


def test_no_change_touches_nothing(site: Site) -> None:
    """A rebuild with nothing changed leaves every output file with its inode and modification time,
    does not replace the output folder, and matches a clean build; so does one after the output's
    files were dated back by hand (which the last build's stamp cannot vouch for: every parsed
    source then comes from the cache)."""
    before = stats(site.out)
    folder = site.out.stat().st_ino
    site.build()
    assert stats(site.out) == before
    assert site.out.stat().st_ino == folder
    site.assert_like_clean()
    age(site.out)
    before = stats(site.out)
    result = site.build()
    assert reused(result) == len([p for p in site.path("content").rglob("*") if p.is_file()])
    assert stats(site.out) == before
    assert site.out.stat().st_ino == folder
    site.assert_like_clean()


def test_touching_every_source_keeps_every_output_file(site: Site) -> None:
    """New modification times on every source, with the same bytes, rewrite no output file and leave
    the output folder in place."""
    before = stats(site.out)
    folder = site.out.stat().st_ino
    for path in site.root.rglob("*"):
        if path.is_file() and site.cache not in path.parents:
            os.utime(path)
    site.build()
    after = stats(site.out)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert site.out.stat().st_ino == folder
    site.assert_like_clean()


def test_a_briefing_body_edited(site: Site) -> None:
    """Editing one briefing's body rewrites its page and keeps unrelated pages as they were."""
    age(site.out)
    before = stats(site.out)
    edit(site.path(BRIEFING), "\nThe Metropolitan", f"\n{BODY_LINE}\n\nThe Metropolitan")
    result = site.build()
    assert (reused(result) or 0) > 0
    after = stats(site.out)
    assert BODY_LINE in (site.out / BRIEFING_PAGE).read_text(encoding="utf-8")
    assert after[BRIEFING_PAGE][0] != before[BRIEFING_PAGE][0]
    for unrelated in (OTHER_PAGE, OTHER_PERSON_PAGE, "about/index.html", "css/bulletin.css"):
        assert after[unrelated][0] == before[unrelated][0], unrelated
    site.assert_like_clean()


def test_a_briefing_added(site: Site) -> None:
    """A new briefing file gets its page and its place in every listing, as in a clean build."""
    site.path("content/briefings/2016/2016-08-05-extra-patrols-croydon.md").write_text(
        '---\ntitle: "Extra patrols in Croydon"\ndate: 2016-08-05T09:00:00\nthreat_level: severe\n'
        'region: "London"\ntags: ["Visible patrols"]\nspokespeople: [sadiq-khan]\n---\n\nMore officers in Croydon.\n',
        encoding="utf-8",
    )
    site.build()
    assert (site.out / "briefings/extra-patrols-croydon/index.html").is_file()
    site.assert_like_clean()


def test_a_briefing_deleted(site: Site) -> None:
    """A deleted briefing's page and folder go, in every language, and it leaves every listing."""
    site.path(BRIEFING).unlink()
    site.path(WELSH).unlink()  # a translation without its original is an error
    site.build()
    assert not (site.out / "briefings/armed-officers-london").exists()
    assert not (site.out / "cy/briefings/armed-officers-london").exists()
    site.assert_like_clean()


def test_a_briefing_renamed(site: Site) -> None:
    """A briefing moved to another folder and file name moves to its new slug; the old one is gone."""
    target = site.path("content/briefings/2017/2016-08-03-more-armed-officers-london.md")
    site.path(BRIEFING).rename(target)
    site.path(WELSH).rename(target.with_suffix(".cy.md"))  # its translation moves with it
    site.build()
    assert not (site.out / "briefings/armed-officers-london").exists()
    assert (site.out / "briefings/more-armed-officers-london/index.html").is_file()
    assert "600 yn rhagor" in (site.out / "cy/briefings/more-armed-officers-london/index.html").read_text("utf-8")
    site.assert_like_clean()


def test_a_person_edited(site: Site) -> None:
    """A person's new name shows on their page and on every briefing quoting them."""
    edit(site.path("content/people/dana-whitfield.yaml"), "Dana Whitfield", "Dana Whitfield-Okafor")
    site.build()
    for page in (
        "people/dana-whitfield/index.html",
        "briefings/awareness-week-manchester/index.html",
        "briefings/manchester-christmas-markets-patrols/index.html",
    ):
        assert "Dana Whitfield-Okafor" in (site.out / page).read_text(encoding="utf-8"), page
    site.assert_like_clean()


OVERRIDES = [  # a page's own template, the one it extends, and one that one includes
    ("briefing.html", "{% block title %}", "{% block title %}OVERRIDDEN "),
    ("base.html", "<body>", "<body><!-- OVERRIDDEN-BASE -->"),
    ("partials/nav.html", "", "<!-- OVERRIDDEN-NAV -->"),
]


def test_template_overrides_added_then_removed(site: Site) -> None:
    """Site templates overriding the theme's (a page's own, the one it extends, one that includes)
    change the pages; removing them brings the theme's pages back, byte for byte."""
    original = tree(site.out)
    for name, old, new in OVERRIDES:
        theme = (REPO / "templates" / name).read_text(encoding="utf-8")
        marked = theme.replace(old, new, 1) if old else new + theme
        assert marked != theme
        override = site.path(f"templates/{name}")
        override.parent.mkdir(parents=True, exist_ok=True)
        override.write_text(marked, encoding="utf-8")
    site.build()
    page = (site.out / BRIEFING_PAGE).read_text(encoding="utf-8")
    assert "<title>OVERRIDDEN " in page and "OVERRIDDEN-BASE" in page and "OVERRIDDEN-NAV" in page
    site.assert_like_clean()
    shutil.rmtree(site.path("templates"))
    site.build()
    assert tree(site.out) == original  # the first build's, made with an empty cache


def test_site_yaml_edited(site: Site) -> None:
    """A new site title reaches every page, and a larger page size removes the second listing page."""
    assert (site.out / "briefings/page/2/index.html").is_file()
    edit(site.path("site.yaml"), 'title: "London Security Briefings"', 'title: "Briefings for London"')
    edit(site.path("site.yaml"), "per_page: 5\n", "per_page: 50\n")
    site.build()
    assert "Briefings for London" in (site.out / OTHER_PAGE).read_text(encoding="utf-8")
    assert not (site.out / "briefings/page").exists()
    site.assert_like_clean()


def test_a_data_file_edited(site: Site) -> None:
    """An edit to content/threat-levels.yaml reaches the threat level page."""
    edit(site.path("content/threat-levels.yaml"), "Lowered from critical.", "Lowered from critical again.")
    site.build()
    assert "Lowered from critical again." in (site.out / "threat-level/index.html").read_text(encoding="utf-8")
    site.assert_like_clean()


def test_an_error_then_its_fix(site: Site) -> None:
    """A build that fails on an edit leaves the output as it was; the fix (not the old text) then
    gives the clean bytes."""
    age(site.out)
    before = stats(site.out)
    path = site.path(BRIEFING)
    edit(path, "threat_level: severe", "threat_level: sever")
    failed = site.build(code=1)
    assert "threat_level" in failed.err
    assert stats(site.out) == before
    edit(path, "threat_level: sever\n", "threat_level: critical\n")
    site.build()
    site.assert_like_clean()


def test_a_cache_dir_outside_the_site(site: Site) -> None:
    """--cache-dir moves the cache: a run warms it, the next reuses it after an edit, with clean bytes."""
    elsewhere = str(site.work / "elsewhere")
    result = site.build("--cache-dir", elsewhere)
    assert reused(result) == 0
    edit(site.path(BRIEFING), "\nThe Metropolitan", f"\n{BODY_LINE}\n\nThe Metropolitan")
    result = site.build("--cache-dir", elsewhere)
    assert (reused(result) or 0) > 0
    assert BODY_LINE in (site.out / BRIEFING_PAGE).read_text(encoding="utf-8")
    site.assert_like_clean()


@pytest.mark.parametrize("damage", ["random", "empty", "deleted", "another key"])
def test_a_damaged_cache(site: Site, damage: str) -> None:
    """A cache folder (parsed sources and the last build's stamp) overwritten with random bytes,
    truncated to empty files, deleted, or signed with a key that is not the user's is never a
    failure nor believed; and the next run, after an edit, uses the rebuilt cache."""
    files = [p for p in site.cache.rglob("*") if p.is_file()]
    assert files
    if damage == "random":
        for path in files:
            path.write_bytes(os.urandom(max(path.stat().st_size, 4096)))
    elif damage == "empty":
        for path in files:
            path.write_bytes(b"")
    elif damage == "deleted":
        shutil.rmtree(site.cache)
    else:
        site.env = {"XDG_CACHE_HOME": str(site.work / "another-user")}
    result = site.build()
    assert reused(result) == 0  # a full build that took nothing from the damaged cache
    site.assert_like_clean()
    edit(site.path(BRIEFING), "\nThe Metropolitan", f"\n{BODY_LINE}\n\nThe Metropolitan")
    result = site.build()
    assert (reused(result) or 0) > 0
    assert BODY_LINE in (site.out / BRIEFING_PAGE).read_text(encoding="utf-8")
    site.assert_like_clean()


SAME_SIZE_EDITS = [  # (file, old text, new text of the same length, a page that shows it)
    (BRIEFING, "up from 2,200", "up from 2,300", BRIEFING_PAGE),
    ("content/people/marcus-bell.yaml", "Marcus Bell", "Marcus Bull", OTHER_PERSON_PAGE),
    ("site.yaml", "London Security Briefings", "London Security Bulletins", OTHER_PAGE),
]


def test_edits_that_keep_size_and_modification_time(site: Site) -> None:
    """New bytes of the same length in a briefing, a person and site.yaml, each with its old
    modification time put back, are still seen."""
    for rel, old, new, _page in SAME_SIZE_EDITS:
        assert len(old.encode()) == len(new.encode())
        path = site.path(rel)
        before = path.stat()
        edit(path, old, new)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = path.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    site.build()
    for _rel, _old, new, page in SAME_SIZE_EDITS:
        assert new in (site.out / page).read_text(encoding="utf-8"), page
    site.assert_like_clean()


def test_the_clock_moves_past_an_embargo_an_update_and_an_expiry(tmp_path: Path) -> None:
    """Unchanged sources built at a later --now (before anything falls due, then after) give the
    clean bytes for that time: the embargoed briefing appears, a scheduled update is published, an
    expired briefing leaves the listings and a new threat level comes into force; and going back to
    the earlier time gives the bytes built at that time again."""
    site = Site(tmp_path)
    edit(
        site.path("content/briefings/2026/2026-03-02-awareness-week-london.md"),
        "date: 2026-03-02T08:00:00\n",
        "date: 2026-03-02T08:00:00\npublish_at: 2026-03-02T08:00:00\n",
    )
    with site.path("content/threat-levels.yaml").open("a", encoding="utf-8") as levels:
        levels.write('- level: severe\n  since: 2026-06-01T00:00:00\n  note: "Raised for this test."\n')
    site.build()  # with an empty cache, so as a clean build; and it warms the cache
    first = tree(site.out)
    embargoed = site.out / "briefings/awareness-week-london"
    assert not embargoed.exists()
    markets = site.out / "briefings/manchester-christmas-markets-patrols/index.html"
    assert "Corrected the number of officers" not in markets.read_text(encoding="utf-8")
    listing = site.out / "briefings/index.html"
    assert "manchester-christmas-markets-patrols" in listing.read_text(encoding="utf-8")
    home = site.out / "index.html"
    assert 'level-now"><span class="level-badge" data-level="substantial"' in home.read_text(encoding="utf-8")
    soon = "2026-01-15T00:00:00Z"  # before anything falls due: the last build's stamp still holds
    site.build(now=soon)
    site.assert_like_clean(now=soon)
    later = "2026-12-24T00:00:00Z"  # past the embargo, the update of 2026-11-16 and the expiry of 2026-12-23
    result = site.build(now=later)
    assert (reused(result) or 0) > 0
    assert (embargoed / "index.html").is_file()
    assert "Corrected the number of officers" in markets.read_text(encoding="utf-8")
    assert "manchester-christmas-markets-patrols" not in listing.read_text(encoding="utf-8")
    assert 'level-now"><span class="level-badge" data-level="severe"' in home.read_text(encoding="utf-8")
    site.assert_like_clean(now=later)
    site.build()
    assert not embargoed.exists()
    assert tree(site.out) == first


def test_the_clock_moves_on_a_site_whose_briefings_have_all_expired(tmp_path: Path) -> None:
    """A site whose every briefing has expired, built again at a later --now with nothing else
    changed, gives the bytes of a clean build at that time (feed.xml included)."""
    site = Site(tmp_path, "minimal")
    briefings = sorted(site.path("content/briefings").glob("*.md"))
    assert briefings
    for path in briefings:
        edit(path, "\ndate: ", "\nexpires: 2019-01-01T00:00:00\ndate: ")
    site.build()  # records the fixture's CAP messages in published/
    site.build()  # with nothing left to record, this one leaves the last build's stamp
    assert "<entry>" not in (site.out / "feed.xml").read_text(encoding="utf-8")
    later = "2026-06-01T00:00:00Z"
    site.build(now=later)
    site.assert_like_clean(now=later)


def test_the_clock_reaches_a_recorded_message_the_sources_no_longer_give(tmp_path: Path) -> None:
    """A recorded CAP message whose update was deleted from the sources still goes out when a later
    --now passes its time, as in a clean build."""
    site = Site(tmp_path, "minimal")
    site.build(now="2016-08-05T00:00:00Z")  # publishes the alert and its update, and records both
    assert site.path("published/patrols/1.xml").is_file()
    edit(
        site.path("content/briefings/2016-08-03-patrols.md"),
        'updates:\n  - date: 2016-08-04T09:00:00\n    note: "Added advice."\n',
        "",
    )
    site.build(now="2016-08-03T12:00:00Z")  # before the update was sent
    assert not (site.out / "briefings/patrols/cap/1.xml").exists()
    site.settle()
    site.build(now="2016-08-03T12:00:00Z")  # nothing to change: the stamp this run leaves is believed
    site.build(now="2016-08-05T00:00:00Z")
    site.assert_like_clean(now="2016-08-05T00:00:00Z")


def test_another_jinja2_version(tmp_path: Path) -> None:
    """Pages are rendered again by another Jinja2 version (here a copy of the installed one that
    calls itself 3.1.99 and marks every page), as a clean build with it renders them."""
    installed = Path(jinja2.__file__).parent
    shim = tmp_path / "jinja2-upgrade"
    shutil.copytree(installed, shim / "jinja2", ignore=shutil.ignore_patterns("__pycache__"))
    metadata = shim / "Jinja2-3.1.99.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.99\n", encoding="utf-8")
    with (shim / "jinja2/__init__.py").open("a", encoding="utf-8") as init:
        init.write(
            "\n_render = Template.render\n"
            "Template.render = lambda self, *a, **k: _render(self, *a, **k) + '<!-- Jinja2 3.1.99 -->'\n"
        )
    site = Site(tmp_path, "minimal")
    site.build()  # records the fixture's CAP messages in published/
    site.build()  # with nothing left to record, this one leaves the last build's stamp
    site.env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))}
    site.build()
    site.assert_like_clean()


def test_one_worker_and_two_give_the_same_bytes(tmp_path: Path) -> None:
    """On a generated site large enough for parallel parsing and rendering, an incremental --jobs 2
    rebuild after an edit gives the bytes of a clean --jobs 2 build, and a clean --jobs 1 build too."""
    root = tmp_path / "generated"
    made = subprocess.run(
        [sys.executable, str(REPO / "bench/generate.py"), str(root), "--briefings", "250"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr

    def build(output: str, *args: str) -> Run:
        result = run_build_py(
            "--site", str(root), "--now", NOW, "--output", str(tmp_path / output), *args, cwd=tmp_path
        )
        assert result.code == 0, result.err
        assert "Traceback" not in result.err + result.out
        return result

    build("incremental", "--jobs", "2")  # warms the cache (and records the CAP messages in published/)
    briefing = next(iter(sorted((root / "content/briefings").rglob("*.md"))))
    briefing.write_text(briefing.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert (reused(build("incremental", "--jobs", "2", "-v")) or 0) > 0
    two = build("two", "--no-cache", "--jobs", "2")
    pages = re.search(r"wrote (\d+) pages", two.err)
    assert pages is not None and int(pages.group(1)) >= pagejobs.PARALLEL_PAGES  # the workers really render
    assert_same_tree(tmp_path / "incremental", tmp_path / "two")
    build("one", "--no-cache", "--jobs", "1")
    assert_same_tree(tmp_path / "one", tmp_path / "two")
