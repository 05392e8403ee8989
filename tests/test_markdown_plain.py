"""The quick path for one-line plain texts gives exactly what Markdown and the sanitiser give."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin import markdown as module
from bulletin.markdown import MarkdownRenderer, RenderedMarkdown

PLAIN = "abcXYZ019éŵñ .,;:'\"?!()%/£$€’‘“”–—-"
TRICKY = PLAIN + "*_`[]\\<>&#|~\u00a0\t\n\r=+"


@contextmanager
def _full_pipeline() -> Iterator[None]:
    saved = module._PLAIN_LINE
    module._PLAIN_LINE = re.compile(r"(?!)")  # matches nothing: every text goes through Markdown
    try:
        yield
    finally:
        module._PLAIN_LINE = saved


def _reference(source: str) -> RenderedMarkdown:
    with _full_pipeline():
        return MarkdownRenderer(allow_raw_html=False).render(source)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=PLAIN, max_size=80), st.text(alphabet=TRICKY, max_size=40)))
def test_the_quick_path_changes_no_byte(source: str) -> None:
    assert MarkdownRenderer(allow_raw_html=False).render(source) == _reference(source)


def test_typical_quotes_take_the_quick_path_and_markup_does_not() -> None:
    renderer = MarkdownRenderer(allow_raw_html=False)
    calls: list[str] = []
    original = renderer._md.convert
    renderer._md.convert = lambda text: calls.append(text) or original(text)  # type: ignore[method-assign]
    said = "“We are deploying 600 more officers”, said the Commissioner – at 09:00, on 3 August."
    assert renderer.render(said) == _reference(said)
    assert renderer.render(said).html == f"<p>{said}</p>"
    assert calls == []
    marked = ["1. First", "2016) x", "- item", "# Heading", "> quoted", "a *b*", "a & b", "x\n\ny", "A  B", ": def"]
    for text in marked:
        assert renderer.render(text) == _reference(text)
    assert len(calls) == len(marked)
