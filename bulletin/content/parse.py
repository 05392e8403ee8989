"""Stage one: a source file's bytes become a :class:`ParsedSource`.

This stage depends on nothing but the bytes (and whether raw HTML is allowed), so
its result can be cached by content hash and computed in worker processes. Markdown
rendering, about 90% of the cost of a briefing, happens here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import Enum

from ..errors import Problem, Severity
from ..markdown import TOO_SLOW, MarkdownRenderer, MarkdownTooComplex, MarkdownTooSlow, RenderedMarkdown
from ..sourcefile import decode, split_front_matter
from ..yamlsafe import YamlDoc, load_yaml


class Kind(Enum):
    BRIEFING = "briefing"
    PERSON = "person"
    PAGE = "page"
    TIMELINE = "timeline"
    AREAS = "areas"


# Front matter keys whose text is Markdown, rendered in this stage too.
_MARKDOWN_KEYS = {Kind.BRIEFING: ("advice",), Kind.PERSON: ("bio",)}


@dataclass(frozen=True)
class ParsedSource:
    kind: Kind
    path: str
    doc: YamlDoc | None
    body: RenderedMarkdown | None
    fields_markdown: dict[str, RenderedMarkdown]
    problems: tuple[Problem, ...]
    timed_out: bool = False  # a text was stopped by the time budget: never kept for later runs

    @property
    def failed(self) -> bool:
        """True when reading the file already found an error."""
        return any(p.severity is Severity.ERROR for p in self.problems)


def parse_source(kind: Kind, path: str, data: bytes, renderer: MarkdownRenderer) -> ParsedSource:
    problems: list[Problem] = []
    text, found = decode(data, path)
    problems.extend(found)
    if text is None:
        return ParsedSource(kind, path, None, None, {}, tuple(problems))
    body: RenderedMarkdown | None = None
    if kind in (Kind.BRIEFING, Kind.PAGE):
        split, found = split_front_matter(text, path)
        problems.extend(found)
        if split is None:
            return ParsedSource(kind, path, None, None, {}, tuple(problems))
        doc, found = load_yaml(split.front_matter, path, split.front_matter_line)
        body = _render(renderer, split.body, path, split.body_line, problems, prefix="body-")
    else:
        doc, found = load_yaml(text, path)
    problems.extend(found)
    rendered: dict[str, RenderedMarkdown] = {}
    slow = False
    if doc is not None and isinstance(doc.value, dict):
        for key in _MARKDOWN_KEYS.get(kind, ()):
            value = doc.value.get(key)
            if isinstance(value, str):
                line = doc.line((key,)) + (1 if _is_block_scalar(text, doc.line((key,))) else 0)
                result = _render(renderer, value, path, line, problems, prefix=f"{key}-")
                if result is not None:
                    rendered[key] = result
        translations = doc.value.get("translations") if kind is Kind.PERSON else None
        for language, texts in translations.items() if isinstance(translations, dict) else ():
            if isinstance(texts, dict) and isinstance(texts.get("bio"), str):
                at = ("translations", language, "bio")
                line = doc.line(at) + (1 if _is_block_scalar(text, doc.line(at)) else 0)
                result = _render(renderer, texts["bio"], path, line, problems, prefix=f"bio-{language}-")
                if result is not None:
                    rendered[f"translations.{language}.bio"] = result
        quotes = doc.value.get("quotes") if kind is Kind.BRIEFING else None
        for index, quote in enumerate(quotes if isinstance(quotes, list) else ()):
            if isinstance(quote, dict) and isinstance(quote.get("text"), str):
                # Quotes are compared with the body as the reader sees both: after Markdown.
                try:
                    rendered[f"quotes.{index}"] = renderer.render(quote["text"])
                except MarkdownTooSlow:
                    slow = True
                except MarkdownTooComplex:
                    pass
    slow = slow or any(p.message.startswith(TOO_SLOW) for p in problems)
    return ParsedSource(kind, path, doc, body, rendered, tuple(problems), timed_out=slow)


def _is_block_scalar(text: str, line: int) -> bool:
    """Whether the value starting on file ``line`` is a ``|`` or ``>`` block, whose text starts a line later."""
    lines = text.split("\n")
    return 0 < line <= len(lines) and re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", lines[line - 1]) is not None


def _render(
    renderer: MarkdownRenderer, text: str, path: str, line: int, problems: list[Problem], prefix: str = ""
) -> RenderedMarkdown | None:
    try:
        result = renderer.render(text, id_prefix=prefix)
    except MarkdownTooComplex as exc:
        problems.append(Problem(path, line, Severity.ERROR, str(exc)))
        return None
    if result.removed:
        first = _first_line_with(text.split("\n"), [needle for _, needle in result.removed])
        what = ", ".join(description for description, _ in result.removed)
        problems.append(
            Problem(
                path,
                line + first,
                Severity.WARNING,
                f"unsafe HTML removed: {what} (raw HTML is sanitised unless allow_raw_html: true)",
            )
        )
    return result


def _first_line_with(lines: list[str], needles: list[str]) -> int:
    """Index of the first source line holding something the sanitiser removed (0 if none is found)."""
    wanted = [n.lower() for n in needles if n]
    for index, line in enumerate(lines):
        lowered = html.unescape(line).lower()  # `javascript&#58;` is found as `javascript:`
        if any(needle in lowered for needle in wanted):
            return index
    return 0
