"""Stage one: a source file's bytes become a :class:`ParsedSource`.

This stage depends on nothing but the bytes (and whether raw HTML is allowed), so
its result can be cached by content hash and computed in worker processes. Markdown
rendering, about 90% of the cost of a briefing, happens here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..errors import Problem, Severity
from ..markdown import MarkdownRenderer, MarkdownTooComplex, RenderedMarkdown
from ..sourcefile import decode, split_front_matter
from ..yamlsafe import YamlDoc, load_yaml


class Kind(Enum):
    BRIEFING = "briefing"
    PERSON = "person"
    PAGE = "page"
    TIMELINE = "timeline"


# Front matter keys whose text is Markdown, rendered in this stage too.
_MARKDOWN_KEYS = {Kind.BRIEFING: ("advice",), Kind.PERSON: ("bio",)}


@dataclass(frozen=True)
class ParsedSource:
    kind: Kind
    path: str
    doc: YamlDoc | None
    body: RenderedMarkdown | None
    body_line: int
    fields_markdown: dict[str, RenderedMarkdown]
    problems: tuple[Problem, ...]

    @property
    def failed(self) -> bool:
        """True when reading the file already found an error."""
        return any(p.severity is Severity.ERROR for p in self.problems)


def parse_source(kind: Kind, path: str, data: bytes, renderer: MarkdownRenderer) -> ParsedSource:
    problems: list[Problem] = []
    text, found = decode(data, path)
    problems.extend(found)
    if text is None:
        return ParsedSource(kind, path, None, None, 1, {}, tuple(problems))
    body: RenderedMarkdown | None = None
    body_line = 1
    if kind in (Kind.BRIEFING, Kind.PAGE):
        split, found = split_front_matter(text, path)
        problems.extend(found)
        if split is None:
            return ParsedSource(kind, path, None, None, 1, {}, tuple(problems))
        doc, found = load_yaml(split.front_matter, path, split.front_matter_line)
        body_line = split.body_line
        body = _render(renderer, split.body, path, body_line, problems)
    else:
        doc, found = load_yaml(text, path)
    problems.extend(found)
    rendered: dict[str, RenderedMarkdown] = {}
    if doc is not None and isinstance(doc.value, dict):
        for key in _MARKDOWN_KEYS.get(kind, ()):
            value = doc.value.get(key)
            if isinstance(value, str):
                result = _render(renderer, value, path, doc.line((key,)), problems)
                if result is not None:
                    rendered[key] = result
    return ParsedSource(kind, path, doc, body, body_line, rendered, tuple(problems))


def _render(
    renderer: MarkdownRenderer, text: str, path: str, line: int, problems: list[Problem]
) -> RenderedMarkdown | None:
    try:
        result = renderer.render(text)
    except MarkdownTooComplex as exc:
        problems.append(Problem(path, line, Severity.ERROR, str(exc)))
        return None
    if result.removed:
        lines = text.split("\n")
        first = _first_line_with(lines, result.removed)
        problems.append(
            Problem(
                path,
                line + first,
                Severity.WARNING,
                f"unsafe HTML removed: {', '.join(result.removed)} (raw HTML is sanitised unless allow_raw_html: true)",
            )
        )
    return result


def _first_line_with(lines: list[str], removed: tuple[str, ...]) -> int:
    """Index of the first source line that mentions something the sanitiser removed."""
    needles = []
    for item in removed:
        word = item.split()[0].strip("<>:")
        needles.append(word.lower())
    for index, line in enumerate(lines):
        lowered = line.lower()
        if any(needle and needle in lowered for needle in needles):
            return index
    return 0
