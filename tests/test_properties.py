"""Property tests of the dangerous operations: YAML loading, parsing, sanitising, slugs and paths."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.content.parse import Kind, parse_source
from bulletin.fields import slugify
from bulletin.markdown import URL_SCHEMES, MarkdownRenderer
from bulletin.paths import UnsafePath, relative_url, safe_join
from bulletin.yamlsafe import load_yaml

YAML_BITS = st.sampled_from(
    ["---", ":", " ", "\n", "  ", "- ", "&a ", "*a", "!!python/object:os.system", "!x", "[", "]", "{", "}", "'", '"',
     "title", "date", "2016-13-45", "10:00", "NO", "<<: ", "? ", "\t", "#", "|", ">", "2,800", "\x00", "é"]
)  # fmt: skip
HTML_BITS = st.sampled_from(
    ["<", ">", '"', "'", "javascript:", "JaVaScRiPt&#58;", "&#106;avascript:", "data:text/html,", "vbscript:",
     "[x](", ")", "](", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href=", " onclick=",
     "{: onclick='x'}", "<iframe>", "<svg><script>", "<base href=x>", "<meta http-equiv=refresh>", "- ", "\n",
     "<div markdown=1 onclick=x>", "<style>", "<form>", "`", "```\n", "**", "text", " "]
)  # fmt: skip


@given(st.lists(YAML_BITS, max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_load_yaml_never_raises_and_points_inside_the_text(text: str) -> None:
    doc, problems = load_yaml(text, "f.yaml", first_line=3)
    assert doc is not None or problems
    for problem in problems:
        assert 3 <= problem.line <= 3 + text.count("\n") + 1


@given(st.binary(max_size=300) | st.lists(YAML_BITS, max_size=40).map(lambda s: ("---\n" + "".join(s)).encode()))
@settings(max_examples=300, deadline=None)
def test_parse_source_never_raises(data: bytes) -> None:
    parsed = parse_source(Kind.BRIEFING, "content/briefings/x.md", data, MarkdownRenderer(False))
    assert parsed.doc is not None or parsed.problems


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


@given(st.lists(HTML_BITS, max_size=30).map("".join))
@settings(max_examples=400, deadline=None)
def test_sanitised_markdown_has_no_script_handlers_or_bad_urls(source: str) -> None:
    html = MarkdownRenderer(False).render(source).html
    collector = _Collector()
    collector.feed(html)
    assert not set(collector.tags) & {"script", "iframe", "object", "embed", "form", "meta", "base", "style", "svg"}
    for name, value in collector.attrs:
        assert not name.startswith("on"), html
        assert name != "style" or re.fullmatch(r"text-align:\s*\w+;?", value), html
        if name in ("href", "src"):
            scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
            assert scheme is None or scheme.group(1).lower() in URL_SCHEMES, html


@pytest.mark.parametrize("n", [5000])
def test_pathological_markdown_is_an_error_not_a_crash(n: int) -> None:
    data = ("---\ntitle: x\ndate: 2020-01-01\n---\n" + "- " * n + "a\n").encode()
    parsed = parse_source(Kind.BRIEFING, "b.md", data, MarkdownRenderer(False))
    assert any("nested too deeply" in p.message for p in parsed.problems)


@given(st.text(max_size=60))
def test_slugify_gives_a_clean_slug_or_nothing(name: str) -> None:
    slug = slugify(name)
    assert slug == "" or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert slugify(slug) == slug


def test_slugify_examples() -> None:
    assert slugify("Threat Level") == "threat-level"
    assert slugify("Digwyddiadau Mawr") == "digwyddiadau-mawr"
    assert slugify("Ŷ Gŵyl") == "y-gwyl"
    assert slugify("Montre\u0301al") == slugify("Montréal") == "montreal"


@given(st.lists(st.sampled_from(["..", ".", "a", "b", "/", "\\", "%2e", "\x00", "", "c:"]), max_size=8))
def test_safe_join_never_leaves_the_root(parts: list[str]) -> None:
    root = Path("/srv/out")
    try:
        target = safe_join(root, PurePosixPath(*parts) if parts else PurePosixPath("."))
    except UnsafePath:
        return
    assert str(target).startswith("/srv/out/")
    assert ".." not in target.parts


SEGMENT = st.sampled_from(["a", "b", "briefings", "page", "2", "x-y"])


@given(
    st.lists(SEGMENT, max_size=4),
    st.booleans(),
    st.lists(SEGMENT, max_size=4),
    st.booleans(),
    st.sampled_from(["/", "/deep/prefix/"]),
)
def test_relative_url_resolves_to_the_target_under_any_prefix(
    a: list[str], a_dir: bool, b: list[str], b_dir: bool, prefix: str
) -> None:
    source = "/" + "/".join(a) + ("/" if a and a_dir else "")
    target = "/" + "/".join(b) + ("/" if b and b_dir else "")
    base = "https://host" + prefix
    link = relative_url(source, target)
    assert not link.startswith("/")
    assert urljoin(base + source.lstrip("/"), link) == base + target.lstrip("/")
