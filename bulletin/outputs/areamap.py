"""Area geometry as CAP writes it and as the briefing page draws it (an inline SVG outline).

The page map needs no tiles and no script: the outlines are projected onto a small plane
(equirectangular, scaled by the cosine of the middle latitude, so shapes keep their proportions
at a city's or a country's size), with a scale bar, a north mark and a text alternative.

The words of the map are the template's (partials/area-map.html), so each language's renderer says
them from its catalogue; this module gives the facts, its figures already written with the page's
decimal sign (the ``number`` filter cannot keep the trailing zeros of "51.50° N" or "4.0 km").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol

from ..content.model import Area, Circle
from ..i18n import Localiser

KM_PER_DEGREE = 111.32  # of latitude, and of longitude at the equator
WIDTH = 320.0
MAX_HEIGHT = 240.0
MIN_HEIGHT = 96  # room for the scale bar and a label under a flat shape
PAD = 16.0


def coordinate(value: float) -> str:
    """At most 6 decimals (about 10 cm), no trailing zeros: the form aggregators expect."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cap_polygon(points: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{coordinate(lat)},{coordinate(lon)}" for lat, lon in points)


def cap_circle(circle: Circle) -> str:
    return f"{coordinate(circle.lat)},{coordinate(circle.lon)} {coordinate(circle.radius_km)}"


@dataclass(frozen=True)
class Shape:
    name: str
    kind: str  # "polygon" or "circle"
    points: str  # polygon: "x,y x,y …" in the map's pixels
    cx: float  # circle centre and radius, and where the label goes for both kinds
    cy: float
    r: float


@dataclass(frozen=True)
class Place:
    """A point as the caption names it; the figures are degrees without their sign."""

    lat: str  # e.g. "51.50"
    north: bool
    lon: str
    east: bool


@dataclass(frozen=True)
class AreaFacts:
    """What the caption says of one area, each part None when the area has no such thing."""

    name: str
    radius_km: str | None  # a circle's radius, e.g. "1.2"
    centre: Place | None  # the circle's centre
    across_km: str | None  # an outline's larger extent, e.g. "58" or "4.0"
    middle: Place | None  # the middle of the outline's bounds
    codes: tuple[tuple[str, str], ...]  # (system, code)


@dataclass(frozen=True)
class AreaMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]
    scale_px: float  # length of the scale bar
    scale_km: str  # what it stands for, e.g. "5" or "0.5"
    names: tuple[str, ...]  # of the areas drawn, for the short text alternative
    areas: tuple[AreaFacts, ...]  # every area of the briefing, drawn or not, for the caption


def area_map(areas: tuple[Area, ...], language: str) -> AreaMap | None:
    """The map of the areas with a polygon or circle, its figures written as ``language`` writes
    them; None when none has one (geocodes alone)."""
    drawn = [a for a in areas if a.has_shape]
    if not drawn:
        return None
    lats = [lat for a in drawn for lat, _ in a.polygon] + [a.circle.lat for a in drawn if a.circle]
    middle = math.radians((min(lats) + max(lats)) / 2)
    squeeze = max(math.cos(middle), 0.05)

    def plane(lat: float, lon: float) -> tuple[float, float]:
        return lon * squeeze, -lat  # units: degrees of latitude, about 111 km

    xs: list[float] = []
    ys: list[float] = []
    for a in drawn:
        for lat, lon in a.polygon:
            x, y = plane(lat, lon)
            xs.append(x)
            ys.append(y)
        if a.circle:
            x, y = plane(a.circle.lat, a.circle.lon)
            r = a.circle.radius_km / KM_PER_DEGREE
            xs += [x - r, x + r]
            ys += [y - r, y + r]
    span_x = max(max(xs) - min(xs), 1e-6)
    span_y = max(max(ys) - min(ys), 1e-6)
    scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = max(math.ceil(span_y * scale + 2 * PAD), MIN_HEIGHT)
    left = min(xs) - (WIDTH - span_x * scale) / 2 / scale
    top = min(ys) - (height - span_y * scale) / 2 / scale

    def pixel(lat: float, lon: float) -> tuple[float, float]:
        x, y = plane(lat, lon)
        return round((x - left) * scale, 1), round((y - top) * scale, 1)

    shapes = []
    for a in drawn:
        if a.polygon:
            corners = [pixel(lat, lon) for lat, lon in a.polygon]
            cx = round((min(c[0] for c in corners) + max(c[0] for c in corners)) / 2, 1)
            cy = round((min(c[1] for c in corners) + max(c[1] for c in corners)) / 2, 1)
            shapes.append(Shape(a.name, "polygon", " ".join(f"{x:g},{y:g}" for x, y in corners), cx, cy, 0.0))
        if a.circle:
            cx, cy = pixel(a.circle.lat, a.circle.lon)
            r = round(a.circle.radius_km / KM_PER_DEGREE * scale, 1)
            shapes.append(Shape("" if a.polygon else a.name, "circle", "", cx, cy, r))  # one label an area
    km_per_px = KM_PER_DEGREE / scale
    bar_km = _nice(WIDTH / 4 * km_per_px)
    return AreaMap(
        width=int(WIDTH),
        height=height,
        shapes=tuple(shapes),
        scale_px=round(bar_km / km_per_px, 1),
        scale_km=_figure(f"{bar_km:g}", language),
        names=tuple(a.name for a in drawn),
        areas=tuple(_facts(a, language) for a in areas),
    )


def _nice(km: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``km``: a scale bar people can read."""
    power = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * power <= km:
            return float(f"{step * power:.6g}")
    return float(f"{power:.6g}")


def _figure(text: str, language: str) -> str:
    """A figure as Python writes it ("51.50", "0.5", "1230") with the language's decimal sign, so its
    digits, trailing zeros included, are those of the English page. Not grouped, as it never was:
    map figures stay under 20,000 km, and an English map keeps the text it had."""
    return text.replace(".", _decimal_sign(language))


@functools.cache
def _decimal_sign(language: str) -> str:
    """CLDR's, for the locale the pages of ``language`` are formatted in (an unknown one's is English)."""
    return get_decimal_symbol(Localiser(language).locale)


def _place(lat: float, lon: float, language: str) -> Place:
    return Place(_figure(f"{abs(lat):.2f}", language), lat >= 0, _figure(f"{abs(lon):.2f}", language), lon >= 0)


def _facts(a: Area, language: str) -> AreaFacts:
    radius: str | None = None
    centre: Place | None = None
    across: str | None = None
    middle: Place | None = None
    if a.circle:
        radius = _figure(f"{a.circle.radius_km:g}", language)
        centre = _place(a.circle.lat, a.circle.lon, language)
    if a.polygon:
        lats = [p[0] for p in a.polygon]
        lons = [p[1] for p in a.polygon]
        extent = max(
            (max(lats) - min(lats)) * KM_PER_DEGREE,
            (max(lons) - min(lons)) * KM_PER_DEGREE * math.cos(math.radians(sum(lats) / len(lats))),
        )
        across = _figure(_round_km(extent), language)
        middle = _place((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2, language)
    return AreaFacts(a.name, radius, centre, across, middle, a.geocodes)


def _round_km(km: float) -> str:
    return f"{km:.1f}" if km < 10 else f"{round(km, -1 if km >= 100 else 0):g}"
