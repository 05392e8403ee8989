"""View models of the overview pages: the deployments chart and table, and the archive.

Both stay bounded whatever the archive's size: the chart plots one point per month (or per year)
once there are more briefings than fit its width, and the table and the archive are split into
pages of at most a few hundred rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from ..fields import Moment
from ..views import BriefingView

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 76, 24, 20, 44  # room for the axis labels
MAX_POINTS = 120  # more stems than this would touch each other in 640 units of width
DEPLOYMENT_ROWS = 100  # table rows per deployments page: about 40 KB of HTML
ARCHIVE_ROWS = 200  # briefings per archive month page: about 50 KB of HTML


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    briefing: BriefingView  # the briefing, or the first of the period with its highest total
    total: int  # the briefing's total, or the highest of the period
    added: int | None  # None for a period
    period: Moment | None = None  # a point for a month or a year: its first day
    count: int = 1  # briefings the point stands for


@dataclass(frozen=True)
class Tick:
    position: float
    label: str  # an x tick's year; a y tick's figure as English writes it ("1,500")
    # A y tick's figure: the theme writes it with the ``number`` filter, so each language's page
    # groups it as that language does ("1 500" in French); None for an x tick.
    value: int | None = None


@dataclass(frozen=True)
class DeploymentChart:
    """Officer totals over time, laid out for an inline SVG (coordinates in a 640 x 300 viewBox)."""

    width: int
    height: int
    points: tuple[ChartPoint, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    largest: int
    period: str  # what one point stands for: "briefing", "month" or "year"
    count: int  # briefings with an officer total
    first: BriefingView | None  # the oldest of them
    last: BriefingView | None  # the newest of them


def with_officer_totals(briefings: list[BriefingView]) -> list[BriefingView]:
    """The briefings that give an officer total, oldest first."""
    return sorted(
        (b for b in briefings if b.officers is not None and b.officers.total is not None), key=lambda b: b.date.at
    )


def deployment_chart(with_totals: list[BriefingView]) -> DeploymentChart:
    """One point per briefing (``with_totals``, oldest first); when they are too many to tell
    apart, one point per month (per year for a very long archive) at the period's highest total."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    if not with_totals:
        return DeploymentChart(WIDTH, HEIGHT, (), (), (), LEFT, right, TOP, bottom, 0, "briefing", 0, None, None)
    first, last = with_totals[0].date.at, with_totals[-1].date.at
    period = _period(len(with_totals), first, last)
    start, end = _time_range(first, last, period)
    span = (end - start).total_seconds()
    largest = max(b.officers.total for b in with_totals)
    ceiling = _nice_ceiling(largest)

    def x_of(when: dt.datetime) -> float:
        return LEFT + (right - LEFT) * (when - start).total_seconds() / span

    def y_of(value: float) -> float:
        return bottom - (bottom - TOP) * value / ceiling

    if period == "briefing":
        points = tuple(
            ChartPoint(x_of(b.date.at), y_of(b.officers.total), b, b.officers.total, b.officers.added)
            for b in with_totals
        )
    else:
        points = tuple(_period_point(items, period, x_of, y_of) for items in _periods(with_totals, period))
    quarters = [ceiling * i / 4 for i in range(5)]  # placed exactly, labelled rounded (a ceiling of 1, 2 or 3)
    y_ticks = tuple(Tick(y_of(q), f"{round(q):,}", round(q)) for q in quarters)
    return DeploymentChart(
        WIDTH,
        HEIGHT,
        points,
        _year_ticks(start, end, x_of),
        y_ticks,
        LEFT,
        right,
        TOP,
        bottom,
        largest,
        period=period,
        count=len(with_totals),
        first=with_totals[0],
        last=with_totals[-1],
    )


def _time_range(first: dt.datetime, last: dt.datetime, period: str) -> tuple[dt.datetime, dt.datetime]:
    """The dates at the left and right ends of the plot: whole periods when points stand for them."""
    if period != "briefing":
        return _period_start(first, period), _period_end(last, period)
    start = first if last > first else first - dt.timedelta(days=0.5)  # a lone point in the middle
    return start, start + dt.timedelta(seconds=max((last - first).total_seconds(), 86400.0))


def _year_ticks(start: dt.datetime, end: dt.datetime, x_of: Callable[[dt.datetime], float]) -> tuple[Tick, ...]:
    """A tick at new year's days in [start, end), at most about eight: an aggregated plot ends on one."""
    years = range(_next_year(start), _next_year(end))
    step = max(1, math.ceil(len(years) / 8))
    return tuple(
        Tick(x_of(dt.datetime(year, 1, 1, tzinfo=start.tzinfo)), str(year))
        for year in years
        if (year - years.start) % step == 0
    )


def _period(count: int, first: dt.datetime, last: dt.datetime) -> str:
    """What one point stands for: a briefing while they fit, else the shortest period that fits."""
    if count <= MAX_POINTS:
        return "briefing"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if months <= MAX_POINTS else "year"


def _period_start(when: dt.datetime, period: str) -> dt.datetime:
    return when.replace(month=1 if period == "year" else when.month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _period_end(when: dt.datetime, period: str) -> dt.datetime:
    """The start of the next month or year."""
    start = _period_start(when, period)
    if period == "year" or start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def _next_year(when: dt.datetime) -> int:
    """The first year that starts at or after ``when``."""
    return when.year + (0 if when == _period_start(when, "year") else 1)


def _periods(with_totals: list[BriefingView], period: str) -> list[list[BriefingView]]:
    def key(b: BriefingView) -> tuple[int, int]:
        return (b.date.at.year, b.date.at.month if period == "month" else 1)

    return [list(items) for _, items in groupby(with_totals, key=key)]


def _period_point(
    items: list[BriefingView], period: str, x_of: Callable[[dt.datetime], float], y_of: Callable[[float], float]
) -> ChartPoint:
    """The period's highest total, placed in the middle of the period."""
    top = max(items, key=lambda b: b.officers.total)
    start = _period_start(top.date.at, period)
    middle = start + (_period_end(start, period) - start) / 2
    total = top.officers.total
    return ChartPoint(x_of(middle), y_of(total), top, total, None, Moment(start, True), len(items))


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (and above 0)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= factor * power:
            return int(factor * power)
    return 10 * power


@dataclass(frozen=True)
class ArchiveMonth:
    first_day: Moment  # for <time datetime="YYYY-MM"> and the month's name
    url: str  # the month's page, /archive/YYYY/MM/
    briefings: tuple[BriefingView, ...]  # newest first

    @property
    def count(self) -> int:
        return len(self.briefings)


@dataclass(frozen=True)
class ArchiveYear:
    year: int
    months: tuple[ArchiveMonth, ...]
    count: int


def archive(briefings: list[BriefingView]) -> list[ArchiveYear]:
    """Briefings by year and month, newest first."""
    ordered = sorted(briefings, key=lambda b: (b.date.at, b.slug), reverse=True)
    years = []
    for year, in_year in groupby(ordered, key=lambda b: b.date.at.year):
        months = []
        for month, in_month in groupby(in_year, key=lambda b: b.date.at.month):
            items = tuple(in_month)
            first_day = Moment(_period_start(items[0].date.at, "month"), True)
            months.append(ArchiveMonth(first_day, f"/archive/{year:04d}/{month:02d}/", items))
        years.append(ArchiveYear(year, tuple(months), sum(m.count for m in months)))
    return years
