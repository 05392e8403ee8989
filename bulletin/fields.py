"""Typed fields for front matter, person files and site.yaml, declared as data.

A schema is a mapping of key -> :class:`Field`. :func:`read_mapping` checks a YAML
mapping against it: unknown keys (with a did-you-mean hint), missing required keys
and every value's type, reporting each problem at the line of its key or value and
carrying on, so one run reports everything. Converters raise :class:`Invalid`; the
reader turns that into a problem at the right line.

Each converter also declares, with :func:`accepts`, the JSON Schema of what it takes, and
:func:`record`, :func:`list_of`, :func:`one_of` and :func:`id_of` keep what they were built
from: ``bulletin/schema.py`` walks the same tables to write the editors' JSON Schemas.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .errors import Problems, did_you_mean
from .yamlsafe import KeyPath, Unreadable, YamlDoc

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_COUNT = 10**9
MAX_NAME_BYTES = 200
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NUMBER_AS_TEXT = re.compile(r"[\d\s,.'_\u00a0\u202f]+")

JsonSchema = dict[str, Any]
C = TypeVar("C", bound=Callable[..., Any])


class Invalid(Exception):
    """A value that does not fit its field; the message says what to write instead."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Field:
    convert: Callable[[Reader, KeyPath, Any], Any]
    required: bool = False
    doc: str = ""  # one line for people: the JSON Schema's description of the key
    missing: str = ""  # said after "missing required key 'x'": what the key is needed for


# JSON Schema -----------------------------------------------------------------------------


def accepts(shape: JsonSchema | Callable[[Callable[[Any], JsonSchema]], JsonSchema]) -> Callable[[C], C]:
    """Declare beside a converter the JSON Schema (draft-07) of the values it takes, as an editor's
    YAML extension sees them. A callable ``shape`` is given a function that describes other
    converters, for converters built from others."""

    def mark(convert: C) -> C:
        convert.json_schema = shape  # type: ignore[attr-defined]
        return convert

    return mark


def caseless(pattern: str) -> str:
    """``pattern`` matching as it does with re.IGNORECASE, for JSON Schema, whose patterns take no
    flags: each ASCII letter outside a character class becomes ``[xX]`` (escapes stay as they are)."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char.isascii() and char.isalpha() and not in_class:
            char = f"[{char.lower()}{char.upper()}]"
        out.append(char)
    return "".join(out)


def whole(pattern: str) -> str:
    """A ``fullmatch`` regexp as a JSON Schema pattern, which may match anywhere unless anchored."""
    return f"^(?:{pattern})$"


def absent(pattern: str) -> str:
    """A JSON Schema pattern for text in which ``pattern`` occurs nowhere. A lookahead rather than
    ``not``, because editors show a pattern's ``patternErrorMessage`` but have no message of ours for
    ``not`` ("Matches a schema that is not allowed")."""
    return rf"^(?![\s\S]*(?:{pattern}))"


def matching(pattern: str, message: str) -> JsonSchema:
    """A string matching ``pattern``; an editor that fails it says ``message`` (VS Code's
    patternErrorMessage; JSON Schema validators ignore the word), in the validator's words."""
    return {"type": "string", "pattern": pattern, "patternErrorMessage": message}


def refine(shape: JsonSchema, **more: Any) -> JsonSchema:
    """``shape`` with more constraints, as one object when they do not overlap, else with allOf."""
    if set(shape) & set(more):
        return {"allOf": [shape, more]}
    return {**shape, **more}


class Reader:
    """Reads one YAML document of one file, reporting problems against its lines."""

    def __init__(self, doc: YamlDoc, path: str, problems: Problems, tz: ZoneInfo | None = None) -> None:
        self.doc = doc
        self.path = path
        self.problems = problems
        self.tz = tz
        # Every value that failed, reported here or already by the YAML loader. A record is
        # built only when this did not grow while reading it, so no half-read record escapes.
        self.failures = 0

    def error(self, at: KeyPath, message: str, key: bool = False) -> None:
        """Report at the line of the value (or of its key); a missing top-level key at line 1."""
        if key:
            line = self.doc.key_line(at) if at else 1
        else:
            line = self.doc.line(at)
        self.failures += 1
        self.problems.error(self.path, line, message)

    def warning(self, at: KeyPath, message: str) -> None:
        self.problems.warning(self.path, self.doc.line(at), message)

    def field(self, at: KeyPath, value: Any, field: Field) -> Any:
        """Convert one value, or report why it cannot be and return MISSING."""
        if isinstance(value, Unreadable):
            self.failures += 1
            return MISSING
        try:
            return field.convert(self, at, value)
        except Invalid as exc:
            self.error(at, f"{_name(at)}: {exc}")
            return MISSING

    def mapping(self, at: KeyPath, value: Any, schema: Mapping[str, Field], what: str) -> dict[str, Any] | None:
        """Check a mapping against ``schema``; returns the converted values that were valid."""
        if isinstance(value, Unreadable):
            self.failures += 1
            return None
        if not isinstance(value, dict):
            self.error(at, f"{what} must be a mapping of keys to values, got {_kind(value, self.doc, at)}")
            return None
        result: dict[str, Any] = {}
        for key, item in value.items():
            key_path = (*at, key)
            if key not in schema:
                shown = repr(key) if key != key.strip() or not key.isascii() else f"'{key}'"
                self.error(key_path, f"unknown key {shown}{did_you_mean(key, schema)}", key=True)
                continue
            converted = self.field(key_path, item, schema[key])
            if converted is not MISSING:
                result[key] = converted
        for key, field in schema.items():
            if field.required and key not in value:
                where = f" in {_name(at)}" if at else ""
                why = f" ({field.missing})" if field.missing else ""
                self.error(at, f"missing required key '{key}'{where}{why}", key=True)
        return result


def _name(at: KeyPath) -> str:
    """``("quotes", 0, "by")`` -> ``quotes[1].by``; a path into a top-level list starts ``entry 1``."""
    parts: list[str] = []
    for part in at:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]" if parts else f"entry {part + 1}: ")
        else:
            parts.append(("." if parts and not parts[-1].endswith(" ") else "") + part)
    return "".join(parts).rstrip(": ") or "document"


def _kind(value: Any, doc: YamlDoc | None = None, at: KeyPath = ()) -> str:
    if doc is not None and at in doc.retyped:
        written, became = doc.retyped[at]
        return f"{became} (YAML read `{written}` that way)"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{shorten(str(value))}'"


def shorten(text: str, limit: int = 60) -> str:
    """A value quoted in a message: one line, and short, whatever the file holds."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit and line == text else line[: limit - 1].rstrip() + "…"


# Converters ---------------------------------------------------------------------------


@accepts(matching(absent(_CONTROL.pattern) + r"(?=[\s\S]*\S)", "is empty or contains a control character"))
def text(reader: Reader, at: KeyPath, value: Any) -> str:
    """Non-empty text on one or more lines; YAML 1.1 retyping gets a hint to quote."""
    if isinstance(value, str):
        if not value.strip():
            raise Invalid("is empty; give a value or remove the key")
        if _CONTROL.search(value):
            raise Invalid("contains a control character; remove it")
        if match := _INVISIBLE.search(value):
            reader.warning(at, f"{_name(at)}: contains the invisible character U+{ord(match.group()):04X}")
        return value.strip()
    if value is None:
        raise Invalid("is empty; give a value or remove the key")
    if at in reader.doc.retyped:
        written, became = reader.doc.retyped[at]
        raise Invalid(f'YAML read `{written}` as {became}; put it in quotes: "{written}"')
    raise Invalid(f"must be text, got {_kind(value)}")


# One line once stripped: JSON Schema's '.' and Python's (without DOTALL) both stop at a line break.
@accepts(matching(absent(_CONTROL.pattern) + r"\s*\S.*\s*$", "must be one line of text, without control characters"))
def line_text(reader: Reader, at: KeyPath, value: Any) -> str:
    """Text on a single line (titles, names, labels)."""
    result = text(reader, at, value)
    if "\n" in result:
        raise Invalid("must be on one line")
    return result


@accepts({"type": "boolean"})
def boolean(reader: Reader, at: KeyPath, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"must be true or false, got {_kind(value, reader.doc, at)}")


@accepts({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
def count(reader: Reader, at: KeyPath, value: Any) -> int:
    """A whole number >= 0; ``"2,800"`` and friends get a hint to write plain digits."""
    if isinstance(value, bool):
        raise Invalid(f"must be a whole number, got {_kind(value, reader.doc, at)}")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            raise Invalid(f"must be a whole number; write {int(value)}")
        raise Invalid(f"must be a whole number, got {value}")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        raise Invalid(f"'{value}' is text (it is in quotes); write {value.strip()} without quotes")
    if isinstance(value, str) and _NUMBER_AS_TEXT.fullmatch(value.strip()) and any(c.isdigit() for c in value):
        digits = re.sub(r"\D", "", value)
        raise Invalid(f"'{value}' is text, not a number; write {digits} without separators")
    if isinstance(value, int):
        written = reader.doc.retyped.get(at, (str(value), ""))[0]
        if written.lstrip("+") != str(value):
            why = " (a leading 0 makes it octal)" if re.fullmatch(r"0[0-7]+", written) else ""
            raise Invalid(f"YAML read `{written}` as {value}{why}; write it in plain digits, like {value}")
        if value < 0:
            raise Invalid(f"must not be negative, got {value}")
        if value > MAX_COUNT:
            raise Invalid(f"{value} is too large (at most {MAX_COUNT})")
        return value
    raise Invalid(f"must be a whole number, got {_kind(value, reader.doc, at)}")


@accepts({"type": "integer", "minimum": 1, "maximum": MAX_COUNT})
def positive(reader: Reader, at: KeyPath, value: Any) -> int:
    result = count(reader, at, value)
    if result < 1:
        raise Invalid("must be at least 1")
    return result


@accepts(
    lambda describe: {
        **matching(whole(SLUG.pattern), "may contain only a-z, 0-9 and single '-' between them"),
        "maxLength": MAX_NAME_BYTES,
        "not": {"enum": sorted(_WINDOWS_RESERVED)},  # rare enough for the editor's own message
    }
)
def slug(reader: Reader, at: KeyPath, value: Any) -> str:
    result = line_text(reader, at, value)
    if not SLUG.fullmatch(result):
        raise Invalid(f"'{result}' may contain only a-z, 0-9 and single '-' between them")
    check_portable_name(result)
    return result


HTTP_URL = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)
_LINK_URL = re.compile(r"(https?://[^\s/?#]+|mailto:)[^\s]*", re.IGNORECASE)
_SITE_PATH = r"/(?!/)\S*"  # a site path; '//' would be another host


@accepts(matching(whole(caseless(HTTP_URL.pattern)), "must be an absolute http:// or https:// URL"))
def url(reader: Reader, at: KeyPath, value: Any) -> str:
    """An absolute http(s) URL."""
    result = line_text(reader, at, value)
    if not HTTP_URL.fullmatch(result):
        raise Invalid(f"'{result}' must be an absolute http:// or https:// URL")
    return result


@accepts(
    matching(
        whole(f"{_SITE_PATH}|{caseless(_LINK_URL.pattern)}"),
        "must be a site path starting with '/' or an http(s):// or mailto: URL",
    )
)
def link(reader: Reader, at: KeyPath, value: Any) -> str:
    """A link target for navigation: an http(s) or mailto URL, or a site path like /about/."""
    result = line_text(reader, at, value)
    if result.startswith("/") and not result.startswith("//"):
        if re.search(r"\s", result):
            raise Invalid(f"'{result}' must not contain spaces")
        return result
    if _LINK_URL.fullmatch(result):
        return result
    raise Invalid(f"'{result}' must be a site path starting with '/' or an http(s):// or mailto: URL")


@accepts({"type": "object"})
def free(reader: Reader, at: KeyPath, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping, got {_kind(value, reader.doc, at)}")
    return value


def one_of(*choices: str) -> Callable[[Reader, KeyPath, Any], str]:
    def convert(reader: Reader, at: KeyPath, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be one of {', '.join(choices)}, got {_kind(value, reader.doc, at)}")
        if value not in choices:
            raise Invalid(f"'{value}' is not one of {', '.join(choices)}{did_you_mean(value, choices)}")
        return value

    convert.choices = choices  # type: ignore[attr-defined]
    return accepts({"type": "string", "enum": list(choices)})(convert)


def id_of(kind: str) -> Callable[[Reader, KeyPath, Any], str]:
    """A slug naming one of the site's ``kind`` (a person, an area): the site's own list is checked
    by the caller, which knows it; a JSON Schema made for one site lists those ids."""

    def convert(reader: Reader, at: KeyPath, value: Any) -> str:
        return slug(reader, at, value)

    convert.names = kind  # type: ignore[attr-defined]
    return accepts(lambda describe: describe(slug))(convert)


def list_of(item: Callable[[Reader, KeyPath, Any], Any]) -> Callable[[Reader, KeyPath, Any], tuple[Any, ...]]:
    def convert(reader: Reader, at: KeyPath, value: Any) -> tuple[Any, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            raise Invalid(f"must be a list; write [{value}] for a list of one")
        if not isinstance(value, list):
            raise Invalid(f"must be a list, got {_kind(value, reader.doc, at)}")
        items = [reader.field((*at, i), v, Field(item)) for i, v in enumerate(value)]
        if any(i is MISSING for i in items):
            return MISSING
        return tuple(items)

    # An empty key (YAML null) is an empty list.
    return accepts(lambda describe: {"type": ["array", "null"], "items": describe(item)})(convert)


def record(schema: Mapping[str, Field], what: str) -> Callable[[Reader, KeyPath, Any], dict[str, Any]]:
    """A nested mapping with its own schema; invalid members are reported, not returned."""

    def convert(reader: Reader, at: KeyPath, value: Any) -> dict[str, Any]:
        before = reader.failures
        result = reader.mapping(at, value, schema, what)
        if result is None or reader.failures > before:
            return MISSING
        return result

    convert.fields = schema  # type: ignore[attr-defined]  # schema.py describes it key by key
    return convert


LANGUAGE_TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")


def by_language(schema: Mapping[str, Field], what: str) -> Callable[[Reader, KeyPath, Any], dict[str, Any]]:
    """``translations``: a mapping of BCP 47 tags to a record of texts in that language (whether each
    tag is one of the site's languages is for the caller, which knows them)."""
    texts = record(schema, what)

    def convert(reader: Reader, at: KeyPath, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise Invalid(f"must be a mapping of language tags to texts, e.g. {{cy: {{...}}}}, got {_kind(value)}")
        result: dict[str, Any] = {}
        for tag, given in value.items():
            key_at = (*at, tag)
            if not isinstance(tag, str) or not LANGUAGE_TAG.fullmatch(tag):
                reader.error(key_at, f"{_name(at)}: '{tag}' is not a BCP 47 language tag such as cy or fr-CA", key=True)
                continue
            converted = reader.field(key_at, {} if given is None else given, Field(texts))
            if converted is not MISSING:
                result[tag] = converted
        return result

    convert.languages = texts  # type: ignore[attr-defined]
    return accepts(
        lambda describe: {
            "type": ["object", "null"],
            "propertyNames": matching(whole(LANGUAGE_TAG.pattern), "is not a BCP 47 language tag such as cy or fr-CA"),
            "additionalProperties": describe(texts),
        }
    )(convert)


# What an editor's YAML 1.2 sees (a date is plain text there) and fromisoformat takes: a date, or a
# date and time with an optional offset, years 1900-2200. Impossible days (02-30) pass; check finds them.
_YEAR = r"(?:19\d\d|2[01]\d\d|2200)"
_DATE = rf"{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"
ISO_MOMENT = re.compile(rf"{_DATE}(?:[T ]{_TIME}{_OFFSET}?)?")


@accepts(
    matching(whole(ISO_MOMENT.pattern), "is not an ISO 8601 date or date-time (e.g. 2016-08-03 or 2016-08-03T09:30:00)")
)
def moment(reader: Reader, at: KeyPath, value: Any) -> Moment:
    """An ISO 8601 date or date-time; without an offset it is in the site's time zone."""
    tz = reader.tz or ZoneInfo("UTC")
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value.strip())
                if "T" in value or ":" in value
                else dt.date.fromisoformat(value.strip())
            )
        except ValueError:
            raise Invalid(
                f"'{value}' is not an ISO 8601 date or date-time (e.g. 2016-08-03 or 2016-08-03T09:30:00)"
            ) from None
    if isinstance(value, dt.date) and not 1900 <= value.year <= 2200:
        raise Invalid(f"year {value.year} is out of range (1900-2200)")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            local = value.replace(tzinfo=tz)
            round_trip = local.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
            if round_trip != value:
                raise Invalid(f"{value.isoformat()} does not exist in {tz.key} (clocks change); give an offset")
            value = local
        result = Moment(value.astimezone(tz), date_only=False)
    elif isinstance(value, dt.date):
        result = Moment(dt.datetime(value.year, value.month, value.day, tzinfo=tz), date_only=True)
    else:
        raise Invalid(f"must be a date like 2016-08-03 or 2016-08-03T09:30:00, got {_kind(value, reader.doc, at)}")
    return result


@dataclass(frozen=True, order=True)
class Moment:
    """A point in time in the site's time zone, remembering whether a time was given."""

    at: dt.datetime
    date_only: bool = False

    def iso(self) -> str:
        return self.at.date().isoformat() if self.date_only else self.at.isoformat()


# Names --------------------------------------------------------------------------------

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}


def check_portable_name(name: str) -> None:
    """Refuse output names that Windows cannot check out or that file systems cannot store."""
    if name.split(".")[0].lower() in _WINDOWS_RESERVED:
        raise Invalid(f"'{name}' is a reserved file name on Windows; choose another")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise Invalid(f"is too long (at most {MAX_NAME_BYTES} bytes)")


def slugify(name: str) -> str:
    """``Threat Level`` -> ``threat-level``; accents stripped; empty if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")
