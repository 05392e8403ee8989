"""Stage two for people files: ``content/people/<id>.yaml`` becomes a :class:`Person`."""

from __future__ import annotations

from pathlib import PurePosixPath

from .. import fields as f
from ..errors import Problems
from .model import Person
from .parse import ParsedSource

PERSON_SCHEMA = {
    "name": f.Field(f.line_text, required=True),
    "role": f.Field(f.line_text),
    "organisation": f.Field(f.line_text),
    "url": f.Field(f.url),
    "bio": f.Field(f.text, doc="Markdown"),
}


def read_person(parsed: ParsedSource, problems: Problems) -> Person | None:
    problems.extend(parsed.problems)
    if parsed.doc is None:
        return None
    reader = f.Reader(parsed.doc, parsed.path, problems)
    person_id = PurePosixPath(parsed.path).stem
    if not f.SLUG.fullmatch(person_id):
        suggestion = f.slugify(person_id)
        hint = f"; rename it {suggestion}.yaml" if suggestion else ""
        reader.error((), f"person id '{person_id}' (the file name) may contain only a-z, 0-9 and '-'{hint}")
    values = reader.mapping((), parsed.doc.value, PERSON_SCHEMA, "a person file")
    if values is None or reader.failures or parsed.failed:
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
