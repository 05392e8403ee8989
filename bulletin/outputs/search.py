"""The search index: a small JSON file the search page's script filters in the browser."""

from __future__ import annotations

import json

from ..views import BriefingView, PageView


def search_index(briefings: list[BriefingView], pages: list[PageView]) -> bytes:
    """Titles, summaries, tags, region and people of every listed briefing, plus the pages.

    ``u`` is the page's path from the site root (``briefings/x/index.html``), so the script can
    join it to any prefix; keys are short because the file grows with the archive.
    """
    entries = [
        {
            "t": b.title,
            "u": b.url.lstrip("/") + "index.html",
            "d": b.date.iso(),
            "s": b.summary,
            "g": [t.name for t in b.tags],
            "r": b.region.name if b.region else "",
            "p": [p.name for p in b.spokespeople],
        }
        for b in briefings
    ]
    entries.extend(
        {"t": p.title, "u": p.url.lstrip("/") + "index.html", "d": "", "s": "", "g": [], "r": "", "p": []}
        for p in pages
    )
    return (json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
