"""Area geometry as CAP writes it and as the briefing page draws it (an inline SVG outline).

The page map needs no tiles and no script: the outlines are projected onto a small plane
(equirectangular, scaled by the cosine of the middle latitude, so shapes keep their proportions
at a city's or a country's size), with a scale bar, a north mark and a text alternative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..content.model import Area, Circle

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
class AreaMap:
    width: int
    height: int
    shapes: tuple[Shape, ...]
    scale_px: float  # length of the scale bar
    scale_label: str  # e.g. "5 km"
    title: str  # short text alternative
    description: str  # the longer one, shown as the caption


def area_map(areas: tuple[Area, ...]) -> AreaMap | None:
    """The map of the areas with a polygon or circle; None when none has one (geocodes alone)."""
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
        scale_label=f"{bar_km:g} km",
        title="Map of " + _names([a.name for a in drawn]),
        description=" ".join(_describe(a) for a in areas),
    )


def _nice(km: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``km``: a scale bar people can read."""
    power = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * power <= km:
            return float(f"{step * power:.6g}")
    return float(f"{power:.6g}")


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _place(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.2f}° {'E' if lon >= 0 else 'W'}"


def _describe(a: Area) -> str:
    parts = []
    if a.circle:
        parts.append(f"within {a.circle.radius_km:g} km of {_place(a.circle.lat, a.circle.lon)}")
    if a.polygon:
        lats = [p[0] for p in a.polygon]
        lons = [p[1] for p in a.polygon]
        across = max(
            (max(lats) - min(lats)) * KM_PER_DEGREE,
            (max(lons) - min(lons)) * KM_PER_DEGREE * math.cos(math.radians(sum(lats) / len(lats))),
        )
        centre = _place((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
        parts.append(f"an outline about {_round_km(across)} km across, centred near {centre}")
    if a.geocodes:
        parts.append("codes " + ", ".join(f"{system} {code}" for system, code in a.geocodes))
    return f"{a.name}: {'; '.join(parts)}."


def _round_km(km: float) -> str:
    return f"{km:.1f}" if km < 10 else f"{round(km, -1 if km >= 100 else 0):g}"
