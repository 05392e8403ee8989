"""Stage two for people files, pages and the threat-level timeline."""

from __future__ import annotations

from pathlib import PurePosixPath

from .. import fields as f
from ..config import SiteConfig
from ..errors import Problems
from ..paths import RESERVED_SLUGS
from .model import LevelChange, Page, Person
from .parse import ParsedSource

PERSON_SCHEMA = {
    "name": f.Field(f.line_text, required=True),
    "role": f.Field(f.line_text),
    "organisation": f.Field(f.line_text),
    "url": f.Field(f.url),
    "bio": f.Field(f.text, doc="Markdown"),
}
PAGE_SCHEMA = {
    "title": f.Field(f.line_text, required=True),
    "slug": f.Field(f.slug),
    "menu": f.Field(f.count, doc="position in the site navigation"),
    "draft": f.Field(f.boolean),
    "extra": f.Field(f.free),
}


def read_person(parsed: ParsedSource, problems: Problems) -> Person | None:
    problems.extend(parsed.problems)
    if parsed.doc is None:
        return None
    reader = f.Reader(parsed.doc, parsed.path, problems)
    before = problems.errors
    person_id = PurePosixPath(parsed.path).stem
    if not f.SLUG.fullmatch(person_id):
        suggestion = f.slugify(person_id)
        hint = f"; rename it {suggestion}.yaml" if suggestion else ""
        problems.error(
            parsed.path, 1, f"person id '{person_id}' (the file name) may contain only a-z, 0-9 and '-'{hint}"
        )
    values = reader.mapping((), parsed.doc.value, PERSON_SCHEMA, "a person file")
    if values is None or problems.errors > before:
        return None
    bio = parsed.fields_markdown.get("bio")
    return Person(
        id=person_id,
        path=parsed.path,
        name=values["name"],
        role=values.get("role"),
        organisation=values.get("organisation"),
        url=values.get("url"),
        bio_html=bio.html if bio else "",
    )


def read_page(parsed: ParsedSource, problems: Problems) -> Page | None:
    problems.extend(parsed.problems)
    if parsed.doc is None or parsed.body is None:
        return None
    reader = f.Reader(parsed.doc, parsed.path, problems)
    before = problems.errors
    values = reader.mapping((), parsed.doc.value, PAGE_SCHEMA, "front matter")
    if values is None:
        return None
    slug = values.get("slug") or f.slugify(PurePosixPath(parsed.path).stem)
    at = ("slug",) if "slug" in values else ()
    if not slug:
        reader.error(at, "cannot make a slug from the file name; add slug:")
    elif slug in RESERVED_SLUGS:
        reader.error(at, f"page slug '{slug}' is used by Bulletin itself (/{slug}/); choose another", key=True)
    else:
        try:
            f.check_portable_name(slug)
        except f.Invalid as exc:
            reader.error(at, f"page slug {exc}", key=True)
    if problems.errors > before:
        return None
    return Page(
        path=parsed.path,
        slug=slug,
        title=values["title"],
        body_html=parsed.body.html,
        menu=values.get("menu"),
        draft=values.get("draft", False),
        extra=values.get("extra", {}),
    )


def read_timeline(parsed: ParsedSource, config: SiteConfig, problems: Problems) -> tuple[LevelChange, ...] | None:
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None:
        return None
    reader = f.Reader(doc, parsed.path, problems, config.tz)
    if not isinstance(doc.value, list) or not doc.value:
        reader.error((), "threat-levels.yaml must be a list of {level, since, note} entries")
        return None
    entry = {
        "level": f.Field(f.one_of(*config.level_ids), required=True),
        "since": f.Field(f.moment, required=True),
        "note": f.Field(f.text),
    }
    before = problems.errors
    changes: list[LevelChange] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(doc.value):
        values = reader.mapping((index,), item, entry, "a timeline entry")
        if values is None or "level" not in values or "since" not in values:
            continue
        change = LevelChange(values["level"], values["since"], values.get("note", ""))
        key = change.since.iso()
        if key in seen:
            reader.error((index, "since"), f"two changes on {key} (the other is entry {seen[key] + 1})")
        seen[key] = index
        changes.append(change)
    if problems.errors > before:
        return None
    return tuple(sorted(changes, key=lambda c: c.since.at))
