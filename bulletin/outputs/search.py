"""The search index: a static index in small files, fetched piecemeal by ``static/js/search.js``.

One file with every briefing grows with the archive (3.7 MB at 10,000 briefings), and every
search downloaded all of it. This index is split the way Pagefind splits its own, so that a
search fetches only what its words need, and an edit rewrites only the few files it touches:

- **Ids.** Every briefing with a page gets a number, oldest first: a new briefing takes the next
  number and renumbers none. An expired briefing keeps its number (it is left out of the postings
  and the metadata), so an expiry renumbers none either. Results are shown newest first, highest
  id first. Pages (a few, titles only) are listed in the manifest and shown before briefings.
- **Words.** Titles, summaries, tags, regions and people's names are folded (NFKD, combining marks
  dropped, lower case, ß as ss, ς as σ) and split on anything that is not a letter or digit; the
  one-letter words a to z are skipped. ``search.js`` folds queries the same way. Every word of a
  query must match a whole word, but the last, while it is being typed, matches words it begins.
- **Postings.** A term's ids, ascending, delta-encoded: ``[3,1,1,40]`` is 3, 4, 5 and 45.
- **Word fragments**, ``search/words/<hash>.json``: ``{term: postings}`` for the terms under one
  prefix. The empty prefix holds every term until its file would pass ``fragment_bytes``; then
  its largest one-character-longer prefixes get fragments of their own (and so on down) until
  what stays fits. The manifest lists the prefixes; a term lives in the fragment of the longest
  listed prefix it starts with, so a word needs one fragment, and a prefix being typed also
  needs the fragments whose prefixes start with it. Where a cut falls depends only on the terms
  under it, so an edit rewrites the fragments of the words it adds or removes and no others (a
  fragment pushed over the limit re-cuts its own prefix only). Pagefind cuts the sorted words into
  ranges instead, but there a range that grows moves the boundaries of all the ranges after it.
- **Blocks.** A term whose postings would pass ``term_bytes`` (a common word: "police" is in most
  briefings) keeps only its count and its blocks in its fragment, ``{"n": count, "b": [hash or
  "", ...]}``: block ``i`` holds its ids from ``i * block_ids`` to the next block's, delta-encoded
  from ``i * block_ids``, in a file of its own. The script walks blocks from the newest and stops
  once it has a page of results, so a common word costs its newest block, and "Show more" fetches
  older ones. Fixed boundaries mean a new briefing changes only the newest block of its words.
- **Metadata**, ``search/docs/<n>.json``: ``[title, path, date, summary]`` (0 for an id that is
  not listed) for ``docs_per_chunk`` ids from ``n * docs_per_chunk``; summaries are cut to
  ``SUMMARY_CHARS`` (every word is still indexed). Chunks are small because the newest hits of a
  rare word are spread over years: the first page of 20 results fetches at most 20 chunks.
- **The manifest**, ``search/index.json``: the format ``v``, the id count ``n``, the layout
  (``k`` ids a chunk, ``r`` ids a block), the fragments' files by prefix ``w``, the pages ``p``.
  Fragments and blocks are named by a hash of their bytes, so a browser may keep them as long as
  it likes; chunks are numbered (too many to list) and fetched with ``?v=`` the manifest's ``h``,
  a hash of all chunks, so a browser never mixes chunks of two builds.

At 100,000 synthetic briefings (tests/test_search_index.py) the index is 38 MB in ~13,000 files
(10,000 of them metadata chunks of ~3 KB; 530 fragments, a manifest of 11 KB) and takes ~2.5 s to
build on a busy two-core machine, mostly splitting text into words; a one- or two-word search
fetches 30-160 KB, half of it metadata. Paths are relative to the site root, which the search page
gives the script, so the site works under any prefix.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import sub
from pathlib import PurePosixPath
from typing import cast

from ..cache import Memo
from ..views import BriefingView, PageView

VERSION = 1
SUMMARY_CHARS = 240  # a result shows the start of its summary
# The script's own rules, here for the tests' model of it:
PAGE_SIZE = 20  # results shown at first and per "Show more"
MIN_PREFIX = 2  # a last word shorter than this matches whole words only
MAX_PREFIX_FRAGMENTS = 4  # a last word under more fragments than this (too short) matches whole words only

_WORD = re.compile(r"[^\W_]+")  # letters and digits: /[\p{L}\p{N}]+/gu in search.js
_SKIPPED = frozenset("abcdefghijklmnopqrstuvwxyz")  # one-letter words: "a", the s of "police's"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class Layout:
    """How the index is cut into files (the tests use small ones to exercise every path)."""

    fragment_bytes: int = 24_000  # a word fragment's file at most
    term_bytes: int = 6_000  # postings longer than this are split into blocks
    block_ids: int = 8_192  # ids a block covers: a word in every briefing is 16 KB a block
    docs_per_chunk: int = 10


@dataclass(frozen=True)
class Entry:
    """One searchable briefing: what a result shows, and what else its words come from."""

    title: str
    path: str  # from the site root, without index.html: briefings/x/
    date: str  # YYYY-MM-DD, as written
    summary: str
    keywords: tuple[str, ...]  # tags, region, people: searched, not shown
    title_lang: str = ""  # the language of the title and of the summary when not the index's own
    summary_lang: str = ""


def fold(text: str, runs: dict[str, str] | None = None) -> str:
    """Text as the index compares it: no accents, lower case (search.js folds queries the same way).

    Only runs of non-ASCII characters can change under NFKD or hold marks, so only they are
    normalised; ``runs`` keeps them from one call to the next (most are an é or a curly quote).
    """
    if text.isascii():
        return text.lower()
    cache = {} if runs is None else runs

    def run(match: re.Match[str]) -> str:
        found = cache.get(match[0])
        if found is None:
            found = unicodedata.normalize("NFKD", match[0]).translate(_marks()).lower()
            found = cache[match[0]] = found.replace("ß", "ss").replace("ς", "σ")
        return found

    return _NON_ASCII.sub(run, text).lower()


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark (categories Mn, Mc, Me: /\\p{M}/u in search.js), to delete; ~20 ms once."""
    codes = [*range(0x300, 0x20000), *range(0xE0000, 0xE1000)]
    return {code: None for code in codes if unicodedata.category(chr(code))[0] == "M"}


def words(text: str) -> list[str]:
    """The words of ``text`` as the index has them, in order (repeats included)."""
    return [w for w in _WORD.findall(fold(text)) if w not in _SKIPPED]


def entries(
    briefings: Sequence[BriefingView], listed: Iterable[BriefingView], language: str = ""
) -> list[Entry | None]:
    """Briefings with pages, newest first, as an entry each; ``None`` for those not listed (expired).
    A text in another language than the index's (``language``) says which, for the results' ``lang``."""
    shown = {b.slug for b in listed}

    def other(lang: str) -> str:
        return lang if language and lang != language else ""

    return [
        Entry(
            b.title,
            b.url.lstrip("/"),
            b.date.iso()[:10],
            b.summary,
            (*(t.name for t in b.tags), *((b.region.name,) if b.region else ()), *(p.name for p in b.spokespeople)),
            other(b.lang_of("title")),
            other(b.lang_of("summary")),
        )
        if b.slug in shown
        else None
        for b in briefings
    ]


def search_index(
    briefings: Sequence[BriefingView],
    listed: Iterable[BriefingView],
    pages: Sequence[PageView],
    memo: Memo | None = None,
    language: str = "",
) -> dict[PurePosixPath, bytes]:
    """The files of the index by path from the site root; ``briefings`` are those with pages, newest first.

    Between rebuilds (``memo``), an edit that changes no entry (a body, a template) reuses the files.
    """
    inputs = (entries(briefings, listed, language), [(p.title, p.url.lstrip("/")) for p in pages])
    kept = memo.get("search", None, ()) if memo is not None else None
    if isinstance(kept, tuple) and kept[0] == inputs:  # entries hold only strings: == is exact
        return cast(dict[PurePosixPath, bytes], kept[1])
    files = index_files(*inputs)
    if memo is not None:
        memo.put("search", None, (), (inputs, files))
    return files


def index_files(
    newest_first: Sequence[Entry | None], pages: Sequence[tuple[str, str]] = (), layout: Layout = Layout()
) -> dict[PurePosixPath, bytes]:
    """The manifest, fragments, blocks and metadata chunks for ``newest_first`` (``None``: not listed)."""
    docs = newest_first[::-1]
    files: dict[PurePosixPath, bytes] = {}
    encoded = {term: f'"{term}":{_postings(ids, layout, files)}' for term, ids in _inverted(docs).items()}
    fragments = {key: _store(files, "{" + ",".join(members) + "}") for key, members in _fragments(encoded, layout)}
    # An entry in another language than the page's also gives the languages of its title and summary.
    shown = [
        [
            e.title,
            e.path,
            e.date,
            _shorten(e.summary),
            *((e.title_lang, e.summary_lang) if e.title_lang or e.summary_lang else ()),
        ]
        if e
        else 0
        for e in docs
    ]
    size = layout.docs_per_chunk
    chunks = [_json(shown[start : start + size]) for start in range(0, len(docs), size)]
    for n, chunk in enumerate(chunks):
        files[PurePosixPath(f"search/docs/{n}.json")] = chunk
    manifest = {
        "v": VERSION,
        "n": len(docs),
        "h": _hash(b"".join(chunks)),
        "k": layout.docs_per_chunk,
        "r": layout.block_ids,
        "w": fragments,
        "p": [[title, path] for title, path in pages],
    }
    files[PurePosixPath("search/index.json")] = _json(manifest)
    return files


def _inverted(docs: Sequence[Entry | None]) -> dict[str, list[int]]:
    """Each term's ids, ascending."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    runs: dict[str, str] = {}
    keywords: dict[str, set[str]] = {}  # tags, regions and people recur: each is split once
    for number, entry in enumerate(docs):
        if entry is None:
            continue
        found = set(_WORD.findall(fold(f"{entry.title} {entry.summary}", runs)))
        for keyword in entry.keywords:
            known = keywords.get(keyword)
            if known is None:
                known = keywords[keyword] = set(_WORD.findall(fold(keyword, runs)))
            found |= known
        found -= _SKIPPED
        for term in found:
            postings[term].append(number)
    return postings


def _postings(ids: list[int], layout: Layout, files: dict[PurePosixPath, bytes]) -> str:
    """A term's postings as JSON: its ids delta-encoded, or for a common term its count and blocks."""
    if 2 * len(ids) <= layout.term_bytes:  # every delta takes a digit and a comma: longer lists split
        deltas = ",".join(map(str, map(sub, ids, chain((0,), ids))))
        if len(deltas) <= layout.term_bytes:
            return f"[{deltas}]"
    names = []
    start = 0
    for block in range(ids[-1] // layout.block_ids + 1):
        base = block * layout.block_ids
        end = bisect_left(ids, base + layout.block_ids, start)
        part = ids[start:end]
        deltas = ",".join(map(str, map(sub, part, chain((base,), part))))
        names.append(_store(files, f"[{deltas}]") if part else "")
        start = end
    return _json({"n": len(ids), "b": names}).decode().rstrip("\n")


def _fragments(encoded: dict[str, str], layout: Layout) -> list[tuple[str, list[str]]]:
    """(prefix, entries) of each fragment: a prefix too big for one gives its largest sub-prefixes their own."""
    terms = sorted(encoded)
    before = [0]  # bytes of the entries before each term (each with its comma), for sums over any range
    for term in terms:
        before.append(before[-1] + len(encoded[term].encode()) + 1)
    result: list[tuple[str, list[str]]] = []

    def place(prefix: str, lo: int, hi: int) -> None:
        depth = len(prefix)
        own = lo  # the prefix itself may be a term: it sorts first, and always stays
        while own < hi and len(terms[own]) == depth:
            own += 1
        groups = []  # (lo, hi) of each one-character-longer prefix
        i = own
        while i < hi:
            j = bisect_right(terms, terms[i][: depth + 1] + "\U0010ffff", i, hi)
            groups.append((i, j))
            i = j
        size = before[hi] - before[lo] + 2  # with braces and newline, less the last comma
        peeled = set()
        # Largest first, ties by position: where the cuts fall depends on these terms alone.
        for n, (start, end) in sorted(enumerate(groups), key=lambda g: (before[g[1][0]] - before[g[1][1]], g[0])):
            if size <= layout.fragment_bytes:
                break
            place(terms[start][: depth + 1], start, end)
            peeled.add(n)
            size -= before[end] - before[start]
        kept = terms[lo:own] + [t for n, (s, e) in enumerate(groups) if n not in peeled for t in terms[s:e]]
        if kept:
            result.append((prefix, [encoded[t] for t in kept]))

    place("", 0, len(terms))
    return sorted(result)


def _store(files: dict[PurePosixPath, bytes], text: str) -> str:
    """Add a file named by its hash to ``files``; returns the name."""
    data = (text + "\n").encode("utf-8")
    name = _hash(data)
    files[PurePosixPath(f"search/words/{name}.json")] = data
    return name


def _hash(data: bytes) -> str:
    # 60 bits in 12 characters that are safe in any file system and URL
    return base64.b32encode(hashlib.sha256(data).digest()[:10]).decode().lower()[:12]


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _shorten(summary: str) -> str:
    if len(summary) <= SUMMARY_CHARS:
        return summary
    return summary[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
