#!/usr/bin/env python3
"""Keep the interface catalogues in bulletin/locale/ in step with the default theme's templates.

    python scripts/catalogues.py extract     # templates/ (and marked Python) -> bulletin/locale/bulletin.pot
    python scripts/catalogues.py update      # merge the .pot into every language's .po
    python scripts/catalogues.py compile     # every .po -> its .mo (what Bulletin reads)
    python scripts/catalogues.py check       # exit 1 if any of the above is out of date, or a
                                             # catalogue has an untranslated or fuzzy entry
    python scripts/catalogues.py init LANG   # start the .po of a new language (then translate it)

After editing a template: extract, update, translate what update marked (new texts are empty,
changed ones fuzzy), compile. Files are only rewritten when their messages change, so running a
step twice changes nothing. The extraction mapping is scripts/babel.cfg: the templates, and the
Python modules that word texts themselves (marked with N_()).
"""

from __future__ import annotations

import argparse
import io
import sys
from itertools import takewhile
from pathlib import Path, PurePosixPath

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "scripts" / "babel.cfg"
LOCALE = ROOT / "bulletin" / "locale"
TEMPLATE = LOCALE / "bulletin.pot"
PROJECT = ("Bulletin", "interface")
WIDTH = 100
COMMENT_TAGS = ("Translators:",)
POT_HEADER = """\
# The interface texts of Bulletin's default theme (templates/, and the texts bulletin/ words
# itself), for translators.
# Made by `python scripts/catalogues.py extract`: edit the sources, not this file."""


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    try:
        from babel.messages.frontend import parse_mapping_cfg
    except ImportError:  # Babel before 2.15
        from babel.messages.frontend import parse_mapping as parse_mapping_cfg
    with open(MAPPING, encoding="utf-8") as handle:
        return parse_mapping_cfg(handle, str(MAPPING))


def extracted() -> Catalog:
    """The texts of the templates and the marked Python sources as they are now."""
    method_map, options_map = _mapping()
    folders = _source_folders(method_map)
    catalog = Catalog(project=PROJECT[0], version=PROJECT[1], header_comment=POT_HEADER, fuzzy=False)
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        # Only the mapping's folders: not node_modules/, public/, .venv/ or bench/ copies of the sources.
        directory_filter=lambda path: _on_the_way(Path(path).relative_to(ROOT).parts, folders),
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _source_folders(method_map: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The folder each pattern of the mapping starts in: templates/**.html -> templates,
    bulletin/outputs/cap.py -> bulletin/outputs."""
    wildcard = set("*?[")
    return [
        tuple(takewhile(lambda part: not wildcard & set(part), PurePosixPath(pattern).parts[:-1]))
        for pattern, _ in method_map
    ]


def _on_the_way(parts: tuple[str, ...], folders: list[tuple[str, ...]]) -> bool:
    """A folder inside one of ``folders``, or one the walk passes through to reach one (bulletin/)."""
    return any(parts[: len(folder)] == folder or folder[: len(parts)] == parts for folder in folders)


def languages() -> list[Path]:
    """The .po file of each language, by folder name."""
    return sorted(LOCALE.glob("*/LC_MESSAGES/bulletin.po"))


def _read_po(path: Path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # No line numbers: a template edit that moves a text does not make every catalogue out of date.
    write_po(out, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def _with_header_of(old: bytes, new: bytes) -> bytes:
    """``new`` with the comment block ``old`` starts with, as it was written: Babel reads the leading
    spaces of comments away, so the translator's indented notes on terms would lose their layout."""

    def split(data: bytes) -> tuple[bytes, bytes]:
        lines = data.splitlines(keepends=True)
        count = next((i for i, line in enumerate(lines) if not line.startswith(b"#")), len(lines))
        return b"".join(lines[:count]), b"".join(lines[count:])

    return split(old)[0] + split(new)[1]


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _messages(catalog: Catalog) -> list[tuple[object, ...]]:
    """What a template catalogue holds, without its header (dates, tool versions). A comment is
    compared by its words: one longer than a line is written wrapped, and read back as several."""
    return [
        (
            m.id,
            m.context,
            sorted({f for f, _ in m.locations}),
            " ".join(" ".join(m.auto_comments).split()),
            sorted(m.flags),
        )
        for m in catalog
        if m.id
    ]


def _compiled(data: bytes) -> dict[object, object]:
    """A .mo's translations and header, but for the Babel version that wrote it: a .mo from
    another version of Babel is as good, and rewriting it for that would only churn."""
    catalog = read_mo(io.BytesIO(data))
    found: dict[object, object] = {(m.context, _key(m.id)): _key(m.string) for m in catalog if m.id}
    found[""] = sorted((name, value) for name, value in catalog.mime_headers if name != "Generated-By")
    return found


def _key(value: object) -> object:
    """Plural ids and strings come as lists from a .mo and as tuples from a .po."""
    return tuple(value) if isinstance(value, list) else value


def extract() -> int:
    new = extracted()
    if TEMPLATE.is_file():
        with open(TEMPLATE, "rb") as handle:
            old = read_po(handle)
        if _messages(old) == _messages(new):
            print(f"{TEMPLATE.relative_to(ROOT)}: up to date")
            return 0
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(_po_bytes(new))
    print(f"{TEMPLATE.relative_to(ROOT)}: {len(new)} messages")
    return 0


def update() -> int:
    with open(TEMPLATE, "rb") as handle:
        template = read_po(handle)
    for path in languages():
        catalog = _read_po(path)
        before = _po_bytes(catalog)
        catalog.update(template, update_header_comment=False)
        after = _po_bytes(catalog)
        if after != before:
            path.write_bytes(_with_header_of(path.read_bytes(), after))
        todo = sum(1 for m in catalog if m.id and (m.fuzzy or not _translated(m.string)))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {todo} to translate or review")
    return 0


def compile_all() -> int:
    status = 0
    for path in languages():
        catalog = _read_po(path)
        problems = _problems(catalog, path)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            status = 1
            continue
        target = path.with_suffix(".mo")
        data = _mo_bytes(catalog)
        # Rewritten only when a translation changed, not for another Babel version's header.
        if not target.is_file() or _compiled(target.read_bytes()) != _compiled(data):
            target.write_bytes(data)
            print(f"{target.relative_to(ROOT)}: compiled")
    return status


def init(language: str) -> int:
    from babel import Locale

    name = str(Locale.parse(language, sep="-"))
    path = LOCALE / name / "LC_MESSAGES" / "bulletin.po"
    if path.exists():
        print(f"{path.relative_to(ROOT)} already exists; run update", file=sys.stderr)
        return 1
    with open(TEMPLATE, "rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=name, project=PROJECT[0], version=PROJECT[1], fuzzy=False)
    catalog.update(template)
    path.parent.mkdir(parents=True)
    path.write_bytes(_po_bytes(catalog))
    print(f"{path.relative_to(ROOT)}: {len(catalog)} messages to translate")
    return 0


def _translated(string: object) -> bool:
    strings = string if isinstance(string, tuple | list) else (string,)
    return all(strings)


def _problems(catalog: Catalog, path: Path) -> list[str]:
    shown = path.relative_to(ROOT)
    problems = [f"{shown}: the header is marked fuzzy"] if catalog.fuzzy else []
    for message in catalog:
        if not message.id:
            continue
        text = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            problems.append(f"{shown}: fuzzy (review, then remove the flag): {text!r}")
        elif not _translated(message.string):
            problems.append(f"{shown}: untranslated: {text!r}")
        elif isinstance(message.id, tuple) and len(message.string) != catalog.num_plurals:
            problems.append(f"{shown}: {len(message.string)} plural forms, the language has {catalog.num_plurals}")
        for error in message.check(catalog):
            problems.append(f"{shown}: {text!r}: {error}")
    return problems


def check() -> int:
    problems = []
    template = extracted()
    if not TEMPLATE.is_file():
        problems.append(f"{TEMPLATE.relative_to(ROOT)} is missing: run extract")
    else:
        with open(TEMPLATE, "rb") as handle:
            if _messages(read_po(handle)) != _messages(template):
                problems.append(f"{TEMPLATE.relative_to(ROOT)} is out of date with the sources: run extract")
    wanted = {(m.context, m.id) for m in template if m.id}
    for path in languages():
        catalog = _read_po(path)
        shown = path.relative_to(ROOT)
        have = {(m.context, m.id) for m in catalog if m.id}
        if have != wanted:
            problems.append(
                f"{shown} is out of date with the .pot ({len(wanted - have)} missing, "
                f"{len(have - wanted)} gone): run update"
            )
        problems += _problems(catalog, path)
        compiled = path.with_suffix(".mo")
        if not compiled.is_file() or _compiled(compiled.read_bytes()) != _compiled(_mo_bytes(catalog)):
            problems.append(f"{compiled.relative_to(ROOT)} differs from its .po: run compile")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(wanted)} messages; {len(languages())} catalogues complete and compiled")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["extract", "update", "compile", "check", "init"])
    parser.add_argument("language", nargs="?", help="for init: the BCP 47 tag, e.g. de or pt-BR")
    args = parser.parse_args(argv)
    if args.step == "init":
        if not args.language:
            parser.error("init needs a language")
        return init(args.language)
    return {"extract": extract, "update": update, "compile": compile_all, "check": check}[args.step]()


if __name__ == "__main__":
    sys.exit(main())
