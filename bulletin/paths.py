"""The one place for path decisions: which source files count, and where output files go."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path, PurePosixPath


def _theme_root() -> Path:
    """Where the default theme's templates/ and static/ are: inside the installed package (the wheel
    copies them there, see setup.py), else in the checkout this package runs from."""
    packaged = Path(str(resources.files("bulletin").joinpath("theme")))
    if (packaged / "templates").is_dir():
        return packaged.resolve()
    return Path(__file__).resolve().parent.parent


THEME_ROOT = _theme_root()
RECORD_DIR = "published"
CACHE_DIR = ".bulletin-cache"  # in the site, unless --cache-dir or --no-cache

# Editors' temporary, backup and lock files, and OS litter: never content, never published.
_IGNORED = re.compile(
    r"""^(
        \..*                      # hidden files, vim .swp, emacs .#lock, .DS_Store
      | .*~                       # vim and gedit backups
      | \#.*\#                    # emacs autosave
      | .*\.(swp|swx|swo|tmp|bak|orig|rej|crdownload)
      | .*___jb_(tmp|old)___      # JetBrains safe write
      | 4913                      # vim's write test
      | Thumbs\.db | desktop\.ini
    )$""",
    re.VERBOSE | re.IGNORECASE,
)


# Top-level paths the engine writes; a page from content/pages/ may not take them.
RESERVED_SLUGS = frozenset(
    {"briefings", "tags", "regions", "people", "threat-level", "deployments", "archive", "search", "css", "js"}
)


def is_ignored_name(name: str) -> bool:
    return bool(_IGNORED.match(name))


class UnsafePath(ValueError):
    """An output path that would leave the output folder."""


def output_file(url_path: str) -> PurePosixPath:
    """The file that serves a site URL: ``/briefings/x/`` -> ``briefings/x/index.html``."""
    if not url_path.startswith("/") or "\\" in url_path or "\x00" in url_path:
        raise UnsafePath(f"bad site path {url_path!r}")
    parts = [p for p in url_path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise UnsafePath(f"site path {url_path!r} leaves the output folder")
    if url_path.endswith("/"):
        parts.append("index.html")
    return PurePosixPath(*parts)


def safe_join(root: Path, relative: PurePosixPath) -> Path:
    """Join an output-relative path to ``root``, refusing anything that would land outside it."""
    if relative.is_absolute() or any(p in ("..", "") for p in relative.parts):
        raise UnsafePath(f"output path {str(relative)!r} leaves the output folder")
    target = root.joinpath(*relative.parts)
    if not os.path.normpath(target).startswith(os.path.normpath(root) + os.sep):
        raise UnsafePath(f"output path {str(relative)!r} leaves the output folder")
    return target


def relative_url(from_url: str, to_url: str) -> str:
    """A link from one site path to another that works under any prefix: ``/a/b/`` -> ``/c/`` is ``../../c/``."""
    if not to_url.startswith("/"):
        return to_url
    base = from_url.split("/")[1:-1]  # the folders of the page doing the linking
    target = to_url.split("/")[1:]
    common = 0
    while common < len(base) and common < len(target) - 1 and base[common] == target[common]:
        common += 1
    result = "/".join([".."] * (len(base) - common) + target[common:])
    return result or "./"


def page_link(from_url: str, to_url: str) -> str:
    """A link from a page to a site path; folder links name their ``index.html``, so the site works
    opened from disk as well as served under any path."""
    link = relative_url(from_url, to_url)
    if to_url.startswith("/") and link.endswith("/"):
        return "index.html" if link == "./" else link + "index.html"
    return link


# The first folder of every page a language's edition has (besides the site's own pages, by slug).
EDITION_SECTIONS = frozenset(
    {"briefings", "tags", "regions", "people", "threat-level", "deployments", "archive", "search"}
)
EDITION_FILES = frozenset({"/", "/feed.xml", "/feed.json", "/404.html"})


def localised_path(target: str, prefix: str, page_slugs: frozenset[str] = frozenset()) -> str:
    """A site path as the pages of an edition link to it: its pages (``page_slugs`` are those of
    content/pages/), feeds and search index are the edition's own; stylesheets, scripts, images,
    files of static/, CAP messages and ``alerts.xml`` are shared."""
    if not prefix or not target.startswith("/") or target.startswith(prefix + "/"):
        return target
    path = target.split("#", 1)[0].split("?", 1)[0]
    first, _, rest = path[1:].partition("/")
    name = path.rsplit("/", 1)[-1]
    page_like = "." not in name or name.endswith(".html")  # /about, /about/, /briefings/page/2/
    if path in EDITION_FILES or path.startswith("/search/"):
        return prefix + target
    if page_like and (first in EDITION_SECTIONS or (first in page_slugs and rest in ("", "index.html"))):
        return prefix + target
    return target


def output_overlap(output: Path, site_root: Path) -> str | None:
    """Why ``output`` may not be the output folder (a build replaces it whole), or None."""
    out = output.resolve()
    root = site_root.resolve()
    protected = [
        root / "content",
        root / "templates",
        root / "static",
        root / RECORD_DIR,
        THEME_ROOT / "templates",
        THEME_ROOT / "static",
    ]
    if out == root or root.is_relative_to(out) or THEME_ROOT.is_relative_to(out):
        return f"output folder {output} contains the site itself; refusing to replace it"
    if any(out == p or out.is_relative_to(p) or p.is_relative_to(out) for p in protected):
        return f"output folder {output} overlaps content/, templates/, static/ or published/; refusing to replace it"
    return None
