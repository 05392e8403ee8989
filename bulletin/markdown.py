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

from .deadline import Overtime, call_with_deadline

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
# No "smarty": it doubles the cost of rendering a body (bench/RESULTS.md) for typographic quotes only.
_EXTENSIONS = ["tables", "fenced_code", "footnotes", "def_list", "abbr", "sane_lists", "toc"]
_BLOCKS = frozenset(
    {"p", "div", "li", "dt", "dd", "tr", "blockquote", "pre", "table", "ul", "ol", "dl", "hr", "br"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "details", "summary"}
)
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_LINK_TAG = re.compile(r"<a(\s[^>]*)?>|</a>")  # in nh3's output, where no attribute value holds ">"
_ATTRIBUTE = re.compile(r'\s([^\s=>]+)(?:="([^"]*)")?')
_ID_ATTRIBUTES = re.compile(r'(\s(?:id|href)=")(#?)')
# One line of words and plain punctuation: Markdown would make it one <p> and change nothing in it.
# No character Markdown, the sanitiser or the HTML serialiser treats specially (& < > * _ ` [ ] \\ |
# ~ # no-break spaces), and no start that opens a block (a list, a heading, a quote, a definition).
_PLAIN_LINE = re.compile(r"(?![0-9]+[.)])(?:[^\W_]|['\"‘“(])(?:[^\W_]|[ .,;:'\"?!()%/£$€’‘“”–—-])*")
MAX_BRACKET_DEPTH = 64  # Python-Markdown is quadratic in nested brackets (Python-Markdown#798)
MAX_QUOTE_DEPTH = 32  # and each level of > quoting parses the rest again: 1,600 levels took 630 MB
_QUOTE_MARKS = re.compile(r"^(?:[ \t]*>)+", re.MULTILINE)


TOO_SLOW = "Markdown took more than"  # how a stopped render's message starts


class MarkdownTooComplex(Exception):
    """The text nests too deeply for Python-Markdown to render."""


class MarkdownTooSlow(MarkdownTooComplex):
    """The text was stopped by the time budget: it may pass on a quieter machine."""


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    text: str  # plain text of the whole document, paragraphs separated by blank lines
    first_paragraph: str  # plain text of the first paragraph, for default summaries
    removed: tuple[tuple[str, str], ...]  # what the sanitiser took out: ("<script> element", "<script")


class MarkdownRenderer:
    """Renders Markdown for one site; keep one per process and reuse it."""

    def __init__(self, allow_raw_html: bool, seconds: float | None = None) -> None:
        self.allow_raw_html = allow_raw_html
        self.seconds = seconds  # the time budget for one text; None: unbounded
        self._md = _new_markdown()

    def render(self, source: str, id_prefix: str = "") -> RenderedMarkdown:
        """Render and sanitise. ``id_prefix`` keeps heading and footnote ids of separately rendered
        texts (body, advice) apart from each other and from the template's own ids."""
        if _bracket_depth(source) > MAX_BRACKET_DEPTH:
            raise MarkdownTooComplex(f"brackets [ ] are nested more than {MAX_BRACKET_DEPTH} deep")
        if _quote_depth(source) > MAX_QUOTE_DEPTH:
            raise MarkdownTooComplex(f"quotes (>) are nested more than {MAX_QUOTE_DEPTH} deep")
        try:
            if self.seconds is None:
                return self._render(source, id_prefix)
            # The whole of it: Python 3.11's HTMLParser (audit, plain text) is quadratic on some output too.
            return call_with_deadline(lambda: self._render(source, id_prefix), self.seconds)
        except RecursionError as exc:
            raise MarkdownTooComplex("Markdown is nested too deeply to render") from exc
        except Overtime:
            self._md = _new_markdown()  # stopped half-way: its state is not to be trusted
            raise MarkdownTooSlow(
                f"{TOO_SLOW} {self.seconds:g} s to render and was stopped; simplify this text "
                "(deeply nested or unclosed HTML, comments, brackets or footnotes), or raise limits.markdown_seconds"
            ) from None

    def _render(self, source: str, id_prefix: str) -> RenderedMarkdown:
        line = source.strip("\n")
        if _PLAIN_LINE.fullmatch(line) and "  " not in line:
            # Most quotes, notes and advice: the same bytes as below, for a fraction of the time.
            text = " ".join(line.split())
            return RenderedMarkdown(f"<p>{line}</p>", text, text, ())
        raw = self._md.reset().convert(source)
        if self.allow_raw_html:
            clean, removed = raw, ()
        else:
            removed = tuple(audit(raw))
            clean = sanitise(raw)
        if id_prefix:
            clean = _prefix_ids(clean, id_prefix)
        match = _FIRST_PARAGRAPH.search(clean)
        first = html_to_text(match.group(1)) if match else ""
        return RenderedMarkdown(clean, html_to_text(clean), first, removed)


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )


def _quote_depth(text: str) -> int:
    return max((match.group().count(">") for match in _QUOTE_MARKS.finditer(text)), default=0)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" and depth:
            depth -= 1
    return deepest


def _prefix_ids(fragment: str, prefix: str) -> str:
    """Prefix every id and every in-page link (``href="#x"``) of a fragment."""

    def replace(match: re.Match[str]) -> str:
        attribute, hash_sign = match.group(1), match.group(2)
        if attribute.lstrip().startswith("href"):
            return f"{attribute}#{prefix}" if hash_sign else match.group(0)
        return f"{attribute}{prefix}"

    return _ID_ATTRIBUTES.sub(replace, fragment)


def sanitise(fragment: str) -> str:
    clean = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )
    return _unwrap_links_without_href(clean) if "<a " in clean else clean


def _unwrap_links_without_href(fragment: str) -> str:
    """Unwrap every ``<a>`` without ``href`` in nh3's output, keeping its content.

    nh3 drops an unsafe href (``javascript:``, ``data:``) but keeps the element and gives it
    ``rel``, and an ``<a>`` with ``rel`` and no ``href`` is invalid HTML. The link is gone either
    way, so its text stays as text. Attributes that still mean something without a link (an
    ``id`` other links may point at, ``lang``, ``title``, ``class``, ``dir``) are kept on a ``<span>``.

    Regular expressions suffice here because this is nh3's serialisation, not an author's HTML:
    every attribute value is double-quoted with ``<``, ``>`` and ``"`` escaped, every ``<a>`` has
    its ``</a>``, and no raw-text element (script, style) survives. Links can still nest (one inside
    a table cell inside another), hence the stack.
    """
    closers: list[str] = []  # what each open <a> ends with: "</a>", "</span>" or nothing

    def replace(match: re.Match[str]) -> str:
        if match.group() == "</a>":
            return closers.pop() if closers else match.group()
        attributes = _ATTRIBUTE.findall(match.group(1) or "")
        if any(name == "href" for name, _ in attributes):
            closers.append("</a>")
            return match.group()
        kept = "".join(f' {name}="{value}"' for name, value in attributes if name in ALLOWED_ATTRIBUTES["*"])
        closers.append("</span>" if kept else "")
        return f"<span{kept}>" if kept else ""

    return _LINK_TAG.sub(replace, fragment)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blocks on their own lines."""
    parser = _TextParser()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def audit(fragment: str) -> list[tuple[str, str]]:
    """What :func:`sanitise` will remove from ``fragment``, in document order: (description, source text)."""
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
            self.parts.append(data.replace("\n", " "))  # a line break in the source is a space in a paragraph


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.found.append((f"<{tag}> element", f"<{tag}"))
            return
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.found.append((f"{name} attribute", name))
            elif name in ("href", "src", "cite") and value and not _safe_url(value):
                scheme = _scheme(value)
                self.found.append((f"{scheme}: link", f"{scheme}:"))

    def handle_comment(self, data: str) -> None:
        self.found.append(("HTML comment", "<!--"))


def _scheme(url: str) -> str:
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(url))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def _safe_url(url: str) -> bool:
    scheme = _scheme(url)
    return not scheme or scheme in URL_SCHEMES
