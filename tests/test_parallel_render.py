"""Pages rendered in worker processes: the same bytes and the same problems for any --jobs."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import NOW, SiteDir, tree_digest

from bulletin import pagejobs
from bulletin.cli import main


@pytest.fixture(autouse=True)
def parallel_from_one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagejobs, "PARALLEL_PAGES", 1)


def _build(site: SiteDir, out: Path, jobs: str) -> tuple[int, str]:
    site.capsys.readouterr()
    code = main(["build", "--site", str(site.root), "--now", NOW, "--no-cache", "--jobs", jobs, "--output", str(out)])
    return code, site.capsys.readouterr().err


def test_two_workers_write_the_bytes_one_writes(site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pools: list[int] = []
    real_pool = pagejobs.worker_pool

    def counting_pool(jobs, *args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(jobs)
        return real_pool(jobs, *args, **kwargs)

    monkeypatch.setattr(pagejobs, "worker_pool", counting_pool)
    assert _build(site, tmp_path / "one", "1")[0] == 0
    assert pools == []
    assert _build(site, tmp_path / "two", "2")[0] == 0
    assert pools == [2]  # the pages really were rendered by workers
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    assert len(tree_digest(tmp_path / "two")) > 10


def test_a_template_error_is_reported_once_whatever_the_workers(site: SiteDir, tmp_path: Path) -> None:
    site.write("templates/briefing.html", "{% extends 'base.html' %}{% block main %}{{ 1 / 0 }}{% endblock %}\n")
    one = _build(site, tmp_path / "one", "1")
    two = _build(site, tmp_path / "two", "2")
    assert one[0] == two[0] == 1
    assert one[1] == two[1]
    assert sum("division by zero" in line for line in two[1].splitlines()) == 1


def test_a_worker_killed_from_outside_falls_back_to_rendering_here(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _build(site, tmp_path / "one", "1")[0] == 0

    parent = os.getpid()
    real_render = pagejobs._render

    def killed_in_workers(renderer, job):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return real_render(renderer, job)

    monkeypatch.setattr(pagejobs, "_render", killed_in_workers)
    code, err = _build(site, tmp_path / "two", "2")
    assert code == 0, err
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_progress_is_reported_while_workers_render(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulletin import builder

    monkeypatch.setattr(pagejobs, "PROGRESS_EVERY", 5)
    seen: list[tuple[int, int]] = []

    class Collect(builder.Reporter):
        def progress(self, done: int, total: int) -> None:
            seen.append((done, total))

    options = builder.BuildOptions(site.root, builder.resolve_now(NOW), jobs=2)
    assert builder.check(options, Collect()).ok
    total = seen[-1][1]
    assert seen[-1] == (total, total)
    assert any(0 < done < total for done, _ in seen)  # not only at the start and the end
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
