"""The search index in files: sizes at 100,000 briefings, the script's lookup against brute force, stability."""

from __future__ import annotations

import json
import random
import re
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field
from pathlib import PurePosixPath

import pytest
from conftest import SiteDir

from bulletin.outputs import search
from bulletin.outputs.search import Entry, Layout, fold, index_files, words

BUDGET = 300_000  # bytes one search may fetch at 100,000 briefings
# A layout small enough that a few thousand entries need deep fragments, blocks and many chunks.
TINY = Layout(fragment_bytes=1_000, term_bytes=60, block_ids=128, docs_per_chunk=4)
COMMON = ["police", "officers", "the", "and", "of", "to", "in", "for", "will", "be", "on", "at", "with", "public"]
# Real words, spread from common to rare through the vocabulary
REAL = ["station", "Manchester", "festival", "bridge", "Caerdydd", "statement", "Westminster", "stadium"]
REAL += ["Gŵyl", "café", "señor", "Montréal", "Eisteddfod", "año", "marathon", "cordon", "staff", "stabbing"]
TAGS = ["Armed policing", "Counter-terrorism", "Events", "Transport", "Royal visit", "Missing person", "Protest"]
TAGS += [f"Operation {w}" for w in ("Nightingale", "Kestrel", "Harrier", "Osprey", "Merlin", "Falcon", "Hobby")]
REGIONS = ["London", "Wales", "Greater Manchester", "West Midlands", "Île-de-France", "Galicia", "Gwynedd"]
REGIONS += [f"{w} district" for w in ("North", "South", "East", "West", "Central", "Coastal", "Upland")]
FIRST = ["Sadiq", "Siân", "Dafydd", "Rhiannon", "José", "Zoë", "Renée", "Ángel", "Gwenllïan", "Owain", "Aoife"]
LAST = ["Khan", "Jones", "Ŵyn", "Núñez", "Lefèvre", "Llywelyn", "Évora", "Brontë", "Müller", "Ó Briain"]
SYLLABLES = "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro"
SYLLABLES += " ru sa se si so su ta te ti to tu wa we wi wo wy cha chi sho shu tra tre tri tro str ost ast ŵy né ñu"


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Pseudo-words made of syllables, most frequent first, with the real words at ranks 20, 29, 42, ..."""
    syllables = SYLLABLES.split()
    result = list(dict.fromkeys(COMMON))
    seen = {w.lower() for w in [*result, *REAL]}
    while len(result) < size:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            result.append(w)
    for n, word in enumerate(REAL):
        result.insert(min(int(20 * 1.45**n), len(result)), word)
    return result


def synthetic_entries(count: int, vocabulary_size: int = 30_000, seed: int = 1) -> list[Entry]:
    """``count`` plausible briefings, newest first: Zipf-distributed words, "police" in every one."""
    rng = random.Random(seed)
    vocab = vocabulary(rng, vocabulary_size)
    pool = rng.choices(vocab, [1 / (rank + 1) for rank in range(len(vocab))], k=200_000)
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(400)]
    result = []
    for n in range(count, 0, -1):  # entries read windows of one stream of words: cheap
        a, b = rng.randrange(len(pool) - 40), rng.randrange(len(pool) - 40)
        title = " ".join(pool[a : a + rng.randint(5, 9)]).capitalize()
        summary = "Police " + " ".join(pool[b : b + rng.randint(14, 34)]) + "."
        keywords = (*rng.sample(TAGS, rng.randint(1, 3)), REGIONS[n % len(REGIONS)], *rng.sample(people, 2))
        date = f"{2016 + n * 10 // count:04d}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        result.append(Entry(title, f"briefings/b-{n}/", date, summary, keywords))
    return result


@dataclass
class Result:
    paths: list[str]  # the briefings found, newest first, as far as asked
    pages: list[str]
    count: int | None  # None: more than the paths, but how many is known only after fetching older blocks
    more: bool
    prefix: bool  # the last word matched words it begins
    sizes: dict[str, int] = field(default_factory=dict)  # bytes of each file fetched

    @property
    def bytes(self) -> int:
        return sum(self.sizes.values())


class Client:
    """What static/js/search.js does, step for step, over a dict of files; records what it fetched."""

    def __init__(self, files: dict[PurePosixPath, bytes]) -> None:
        self.files = files

    def search(self, query: str, wanted: int = search.PAGE_SIZE) -> Result:
        sizes: dict[str, int] = {}

        def load(path: str):  # type: ignore[no-untyped-def]
            data = self.files[PurePosixPath(path.split("?")[0])]
            sizes[path] = len(data)
            return json.loads(data)

        manifest = load("search/index.json")
        keys = manifest["w"]
        asked, prefix = query_words(query)
        if not asked:
            return Result([], [], 0, False, prefix, sizes)
        if prefix and len(fragment_keys(keys, asked[-1], True)) > search.MAX_PREFIX_FRAGMENTS:
            prefix = False
        pages = [p[1] for p in manifest["p"] if matches(set(words(p[0])), asked, prefix)]
        sources = []  # per word, its terms: a list of ids, or {"n": count, "b": blocks}
        for i, word in enumerate(asked):
            last = prefix and i == len(asked) - 1
            terms = []
            for key in fragment_keys(keys, word, last):
                for term, value in sorted(load(f"search/words/{keys[key]}.json").items()):
                    if term == word or (last and term.startswith(word)):
                        terms.append(undelta(value, 0) if isinstance(value, list) else value)
            sources.append(terms)
        lazy = any(isinstance(t, dict) for terms in sources for t in terms)  # else every id is known already
        size = manifest["r"]
        hits: list[int] = []
        block = -(-manifest["n"] // size) - 1 if all(sources) else -1
        while block >= 0 and (not lazy or len(hits) <= wanted):
            low, high = block * size, (block + 1) * size
            if all(any(in_block(t, block, low, high) for t in terms) for terms in sources):
                sets = []
                for terms in sources:
                    ids: set[int] = set()
                    for t in terms:
                        if isinstance(t, list):
                            ids.update(t[bisect_left(t, low) : bisect_left(t, high)])
                        elif in_block(t, block, low, high):
                            ids.update(undelta(load(f"search/words/{t['b'][block]}.json"), low))
                    sets.append(ids)
                hits.extend(sorted(set.intersection(*sets), reverse=True))
            block -= 1
        count: int | None = len(hits)
        if block >= 0:
            count = sources[0][0]["n"] if len(sources) == 1 and len(sources[0]) == 1 else None
        paths = []
        for doc in hits[:wanted]:
            chunk = load(f"search/docs/{doc // manifest['k']}.json?v={manifest['h']}")
            paths.append(chunk[doc % manifest["k"]][1])
        return Result(paths, pages, count, len(hits) > wanted, prefix, sizes)


def query_words(query: str) -> tuple[list[str], bool]:
    """The query's words, and whether the last is a prefix (still being typed: nothing after it)."""
    found = words(query)
    return found, bool(found) and fold(query).endswith(found[-1]) and len(found[-1]) >= search.MIN_PREFIX


def fragment_keys(keys: dict[str, str], word: str, prefix: bool) -> list[str]:
    """The fragment a word is in (the longest prefix of it listed), and for a prefix every fragment under it."""
    own = max((k for k in keys if word.startswith(k)), key=len, default=None)
    found = [own] if own is not None else []
    return found + [k for k in keys if prefix and k.startswith(word) and k != own]


def matches(tokens: set[str], asked: list[str], prefix: bool) -> bool:
    *whole, last = asked
    if not all(w in tokens for w in whole):
        return False
    return last in tokens or (prefix and any(t.startswith(last) for t in tokens))


def fragment_of(files: dict[PurePosixPath, bytes], keys: dict[str, str], word: str) -> dict[str, str]:
    """The fragment a word is in, as its entries' JSON by term."""
    data = json.loads(files[PurePosixPath(f"search/words/{keys[fragment_keys(keys, word, False)[0]]}.json")])
    return {term: json.dumps(value, separators=(",", ":")) for term, value in data.items()}


def in_block(term: list[int] | dict, block: int, low: int, high: int) -> bool:  # type: ignore[type-arg]
    if isinstance(term, list):
        return bisect_left(term, low) < bisect_left(term, high)
    return block < len(term["b"]) and bool(term["b"][block])


def undelta(deltas: list[int], base: int) -> list[int]:
    ids = []
    for d in deltas:
        base += d
        ids.append(base)
    return ids


def tokenised(newest_first: Sequence[Entry | None]) -> list[tuple[str, set[str]]]:
    return [(e.path, set(words(" ".join([e.title, e.summary, *e.keywords])))) for e in newest_first if e]


def naive(tokens: list[tuple[str, set[str]]], asked: list[str], prefix: bool) -> list[str]:
    """The briefings a query finds, by brute force over each entry's words."""
    return [path for path, words in tokens if asked and matches(words, asked, prefix)]


def sample_queries(newest_first: Sequence[Entry | None], rng: random.Random, count: int) -> list[str]:
    """Words of the entries, whole and typed part-way, alone and in pairs, with the accents and case folded away."""
    vocab = sorted({w for e in newest_first if e for w in words(f"{e.title} {e.summary} {' '.join(e.keywords)}")})
    queries = ["police", "police ", "the and", "POLICE officers", "westm", "westminster bridge", "caerdydd"]
    queries += ["gwyl", "GŴYL", "Gwyl,", "cafe", "CAFÉ", "senor", "montreal", "nunez", "o briain", "ó", "lefevre"]
    queries += ["", "a", "!!", "zzzz", "police zzzz", "'s", "st", "sta", "b", "police's stat"]
    for _ in range(count):
        word = rng.choice(vocab)
        queries += [word, word[: rng.randint(2, max(2, len(word)))], f"{rng.choice(COMMON)} {word}"]
        queries.append(f"{word} {rng.choice(vocab)[:3]}")
    return queries


@pytest.fixture(scope="module")
def big() -> tuple[list[Entry], dict[PurePosixPath, bytes]]:
    started = time.perf_counter()
    entries = synthetic_entries(100_000)
    made = time.perf_counter()
    files = index_files(entries, [("About this site", "about/"), ("Advice to the public", "advice/")])
    print(f"\n100,000 entries made in {made - started:.2f} s, indexed in {time.perf_counter() - made:.2f} s")
    return entries, files


@pytest.mark.slow
def test_every_file_is_small_at_100000_briefings(big: tuple[list[Entry], dict[PurePosixPath, bytes]]) -> None:
    _, files = big
    manifest = json.loads(files[PurePosixPath("search/index.json")])
    fragments = [len(files[PurePosixPath(f"search/words/{name}.json")]) for name in manifest["w"].values()]
    words_files = {p: len(d) for p, d in files.items() if p.parent.name == "words"}
    chunks = {p: len(d) for p, d in files.items() if p.parent.name == "docs"}
    print(
        f"manifest {len(files[PurePosixPath('search/index.json')]):,} B; {len(fragments)} fragments of "
        f"{min(fragments):,}-{max(fragments):,} B; {len(words_files) - len(fragments)} blocks; "
        f"{len(chunks)} chunks of {min(chunks.values()):,}-{max(chunks.values()):,} B; "
        f"{sum(map(len, files.values())) / 1e6:.1f} MB in all"
    )
    assert max(words_files.values()) <= Layout().fragment_bytes
    assert max(chunks.values()) <= 8_000
    assert len(files[PurePosixPath("search/index.json")]) <= 20_000
    assert len(chunks) == 10_000 and manifest["n"] == 100_000
    assert sum(1 for p in files if p.parent.name == "words") == len(words_files)  # names never collide


@pytest.mark.slow
def test_a_search_fetches_under_300_kb_at_100000_briefings(big: tuple[list[Entry], dict[PurePosixPath, bytes]]) -> None:
    entries, files = big
    client = Client(files)
    rng = random.Random(2)
    queries = sample_queries(entries[:2_000], rng, 40)
    keys = json.loads(files[PurePosixPath("search/index.json")])["w"]
    queries += [k for k in keys if len(k) in (2, 3)]  # a prefix being typed, at every fragment boundary
    costs = sorted((client.search(q).bytes, q) for q in queries)
    print(f"\n{len(costs)} searches fetch {costs[0][0]:,}-{costs[-1][0]:,} B, median {costs[len(costs) // 2][0]:,} B")
    for q in ["police", "westminster", "westm", "police station", "gŵyl caerdydd", "the and", costs[-1][1]]:
        r = client.search(q)
        print(f"  {q!r:24} {r.count!s:>7} results, {len(r.sizes):2} files, {r.bytes:7,} B")
    assert costs[-1][0] < BUDGET, costs[-5:]
    more = client.search("police", wanted=2 * search.PAGE_SIZE)  # "Show more" fetches the next page
    assert more.bytes - client.search("police").bytes < BUDGET


@pytest.mark.slow
def test_the_index_is_the_same_for_the_same_entries(big: tuple[list[Entry], dict[PurePosixPath, bytes]]) -> None:
    entries, files = big
    copy = [Entry(e.title, e.path, e.date, e.summary, e.keywords) for e in entries]
    again = index_files(copy, [("About this site", "about/"), ("Advice to the public", "advice/")])
    assert list(again) == list(files)
    assert again == files


def test_the_lookup_finds_what_brute_force_finds() -> None:
    entries: list[Entry | None] = list(synthetic_entries(2_000, vocabulary_size=2_000, seed=3))
    entries[7] = entries[500] = None  # expired: keep their ids, never found
    files = index_files(entries, [("Gŵyl news", "gwyl/")], TINY)
    manifest = json.loads(files[PurePosixPath("search/index.json")])
    assert len(manifest["w"]) > 40 and max(len(k) for k in manifest["w"]) >= 3  # deep fragments
    assert sum(1 for p in files if p.parent.name == "words") > 5 * len(manifest["w"])  # and many blocks
    client = Client(files)
    tokens = tokenised(entries)
    fallbacks = 0
    for query in sample_queries(entries, random.Random(4), 40):
        asked, prefix = query_words(query)
        everything = client.search(query, wanted=len(entries))
        if everything.prefix != prefix:  # a short prefix under too many fragments: whole words only
            fallbacks += 1
            assert len(fragment_keys(manifest["w"], asked[-1], True)) > search.MAX_PREFIX_FRAGMENTS
        expected = naive(tokens, asked, everything.prefix)
        assert everything.paths == expected, query
        assert everything.count == len(expected) and not everything.more, query
        assert everything.pages == (["gwyl/"] if asked and matches({"gwyl", "news"}, asked, everything.prefix) else [])
        first = client.search(query)
        assert first.paths == expected[: search.PAGE_SIZE], query
        assert first.more == (len(expected) > search.PAGE_SIZE), query
        assert first.count in (len(expected), None), query
    assert 0 < fallbacks < 30


def test_welsh_french_and_spanish_words_fold() -> None:
    assert words("Gŵyl Caerdydd: L'été à Montréal; AÑO NUEVO, señor") == [
        "gwyl",
        "caerdydd",
        "ete",
        "montreal",
        "ano",
        "nuevo",
        "senor",
    ]
    assert words("Straße ΟΔΟΣ ﬁre İzmir ab_cd x 5 a") == ["strasse", "οδοσ", "fire", "izmir", "ab", "cd", "5"]
    assert fold("Ŵ") == "w" and fold("e\u0301") == "e"


@pytest.mark.slow
def test_an_edit_writes_only_the_files_of_the_words_it_touches() -> None:
    entries: list[Entry | None] = list(synthetic_entries(20_000, seed=5))
    before = index_files(entries)

    def terms(entry: Entry | None) -> set[str]:
        return set(words(" ".join([entry.title, entry.summary, *entry.keywords]))) if entry else set()

    old = entries[9_000]
    edited = list(entries)
    edited[9_000] = new = Entry("Westminster bridge reopened after the marathon", *astuple(old)[1:])  # type: ignore[arg-type]
    newest = synthetic_entries(1, seed=6)[0]
    added = [Entry(newest.title, "briefings/new/", "2026-01-01", newest.summary, newest.keywords), *entries]
    expired = list(entries)
    expired[15_000] = None
    print(f"\n{len(before)} files, {sum(map(len, before.values())) / 1e6:.1f} MB")
    for what, after, touched in [
        ("a title edited", edited, terms(old) ^ terms(new)),
        ("a briefing added", added, terms(newest)),
        ("one expired", expired, terms(entries[15_000])),
    ]:
        index = index_files(after)
        written = {p for p in index if before.get(p) != index[p]}  # new names, and chunks and the manifest
        print(
            f"  {what}: {len(touched)} words, {len(written)} files written, {sum(len(index[p]) for p in written):,} B"
        )
        # the fragments of those words, the blocks of the common ones, a metadata chunk, the manifest
        keys = json.loads(index[PurePosixPath("search/index.json")])["w"]
        fragments = {fragment_keys(keys, word, False)[0] for word in touched}
        common = [w for w in touched if '"n":' in fragment_of(index, keys, w).get(w, "")]
        assert len(written) <= len(fragments) + len(common) + 2, what
        assert sum(1 for p in written if p.parent.name == "docs") == 1, what


def test_the_built_site_has_the_index_and_an_edit_changes_few_files(site: SiteDir) -> None:
    for n in range(60):
        site.briefing(
            f'title: "Patrols at the Eisteddfod, day {n}"\ndate: 2019-08-{n % 28 + 1:02d}T{n % 24:02d}:00:00\n'
            f'summary: "Officers at the Gŵyl in Caerdydd, number {n}."\nregion: "Wales"',
            name=f"2019-08-{n % 28 + 1:02d}-eisteddfod-{n}.md",
        )
    assert site.run("build").code == 0
    search_dir = site.public / "search"
    assert not (site.public / "search.json").exists()
    assert 'data-index="index.json"' in (search_dir / "index.html").read_text()
    manifest = json.loads((search_dir / "index.json").read_text())
    assert manifest["n"] == 63 and len(list((search_dir / "docs").iterdir())) == 7
    for name in manifest["w"].values():
        assert (search_dir / "words" / f"{name}.json").is_file()
    files = {PurePosixPath(p.relative_to(site.public).as_posix()): p.read_bytes() for p in search_dir.rglob("*.json")}
    found = Client(files).search("gwyl caerd")
    assert found.count == 60 and found.more  # newest first: 28 August at 07:00, then at 03:00
    assert found.paths[:2] == ["briefings/eisteddfod-55/", "briefings/eisteddfod-27/"]
    assert Client(files).search("patrols city").paths == ["briefings/patrols/"]

    before = {p.name: p.read_bytes() for p in search_dir.rglob("*.json")}
    rel = "content/briefings/2019-08-05-eisteddfod-32.md"
    text = (site.root / rel).read_text().replace("Patrols at the Eisteddfod", "Cordon at the Eisteddfod")
    site.write(rel, text)
    assert site.run("build").code == 0
    after = {p.name: p.read_bytes() for p in search_dir.rglob("*.json")}
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    chunks = [n for n in changed if re.fullmatch(r"\d+\.json", n)]
    assert "index.json" in changed and len(chunks) == 1 and len(changed) <= 4, changed
