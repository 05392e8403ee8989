"""The HTML pages of the site: which pages exist, with which template and context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..site import Site
from ..views import BriefingView, Link, Taxonomy, ViewBuilder
from .sections import ARCHIVE_ROWS, DEPLOYMENT_ROWS, archive, deployment_chart, with_officer_totals


@dataclass(frozen=True)
class PageSpec:
    """One page to render: its site path, its template and the context of that template."""

    url: str
    template: str
    context: dict[str, Any]
    source: str  # what it is built from, for messages
    content: str | None = None  # the content file it shows (a briefing, a page), which may be translated


@dataclass(frozen=True)
class Pagination:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    page_urls: tuple[str, ...]


def plan_pages(site: Site, views: ViewBuilder) -> Iterator[PageSpec]:
    listed = views.listed()
    yield PageSpec("/", "index.html", {"latest": listed[: site.config.per_page]}, "the home page")
    yield from _paginated(
        views, listed, site.config.per_page, "/briefings/", "briefings.html", {}, "the briefing listing"
    )
    for briefing in views.briefings.values():
        what = f"briefing '{briefing.slug}'"
        yield PageSpec(briefing.url, "briefing.html", {"briefing": briefing}, what, briefing.path)
    for kind, label in (("tags", "tag"), ("regions", "region")):
        groups = views.taxonomy(kind)
        yield PageSpec(f"/{kind}/", "taxonomy-index.html", {"groups": groups, "kind": kind}, f"the {label} index")
        for group in groups:
            yield from _taxonomy_pages(views, group, kind, label, site.config.per_page)
    people = list(views.people.values())
    quotes_by: dict[str, list[dict[str, Any]]] = {p.id: [] for p in people}
    briefings_by: dict[str, list[Any]] = {p.id: [] for p in people}
    for briefing in listed:
        for person in briefing.spokespeople:
            briefings_by[person.id].append(briefing)
        for quote in briefing.quotes:
            quotes_by[quote.person.id].append({"text": quote.text, "briefing": briefing})
    yield PageSpec("/people/", "people.html", {"people": people}, "the people index")
    for person in people:
        # Quotes are paginated (a spokesperson of a large archive has thousands); the page also
        # names the person's latest briefings.
        extra = {"person": person, "briefings": briefings_by[person.id][: site.config.per_page]}
        what = f"person '{person.id}'"
        yield from _paginated(
            views, quotes_by[person.id], site.config.per_page * 2, person.url, "person.html", extra, what, "quotes"
        )
    yield PageSpec("/threat-level/", "threat-level.html", {}, "the threat-level page")
    published = views.on_pages()
    yield from _deployment_pages(views, published)
    yield from _archive_pages(views, published)
    yield PageSpec("/search/", "search.html", {}, "the search page")
    for page in site.pages:
        view = views.page(page)
        yield PageSpec(view.url, "page.html", {"page": view}, page.path, page.path)
    yield PageSpec("/404.html", "404.html", {"absolute_links": True}, "the 404 page")


def _paginated(
    views: ViewBuilder,
    items: list[Any],
    per_page: int,
    base: str,
    template: str,
    extra: dict[str, Any],
    what: str,
    key: str = "briefings",
) -> Iterator[PageSpec]:
    chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]
    urls = views.stable(
        ("urls", base), tuple(base if n == 1 else f"{base}page/{n}/" for n in range(1, len(chunks) + 1))
    )
    for index, chunk in enumerate(chunks):
        pagination = Pagination(
            number=index + 1,
            total=len(chunks),
            prev_url=urls[index - 1] if index > 0 else None,
            next_url=urls[index + 1] if index + 1 < len(chunks) else None,
            page_urls=urls,
        )
        context = {**extra, key: chunk, "pagination": pagination}
        yield PageSpec(urls[index], template, context, f"{what}, page {index + 1}")


def _taxonomy_pages(views: ViewBuilder, group: Taxonomy, kind: str, label: str, per_page: int) -> Iterator[PageSpec]:
    extra = {"group": group, "kind": kind, "label": label}
    yield from _paginated(
        views, list(group.briefings), per_page, group.url, "taxonomy.html", extra, f"{label} '{group.slug}'"
    )


def _deployment_pages(views: ViewBuilder, published: list[BriefingView]) -> Iterator[PageSpec]:
    """The chart and the newest rows of the table at /deployments/, older rows on its later pages."""
    with_totals = with_officer_totals(published)
    chart = views.stable(("deployments",), deployment_chart(with_totals))
    yield from _paginated(
        views,
        with_totals[::-1],
        DEPLOYMENT_ROWS,
        "/deployments/",
        "deployments.html",
        {"chart": chart},
        "the deployments page",
    )


def _archive_pages(views: ViewBuilder, published: list[BriefingView]) -> Iterator[PageSpec]:
    """/archive/ names every month with its count; each month's briefings are on the month's pages."""
    years = views.stable(("archive",), archive(published))
    yield PageSpec("/archive/", "archive.html", {"years": years, "month": None}, "the archive")
    months = [month for year in years for month in year.months]
    for index, month in enumerate(months):
        extra = {
            "month": month,
            "newer": months[index - 1] if index > 0 else None,
            "older": months[index + 1] if index + 1 < len(months) else None,
        }
        what = f"the archive of {month.first_day.at:%Y-%m}"
        yield from _paginated(views, list(month.briefings), ARCHIVE_ROWS, month.url, "archive.html", extra, what)


def navigation(site: Site) -> list[Link]:
    """site.yaml's menu, then pages with ``menu:`` in their order."""
    items = [Link(item.title, item.url) for item in site.config.menu]
    ordered = sorted((p for p in site.pages if p.menu is not None), key=lambda p: (p.menu, p.slug))
    main = site.config.languages[0]
    items.extend(Link(p.title, f"/{p.slug}/", p.language or main) for p in ordered)
    return items
