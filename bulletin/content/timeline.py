"""Stage two for ``content/threat-levels.yaml``: the official record of threat-level changes."""

from __future__ import annotations

from .. import fields as f
from ..config import SiteConfig
from ..errors import Problems
from .model import LevelChange
from .parse import ParsedSource


def read_timeline(parsed: ParsedSource, config: SiteConfig, problems: Problems) -> tuple[LevelChange, ...] | None:
    problems.extend(parsed.problems)
    doc = parsed.doc
    if doc is None:
        return None
    reader = f.Reader(doc, parsed.path, problems, config.tz)
    if not isinstance(doc.value, list) or not doc.value:
        reader.error((), "threat-levels.yaml must be a list of {level, since, note} entries")
        return None
    entry = {
        "level": f.Field(f.one_of(*config.level_ids), required=True),
        "since": f.Field(f.moment, required=True),
        "note": f.Field(f.text),
        "translations": f.Field(
            f.by_language({"note": f.Field(f.text, doc="the note in this language")}, "a translation"),
            doc="{<language>: {note}} for each language of site.yaml translations",
        ),
    }
    changes: list[LevelChange] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(doc.value):
        values = reader.mapping((index,), item, entry, "a timeline entry")
        if values is None or "level" not in values or "since" not in values:
            continue
        notes = tuple(
            (lang, texts["note"]) for lang, texts in values.get("translations", {}).items() if "note" in texts
        )
        change = LevelChange(values["level"], values["since"], values.get("note", ""), notes)
        key = change.since.iso()
        if key in seen:
            reader.error((index, "since"), f"two changes on {key} (the other is entry {seen[key] + 1})")
        seen[key] = index
        changes.append(change)
    if reader.failures or parsed.failed:
        return None
    return tuple(sorted(changes, key=lambda c: c.since.at))
