"""JSON Schemas (draft-07) of the files authors write, for their editors' completion and checking.

No key, type or rule here is written by hand: each schema is a walk of the tables the validator reads
(:data:`bulletin.config.SCHEMA`, :func:`bulletin.content.briefings.front_matter`,
:data:`bulletin.content.people.PERSON_SCHEMA`, :data:`bulletin.content.areas.ENTRY`). A table's
key gives a property with its :class:`~bulletin.fields.Field` ``doc`` as description, ``required``
from the field, and ``additionalProperties: false`` because the validator rejects unknown keys;
each converter gives the JSON Schema it declared with :func:`bulletin.fields.accepts`. Given a
site, the ids it defines (threat levels, people, areas) become enums.

Draft-07, not 2020-12: it is what VS Code's YAML extension (yaml-language-server) implements.
Values are described as that extension sees YAML: version 1.2, where an unquoted 2016-08-03 is
text, so dates are strings with a pattern. The schemas check what can be checked value by value;
rules across values (officers adding up, a quote's person among the spokespeople, a date before
another) stay with ``build.py check``.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import fields as f
from .config import CONFIG_FILE, SCHEMA, Limits, SiteConfig, load_config
from .content.areas import AREAS_FILE, ENTRY, GEOMETRY_KEYS, read_areas
from .content.briefings import front_matter
from .content.parse import Kind, ParsedSource, parse_source
from .content.people import PERSON_SCHEMA, read_person
from .content.translations import BRIEFING_TEXT
from .errors import Problems
from .markdown import MarkdownRenderer
from .sitefiles import UnreadableFile, read_inside

DRAFT = "http://json-schema.org/draft-07/schema#"
BRIEFING = "briefing.schema.json"
TRANSLATION = "translation.schema.json"
PERSON = "person.schema.json"
AREAS = "areas.schema.json"
SITE = "site.schema.json"
PEOPLE_DIR = "content/people"

# id -> what it stands for, shown beside each choice (VS Code's enumDescriptions; other tools ignore it)
Ids = dict[str, str]


def schemas(site_root: Path | None) -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (draft-07). With a site, its threat level, person and area ids are
    enums; without one (or where the site's file cannot be read), any id of the right form passes."""
    config = _config(site_root) if site_root is not None else None
    known: dict[str, Ids] = {}
    if site_root is not None:
        site = _SiteReader(site_root, config)
        known["person"] = site.person_ids()
        areas = site.area_ids()
        if areas is not None:  # without areas.yaml every area is free text, so there is no list to keep to
            known["area"] = areas
    describe = _Describer(known)

    briefing = _document(
        describe(f.record(front_matter(config.level_ids if config else None), "front matter")),
        "Bulletin briefing front matter",
        "The YAML between the --- lines of content/briefings/**/*.md",
    )
    if config is not None:
        level = briefing["properties"]["threat_level"]
        level["enumDescriptions"] = [f"{lv.label}: {' '.join(lv.meaning.split())}" for lv in config.threat_levels]
    translation = _document(
        describe(f.record(BRIEFING_TEXT, "front matter")),
        "Bulletin translation front matter",
        "The YAML between the --- lines of a briefing's translation, content/briefings/**/<name>.<lang>.md",
    )
    person = _document(
        describe(f.record(PERSON_SCHEMA, "a person file")),
        "Bulletin person",
        "content/people/<id>.yaml: someone quoted in briefings; the file name is the id",
    )
    entry = describe(f.record(ENTRY, "an area"))
    entry["anyOf"] = [{"required": [key]} for key in GEOMETRY_KEYS]
    areas = _document(
        {"type": "array", "items": entry},
        "Bulletin areas",
        f"{AREAS_FILE}: the named areas briefings give in area:, with their CAP geometry",
    )
    site = _document(
        describe(f.record(SCHEMA, CONFIG_FILE)),
        "Bulletin site.yaml",
        "The site's settings; base_url may instead come from --base-url",
    )
    return {BRIEFING: briefing, TRANSLATION: translation, PERSON: person, AREAS: areas, SITE: site}


def write_schemas(site_root: Path, folder: Path) -> list[Path]:
    """Write the schemas into ``folder`` (created if needed); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas(site_root).items():
        path = folder / name
        # Replaced whole, so an editor watching the file never reads half of it.
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        try:
            temporary.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def describe(convert: Callable[..., Any], known: Mapping[str, Ids] | None = None) -> dict[str, Any]:
    """The JSON Schema of what one converter of bulletin.fields (or a validator module) accepts;
    ``known`` gives ids by kind ("person", "area") to list as enums."""
    return _Describer(known or {})(convert)


class _Describer:
    """Turns a converter into the JSON Schema it declared, recursively, with the site's ids."""

    def __init__(self, known: Mapping[str, Ids]) -> None:
        self.known = known

    def __call__(self, convert: Callable[..., Any]) -> dict[str, Any]:
        kind = getattr(convert, "names", None)
        if kind in self.known:
            ids = self.known[kind]
            return {"type": "string", "enum": list(ids), "enumDescriptions": list(ids.values())}
        fields = getattr(convert, "fields", None)
        if fields is not None:
            return self.record(fields)
        shape = getattr(convert, "json_schema", None)
        if shape is None:
            # A converter added without a declaration: fail here, in the tests, not in an editor.
            raise TypeError(f"{convert.__module__}.{convert.__qualname__} declares no JSON Schema (fields.accepts)")
        return copy.deepcopy(shape(self) if callable(shape) else shape)

    def record(self, fields: Mapping[str, f.Field]) -> dict[str, Any]:
        properties = {}
        for key, field in fields.items():
            described = self(field.convert)
            properties[key] = {"description": field.doc, **described} if field.doc else described
        result: dict[str, Any] = {"type": "object", "properties": properties}
        required = [key for key, field in fields.items() if field.required]
        if required:
            result["required"] = required
        result["additionalProperties"] = False  # Reader.mapping reports every unknown key as an error
        return result


def _document(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, "description": description, **schema}


def _config(site_root: Path) -> SiteConfig | None:
    # The problems are check's to report; a site.yaml with errors gives the schemas no levels.
    # A stand-in base_url: the levels are wanted even when only --base-url would give one.
    return load_config(site_root, Problems(), base_url="https://placeholder.invalid/")


class _SiteReader:
    """Reads a site's people and areas with the validator's own stages, its problems set aside."""

    def __init__(self, site_root: Path, config: SiteConfig | None) -> None:
        self.root = site_root
        self.real_root = site_root.resolve()
        self.limits = config.limits if config else Limits()
        self.renderer = MarkdownRenderer(config.allow_raw_html if config else False, self.limits.markdown_seconds)

    def parsed(self, kind: Kind, rel: str) -> ParsedSource | None:
        try:
            data = read_inside(self.root / rel, self.real_root, self.limits.yaml_bytes, rel)
        except (OSError, UnreadableFile):
            return None
        return parse_source(kind, rel, data, self.renderer)

    def person_ids(self) -> Ids:
        """Person ids as check finds them (content/people/<id>.yaml or .yml), each with the person's name."""
        folder = self.root / PEOPLE_DIR
        ids: Ids = {}
        for path in sorted(folder.iterdir()) if folder.is_dir() else ():
            if path.suffix not in (".yaml", ".yml") or path.stem in ids or not path.is_file():
                continue
            parsed = self.parsed(Kind.PERSON, f"{PEOPLE_DIR}/{path.name}")
            person = read_person(parsed, Problems()) if parsed else None
            ids[path.stem] = person.name if person else ""
        return dict(sorted(ids.items()))

    def area_ids(self) -> Ids | None:
        """Area ids of content/areas.yaml, each with the area's name; None without the file."""
        if not (self.root / AREAS_FILE).is_file():
            return None
        parsed = self.parsed(Kind.AREAS, AREAS_FILE)
        areas = read_areas(parsed, Problems()) if parsed else {}
        return {area_id: area.name if area else "" for area_id, area in sorted(areas.items())}
