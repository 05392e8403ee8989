"""Stage two for pages: ``content/pages/**/*.md`` becomes a :class:`Page`."""

from __future__ import annotations

from pathlib import PurePosixPath

from .. import fields as f
from ..errors import Problems
from ..paths import RESERVED_SLUGS
from .model import Page
from .parse import ParsedSource

PAGE_SCHEMA = {
    "title": f.Field(f.line_text, required=True),
    "slug": f.Field(f.slug),
    "menu": f.Field(f.count, doc="position in the site navigation"),
    "draft": f.Field(f.boolean),
    "extra": f.Field(f.free),
}


def read_page(parsed: ParsedSource, problems: Problems) -> Page | None:
    problems.extend(parsed.problems)
    if parsed.doc is None or parsed.body is None:
        return None
    reader = f.Reader(parsed.doc, parsed.path, problems)
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
    if reader.failures or parsed.failed:
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
