"""Stage two for ``content/areas.yaml``: the gazetteer of named areas and their CAP geometry.

Aggregators place an alert on a map from its ``<area>``: Google Public Alerts refuses an area
with only a description, and rejects polygons that are open, cross themselves or use more
than 1,000 points. Every such rule is checked here, at the line of the offending value.
"""

from __future__ import annotations

import math
from typing import Any

from .. import fields as f
from ..errors import Problems
from ..yamlsafe import KeyPath
from .model import Area, Circle
from .parse import ParsedSource

AREAS_FILE = "content/areas.yaml"
AREA_DESC_LIMIT = 50  # CAP areaDesc: Google shows it in the alert's title
MAX_POINTS = 1000
MAX_DECIMALS = 6  # Google Public Alerts: about 10 cm; more is noise
MAX_RADIUS_KM = 20_000.0  # half the Earth's circumference
MIN_RADIUS_KM = 0.001  # 1 m: smaller rounds to 0 at CAP's 6 decimals


def _number(low: float, high: float, what: str) -> Any:
    def convert(reader: f.Reader, at: KeyPath, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if at in reader.doc.retyped or isinstance(value, str):
                raise f.Invalid(f"must be a number (a {what}), written without quotes")
            raise f.Invalid(f"must be a number (a {what}), got {f._kind(value, reader.doc, at)}")
        if (isinstance(value, float) and not math.isfinite(value)) or not low <= value <= high:
            raise f.Invalid(f"{value} is out of range for a {what} ({low:g} to {high:g})")
        if isinstance(value, float) and _decimals(value) > MAX_DECIMALS:
            reader.warning(at, f"{value} has more than {MAX_DECIMALS} decimals; CAP aggregators use at most 6")
        return float(value)

    return f.accepts({"type": "number", "minimum": low, "maximum": high})(convert)


def _decimals(value: float) -> int:
    text = repr(value)
    return 0 if "e" in text or "." not in text else len(text.split(".")[1])


_latitude = _number(-90, 90, "latitude")
_longitude = _number(-180, 180, "longitude")


@f.accepts({"type": "number", "minimum": MIN_RADIUS_KM, "maximum": MAX_RADIUS_KM})
def _radius(reader: f.Reader, at: KeyPath, value: Any) -> float:
    result = _number(0, MAX_RADIUS_KM, "radius in kilometres")(reader, at, value)
    if result < MIN_RADIUS_KM:
        raise f.Invalid(
            f"must be more than 0, at least {MIN_RADIUS_KM:g} (Google Public Alerts ignores circles without a radius)"
        )
    return result


# draft-07's tuple form of items: [lat, lon], nothing more.
@f.accepts(
    lambda describe: {
        "type": "array",
        "items": [describe(_latitude), describe(_longitude)],
        "minItems": 2,
        "maxItems": 2,
    }
)
def _point(reader: f.Reader, at: KeyPath, value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise f.Invalid("each point must be a pair [lat, lon], e.g. [51.5072, -0.1276]")
    lat, lon = value
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if numbers and abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        raise f.Invalid(f"latitude {lat} is out of range (-90 to 90); is this [lon, lat]? write [lat, lon]")
    before = reader.failures
    pair = (
        reader.field((*at, 0), lat, f.Field(_latitude)),
        reader.field((*at, 1), lon, f.Field(_longitude)),
    )
    if reader.failures > before:
        return f.MISSING
    return pair


@f.accepts(lambda describe: {"type": "array", "items": describe(_point), "minItems": 4, "maxItems": MAX_POINTS})
def _polygon(reader: f.Reader, at: KeyPath, value: Any) -> tuple[tuple[float, float], ...]:
    points = f.list_of(_point)(reader, at, value)
    if points is f.MISSING:
        return f.MISSING
    if len(points) > MAX_POINTS:
        raise f.Invalid(f"has {len(points)} points; CAP aggregators accept at most {MAX_POINTS}: simplify the outline")
    if len(points) < 4:
        raise f.Invalid(f"has {len(points)} points; a polygon needs at least 4, the last one repeating the first")
    if points[0] != points[-1]:
        first = f"[{points[0][0]:g}, {points[0][1]:g}]"
        reader.error((*at, len(points) - 1), f"polygon: the ring is open; end it with the first point again, {first}")
        return f.MISSING
    for index in range(1, len(points)):
        if points[index] == points[index - 1]:
            reader.error((*at, index), f"polygon: point {index + 1} repeats the point before it; remove it")
            return f.MISSING
    if len(set(points[:-1])) < 3:
        raise f.Invalid("encloses no area; give at least three different points")
    crossing = first_crossing(points)
    if crossing is not None:
        i, j = crossing
        reader.error(
            (*at, j),
            f"polygon crosses itself: the edge from point {j + 1} to {j + 2} crosses the edge from point "
            f"{i + 1} to {i + 2}",
        )
        return f.MISSING
    if _shoelace(points) == 0:
        raise f.Invalid("encloses no area (its points are on one line); give a real outline")
    return points


def _shoelace(ring: tuple[tuple[float, float], ...]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def first_crossing(ring: tuple[tuple[float, float], ...]) -> tuple[int, int] | None:
    """The first pair of edges (i < j) of a closed ring that touch or cross, other than neighbours
    sharing a corner; None for a simple polygon. Edges are swept by their lowest latitude, so a
    1,000-point outline costs far less than comparing every pair."""
    n = len(ring) - 1  # edges
    edges = [(ring[k], ring[k + 1]) for k in range(n)]
    order = sorted(range(n), key=lambda k: min(edges[k][0][0], edges[k][1][0]))
    found: list[tuple[int, int]] = []
    for position, a in enumerate(order):
        top = max(edges[a][0][0], edges[a][1][0])
        for b in order[position + 1 :]:
            if min(edges[b][0][0], edges[b][1][0]) > top:
                break
            i, j = min(a, b), max(a, b)
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbours share a corner
            if _segments_meet(*edges[i], *edges[j]):
                found.append((i, j))
    return min(found, key=lambda pair: (pair[1], pair[0])) if found else None


Point = tuple[float, float]


def _segments_meet(p: Point, q: Point, r: Point, s: Point) -> bool:
    def orient(a: Point, b: Point, c: Point) -> int:
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (value > 0) - (value < 0)

    def within(a: Point, b: Point, c: Point) -> bool:
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    o1, o2, o3, o4 = orient(p, q, r), orient(p, q, s), orient(r, s, p), orient(r, s, q)
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and within(p, q, r))
        or (o2 == 0 and within(p, q, s))
        or (o3 == 0 and within(r, s, p))
        or (o4 == 0 and within(r, s, q))
    )


_CIRCLE = {
    "lat": f.Field(_latitude, required=True, doc="latitude of the centre (WGS 84)"),
    "lon": f.Field(_longitude, required=True, doc="longitude of the centre (WGS 84)"),
    "radius_km": f.Field(_radius, required=True, doc="radius in kilometres, more than 0"),
}


# Codes are text: a code YAML would read as a number must be quoted to keep its leading zeros.
@f.accepts(
    lambda describe: {
        "type": "object",
        "minProperties": 1,
        "propertyNames": f.matching(r"^\S+$", "is not a code system name such as GSS or SAME"),
        "additionalProperties": describe(f.line_text),
    }
)
def _geocodes(reader: f.Reader, at: KeyPath, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not value:
        raise f.Invalid('must be a mapping of code system to code, e.g. {GSS: E09000033} or {SAME: "006037"}')
    codes = []
    before = reader.failures
    for system, code in value.items():
        if not isinstance(system, str) or not system.strip() or any(c.isspace() for c in system):
            reader.error((*at, system), f"geocodes: '{system}' is not a code system name such as GSS or SAME")
            continue
        if isinstance(code, int) and not isinstance(code, bool):
            written = reader.doc.retyped.get((*at, system), (str(code), ""))[0]
            reader.error((*at, system), f'geocodes.{system}: write the code in quotes, "{written}", to keep it exact')
            continue
        converted = reader.field((*at, system), code, f.Field(f.line_text))
        if converted is not f.MISSING:
            codes.append((system, converted))
    return f.MISSING if reader.failures > before else tuple(codes)


@f.accepts(lambda describe: f.refine(describe(f.line_text), maxLength=AREA_DESC_LIMIT))
def _name(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    if len(result) > AREA_DESC_LIMIT:
        raise f.Invalid(
            f"is {len(result)} characters; CAP's areaDesc takes at most {AREA_DESC_LIMIT} (Google shows it as a title)"
        )
    return result


ENTRY = {
    "id": f.Field(f.slug, required=True, doc="what briefings write in area:"),
    "name": f.Field(_name, required=True, doc="the CAP areaDesc, at most 50 characters"),
    "polygon": f.Field(_polygon, doc="[lat, lon] points, at least 4, the last equal to the first, at most 1,000"),
    "circle": f.Field(f.record(_CIRCLE, "circle"), doc="{lat, lon, radius_km}"),
    "geocodes": f.Field(_geocodes, doc="code system to code, e.g. {GSS: E09000033}"),
    "translations": f.Field(
        f.by_language({"name": f.Field(_name, doc="the area's name in this language")}, "a translation"),
        doc="{<language>: {name}}: the CAP areaDesc in each language of site.yaml translations",
    ),
}
GEOMETRY_KEYS = ("polygon", "circle", "geocodes")  # an area needs at least one of them


def read_areas(parsed: ParsedSource, problems: Problems) -> dict[str, Area | None]:
    """Every area by id, None for an area whose own entry has errors (all of them reported), so
    briefings that name it are not reported a second time."""
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None:
        return {}
    reader = f.Reader(doc, parsed.path, problems)
    if not isinstance(doc.value, list):
        reader.error((), "areas.yaml must be a list of areas, each {id, name, polygon or circle, geocodes}")
        return {}
    areas: dict[str, Area | None] = {}
    for index, item in enumerate(doc.value):
        before = reader.failures
        values = reader.mapping((index,), item, ENTRY, "an area")
        if values is None or "id" not in values:
            continue
        area_id = values["id"]
        if area_id in areas:
            reader.error((index, "id"), f"area id '{area_id}' is used twice")
            continue
        areas[area_id] = None
        if not set(GEOMETRY_KEYS) & set(item):
            reader.error((index,), f"area '{area_id}' needs a polygon, a circle or geocodes", key=True)
        if reader.failures > before:
            continue
        circle = values.get("circle")
        areas[area_id] = Area(
            id=area_id,
            name=values["name"],
            polygon=values.get("polygon", ()),
            circle=Circle(circle["lat"], circle["lon"], circle["radius_km"]) if circle else None,
            geocodes=values.get("geocodes", ()),
            names=tuple(
                (language, texts["name"])
                for language, texts in values.get("translations", {}).items()
                if "name" in texts
            ),
        )
    return areas
