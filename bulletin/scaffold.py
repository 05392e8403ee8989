"""``new briefing "TITLE"``: a draft with every field stubbed and explained; ``new site DIR``: a site to start from."""

from __future__ import annotations

import datetime as dt
import json
import string
import unicodedata
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .errors import BulletinError, UsageError
from .fields import slugify

TEMPLATE = """\
---
# The headline, shown on the page, in feeds and as the CAP headline (keep it under 140 characters).
title: {title}
# When the briefing was issued, with its offset from UTC (without one, the time is in {timezone}).
date: {date}
# A draft is never published; delete this line (or write false) when it is ready.
draft: true
# One or two sentences. Leave it out to use the body's first paragraph.
summary: "TODO: one or two sentences saying what has happened and what it means for the public."
# The threat level in force: one of {levels}.
threat_level: {level}
# Officers deployed: added now, total after, and previous (previous + added must equal total).
officers:
  added: 0
  total: 0
  # previous: 0
  armed: false
# The place concerned: free text, or the id(s) of content/areas.yaml whose outline goes into CAP.
area: "TODO: the place concerned"
# Groups briefings by place (/regions/<slug>/).
# region: "London"
# Topics (/tags/<slug>/).
tags: []
# Ids of the people quoted, one file each in content/people/<id>.yaml.
spokespeople: []
# Quotes, each by someone in spokespeople; the text should also appear in the body.
quotes: []
#  - by: person-id
#    text: "The exact words."
# What the public should do (Markdown); it becomes the CAP instruction.
advice: |
  TODO: what the public should do.
# Public corrections and updates, one entry per change.
updates: []
#  - date: {date}
#    note: "What changed."
# Where the facts come from.
sources: []
#  - title: "Name of the source"
#    url: "https://example.org/"
# The URL is /briefings/<slug>/; by default the file name without its date.
# slug: {slug}
# Embargo: not published before this time.
# publish_at: {date}
# Not listed after this time; the page stays, marked expired. Also the CAP expires.
# expires: {date}
# A CAP alert for aggregators, only when the public must know or act (routine news is not one).
# Every key is optional; `alert: {{}}` takes the threat level's defaults.
# alert:
#   status: Actual      # Actual, Exercise or Test
#   response: Monitor   # Shelter, Evacuate, Prepare, Execute, Avoid, Monitor, AllClear or None
#   event: "Suspicious item"   # at most 35 characters; default: the threat level
#   severity: Moderate  # urgency, severity, certainty: default from the threat level
#   cancel: {{at: {date}, reason: "Why the alert is withdrawn"}}
# Free data for templates.
extra: {{}}
---

TODO: the briefing. Write what has happened, what the police are doing, and why.
"""


def new_briefing(site_root: Path, config: SiteConfig, title: str, now: dt.datetime, level: str | None = None) -> Path:
    """Write the draft and return its path; refuses to overwrite an existing file."""
    title = title.strip()
    if not title:
        raise UsageError('new briefing: the title is empty; give it in quotes: new briefing "TITLE"')
    _check_title(title)
    slug = slugify(title)[:80].rstrip("-")
    if not slug:
        raise UsageError(f"new briefing: cannot make a file name from the title {title!r}; use letters or digits")
    local = (now if now.tzinfo else now.replace(tzinfo=config.tz)).astimezone(config.tz)
    path = site_root / "content" / "briefings" / f"{local:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise BulletinError(str(path.relative_to(site_root)), 1, "already exists; choose another title", exit_code=1)
    levels = config.level_ids
    text = TEMPLATE.format(
        title=json.dumps(title, ensure_ascii=False),
        date=local.replace(microsecond=0).isoformat(),
        timezone=config.timezone,
        levels=", ".join(levels),
        level=level or levels[len(levels) // 2],
        slug=slug,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _check_title(title: str) -> None:
    """A title is one line of text. A line break, a control character or a code point that is not a character
    (bytes that are not UTF-8 reach ``sys.argv`` as lone surrogates) is refused: the draft would fail ``check``,
    or could not be written at all."""
    for position, char in enumerate(title, 1):
        code = f"U+{ord(char):04X}"
        category = unicodedata.category(char)
        if char in _LINE_BREAKS or category in ("Zl", "Zp"):
            why = f"a line break ({code}, character {position}); give the title on one line"
        elif char == "\t":
            why = f"a tab (character {position}); use a space"
        elif category == "Cc":
            why = f"the control character {code} (character {position}); remove it"
        elif category == "Cs" or _noncharacter(char):
            why = f"{code} (character {position}), which is not a character; was the title typed as UTF-8?"
        else:
            continue
        raise UsageError(f"new briefing: the title contains {why}")


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


SKELETON = "skeleton"  # bulletin/skeleton/: the files of a new site, with $placeholders
_RENAMED = {"dot-gitignore": ".gitignore"}  # a dot file would be left out of the package


def new_site(folder: Path, now: dt.datetime, title: str = "Public-safety briefings") -> list[Path]:
    """Write a minimal valid site into ``folder``, which must be empty or absent; returns the files.

    It builds and serves as it is: site.yaml with the UK threat levels, one briefing that publishes
    a CAP alert for a named area, the person it quotes, an about page, and a .gitignore for the
    output and the cache. Its briefing is dated ``now``, so it is the latest news of the new site.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BulletinError(str(folder), 1, "exists and is not a folder; new site needs an empty or absent folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise BulletinError(str(folder), 1, "is not empty; new site needs an empty or absent folder")
    zone = ZoneInfo("Europe/London")  # the skeleton's site.yaml time zone
    local = (now if now.tzinfo else now.replace(tzinfo=zone)).astimezone(zone).replace(second=0, microsecond=0)
    values = {"title": json.dumps(title, ensure_ascii=False), "date": local.replace(tzinfo=None).isoformat()}
    written: list[Path] = []
    skeleton = resources.files("bulletin").joinpath(SKELETON)
    folder.mkdir(parents=True, exist_ok=True)
    for relative, text in sorted(_files(skeleton, "")):
        name = _RENAMED.get(relative, relative)
        if name.startswith("content/briefings/"):
            name = f"content/briefings/{local:%Y-%m-%d}-{name.rsplit('/', 1)[1]}"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(string.Template(text).substitute(values))
        written.append(path)
    return written


def _files(folder: Traversable, prefix: str) -> list[tuple[str, str]]:
    found = []
    for entry in folder.iterdir():
        if entry.name.startswith(("__", ".")):
            continue
        if entry.is_dir():
            found.extend(_files(entry, f"{prefix}{entry.name}/"))
        else:
            found.append((f"{prefix}{entry.name}", entry.read_text(encoding="utf-8")))
    return found
