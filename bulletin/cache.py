"""Parsed sources kept between rebuilds, keyed by what they are a pure function of.

Stage one (decode, front matter, YAML, Markdown) depends only on a file's bytes, so a rebuild
parses again only the files whose bytes changed. One cache lives as long as one ``serve`` or
``watch`` session; it is passed in, never global.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from enum import Enum
from pathlib import PurePath
from typing import Any

from .content.parse import Kind, ParsedSource


class ParseCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[Kind, str, tuple[object, ...]], tuple[bytes, ParsedSource]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, kind: Kind, path: str, data: bytes, settings: tuple[object, ...]) -> ParsedSource | None:
        """``settings``: everything besides the bytes that parsing depends on (raw HTML, the time budget)."""
        entry = self._entries.get((kind, path, settings))
        if entry is not None and entry[0] == _digest(data):
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, kind: Kind, path: str, data: bytes, settings: tuple[object, ...], parsed: ParsedSource) -> None:
        self._entries[(kind, path, settings)] = (_digest(data), parsed)

    def keep_only(self, paths: set[str]) -> None:
        """Forget deleted sources, so a long session does not grow without bound."""
        self._entries = {key: value for key, value in self._entries.items() if key[1] in paths}


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class RenderCache:
    """Rendered pages, reused when their template set, globals and context are all equal.

    Views are frozen dataclasses, so comparing a page's context with the one it was rendered
    from is cheap next to rendering it again.
    """

    def __init__(self) -> None:
        self._key: object = None
        self._pages: dict[str, tuple[str, dict[str, object], bytes]] = {}
        self.hits = 0

    def begin(self, key: object) -> None:
        """Start a build; a different template set or globals invalidates every page."""
        if not same(key, self._key):
            self._pages.clear()
            self._key = key

    def get(self, url: str, template: str, context: dict[str, object]) -> bytes | None:
        cached = self._pages.get(url)
        if cached is not None and cached[0] == template and same(cached[1], context):
            self.hits += 1
            return cached[2]
        return None

    def put(self, url: str, template: str, context: dict[str, object], data: bytes) -> None:
        self._pages[url] = (template, context, data)


class BuildCache:
    """What one ``serve`` or ``watch`` session keeps between rebuilds."""

    def __init__(self) -> None:
        self.parsed = ParseCache()
        self.pages = RenderCache()
        self.renderer: object = None  # render.Renderer, kept so templates compile once
        self.memo = Memo()
        self.editions: dict[str, BuildCache] = {}  # the pages, renderer and views of each translation

    def edition(self, language: str) -> BuildCache:
        """What the session keeps for the pages in one more language of the site."""
        return self.editions.setdefault(language, BuildCache())


_MISSING = object()


class Memo:
    """Results of pure steps between rebuilds, reused when every input is the same object or equal.

    Cached sources come back as the very same objects, so most checks are identity checks; the
    equal-but-not-identical case (a config read again) costs one comparison.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, object], tuple[tuple[object, ...], object]] = {}

    def get(self, step: str, key: object, inputs: tuple[object, ...]) -> object:
        entry = self._store.get((step, key))
        if entry is None or len(entry[0]) != len(inputs):
            return _MISSING
        if all(same(a, b) for a, b in zip(entry[0], inputs, strict=True)):
            return entry[1]
        return _MISSING

    def put(self, step: str, key: object, inputs: tuple[object, ...], value: object) -> None:
        self._store[(step, key)] = (inputs, value)

    @staticmethod
    def missing(value: object) -> bool:
        return value is _MISSING

    def intern(self, key: object, value: Any) -> Any:
        """``value``, or the equal object kept from the previous build. Later memo checks against it
        are then identity checks: compared once per build, not once per use."""
        kept = self.get("intern", key, (value,))
        if not Memo.missing(kept):
            return kept
        self.put("intern", key, (value,), value)
        return value


_PLAIN = (str, bytes, int, float, bool, type(None), PurePath, Enum, dt.date, dt.timedelta, dt.tzinfo, frozenset, set)


def same(a: Any, b: Any) -> bool:
    """Whether two values would render identically: ``==`` is not enough, since it says ``1 == True``,
    ignores the order of dict keys and the ``fold`` of a date-time in a clock-change hour."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.fold == b.fold and a.tzinfo == b.tzinfo
    if isinstance(a, _PLAIN):
        return bool(a == b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return False  # functions and anything unknown: never assume they are the same
