"""Stage two for people files: ``content/people/<id>.yaml`` becomes a :class:`Person`."""

from __future__ import annotations

from pathlib import PurePosixPath

from .. import fields as f
from ..errors import Problems
from ..markdown import RenderedMarkdown
from .model import Person, PersonText
from .parse import ParsedSource

PERSON_SCHEMA = {
    "name": f.Field(f.line_text, required=True, doc="the person's name, as shown with their quotes"),
    "role": f.Field(f.line_text, doc="their job title, e.g. Commissioner"),
    "organisation": f.Field(f.line_text, doc="who they speak for"),
    "url": f.Field(f.url, doc="an absolute http:// or https:// URL about them"),
    "bio": f.Field(f.text, doc="a short biography (Markdown)"),
    "translations": f.Field(
        f.by_language(
            {
                "role": f.Field(f.line_text, doc="their job title in this language"),
                "organisation": f.Field(f.line_text, doc="who they speak for, in this language"),
                "bio": f.Field(f.text, doc="the biography in this language (Markdown)"),
            },
            "a translation",
        ),
        doc="{<language>: {role, organisation, bio}} for each language of site.yaml translations",
    ),
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
        translations=tuple(
            (
                language,
                PersonText(
                    texts.get("role"),
                    texts.get("organisation"),
                    _html(parsed.fields_markdown.get(f"translations.{language}.bio")),
                ),
            )
            for language, texts in values.get("translations", {}).items()
        ),
    )


def _html(rendered: RenderedMarkdown | None) -> str:
    return rendered.html if rendered else ""
