"""View models of the overview pages: the deployments chart and the archive."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import groupby

from ..fields import Moment
from ..views import BriefingView

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 76, 24, 20, 44  # room for the axis labels


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    briefing: BriefingView
    total: int
    added: int | None


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


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


def deployment_chart(briefings: list[BriefingView]) -> DeploymentChart:
    """One point per briefing that gives an officer total, oldest first."""
    with_totals = sorted(
        (b for b in briefings if b.officers is not None and b.officers.total is not None), key=lambda b: b.date.at
    )
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    if not with_totals:
        return DeploymentChart(WIDTH, HEIGHT, (), (), (), LEFT, right, TOP, bottom, 0)
    first, last = with_totals[0].date.at, with_totals[-1].date.at
    span = max((last - first).total_seconds(), 86400.0)
    start = first if last > first else first - dt.timedelta(days=0.5)
    largest = max(b.officers.total for b in with_totals)
    ceiling = _nice_ceiling(largest)

    def x_of(when: dt.datetime) -> float:
        return LEFT + (right - LEFT) * (when - start).total_seconds() / span

    def y_of(value: float) -> float:
        return bottom - (bottom - TOP) * value / ceiling

    points = tuple(
        ChartPoint(x_of(b.date.at), y_of(b.officers.total), b, b.officers.total, b.officers.added) for b in with_totals
    )
    years = range(first.year + (1 if (first.month, first.day) != (1, 1) else 0), last.year + 1)
    step = max(1, math.ceil(len(years) / 8))
    x_ticks = tuple(
        Tick(x_of(dt.datetime(year, 1, 1, tzinfo=first.tzinfo)), str(year))
        for year in years
        if (year - years.start) % step == 0
    )
    y_ticks = tuple(Tick(y_of(ceiling * i / 4), f"{round(ceiling * i / 4):,}") for i in range(5))
    return DeploymentChart(WIDTH, HEIGHT, points, x_ticks, y_ticks, LEFT, right, TOP, bottom, largest)


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
    briefings: tuple[BriefingView, ...]


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
        for _, in_month in groupby(in_year, key=lambda b: b.date.at.month):
            items = tuple(in_month)
            at = items[0].date.at
            months.append(
                ArchiveMonth(Moment(at.replace(day=1, hour=0, minute=0, second=0, microsecond=0), True), items)
            )
        years.append(ArchiveYear(year, tuple(months), sum(len(m.briefings) for m in months)))
    return years
