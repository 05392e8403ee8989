"""The one place where Markdown becomes HTML: render with Python-Markdown, then sanitise.

Python-Markdown passes raw HTML and ``javascript:`` links through unchanged, so its
output goes through nh3's allow-list unless the site sets ``allow_raw_html: true``.
Extensions that let authors write attributes (``attr_list``, ``md_in_html``) are
deliberately not enabled. What the sanitiser removed is reported, so authors are
never silently changed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "data", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp",
        "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir", "class"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "data": {"value"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "headers", "style"},
    "th": {"colspan", "rowspan", "headers", "scope", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "abbr": {"title"},
}
_EXTENSIONS = ["tables", "fenced_code", "footnotes", "def_list", "abbr", "sane_lists", "smarty", "toc"]
_BLOCKS = frozenset(
    {"p", "div", "li", "dt", "dd", "tr", "blockquote", "pre", "table", "ul", "ol", "dl", "hr", "br"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "details", "summary"}
)
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


class MarkdownTooComplex(Exception):
    """The text nests too deeply for Python-Markdown to render."""


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    text: str  # plain text of the whole document, paragraphs separated by blank lines
    first_paragraph: str  # plain text of the first paragraph, for default summaries
    removed: tuple[str, ...]  # what the sanitiser took out, e.g. "<script> element"


class MarkdownRenderer:
    """Renders Markdown for one site; keep one per process and reuse it."""

    def __init__(self, allow_raw_html: bool) -> None:
        self.allow_raw_html = allow_raw_html
        self._md = markdown.Markdown(
            extensions=_EXTENSIONS,
            extension_configs={"toc": {"permalink": False}},
            output_format="html",
        )

    def render(self, source: str) -> RenderedMarkdown:
        try:
            raw = self._md.reset().convert(source)
        except RecursionError as exc:
            raise MarkdownTooComplex("Markdown is nested too deeply to render") from exc
        if self.allow_raw_html:
            clean, removed = raw, ()
        else:
            removed = tuple(audit(raw))
            clean = sanitise(raw)
        match = _FIRST_PARAGRAPH.search(clean)
        first = html_to_text(match.group(1)) if match else ""
        return RenderedMarkdown(clean, html_to_text(clean), first, removed)


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blocks on their own lines."""
    parser = _TextParser()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def audit(fragment: str) -> list[str]:
    """Describe what :func:`sanitise` will remove from ``fragment``, in document order."""
    parser = _Auditor()
    parser.feed(fragment)
    parser.close()
    return list(dict.fromkeys(parser.found))


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag not in ("br", "li", "tr") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag not in ("li", "tr") else "\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.found.append(f"<{tag}> element")
            return
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.found.append(f"{name} attribute")
            elif name in ("href", "src", "cite") and value and not _safe_url(value):
                self.found.append(f"{_scheme(value)}: link")

    def handle_comment(self, data: str) -> None:
        self.found.append("HTML comment")


def _scheme(url: str) -> str:
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(url))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def _safe_url(url: str) -> bool:
    scheme = _scheme(url)
    return not scheme or scheme in URL_SCHEMES
