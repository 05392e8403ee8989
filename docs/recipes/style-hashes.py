"""Print a stricter CSP directive for the style attributes of a built Bulletin site.

    python docs/recipes/style-hashes.py public/

The default theme colours the threat-level banner and level badges with style attributes
(``style="--level: #c62828; --level-text: #ffffff"``), which a Content-Security-Policy blocks unless
it allows them. The recipes allow them with ``style-src-attr 'unsafe-inline'``. This prints the
alternative: a ``style-src-attr`` with ``'unsafe-hashes'`` and the hash of every style attribute the
site uses, to put in the policy in place of that one. It depends on site.yaml's level colours
and on the templates: run it again after changing either, or the banner loses its colour.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from html.parser import HTMLParser
from pathlib import Path


class _StyleAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.update(value for name, value in attrs if name == "style" and value is not None)


def style_src_attr(output: Path) -> str:
    """The directive: the hash of each distinct style attribute value in the site's HTML files."""
    parser = _StyleAttributes()
    for page in sorted(output.rglob("*.html")):
        parser.feed(page.read_text(encoding="utf-8"))
        parser.close()
        parser.reset()
    hashes = sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'" for value in parser.values
    )
    return " ".join(["style-src-attr", "'unsafe-hashes'", *hashes]) if hashes else "style-src-attr 'none'"


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: python docs/recipes/style-hashes.py OUTPUT_FOLDER")
    print(style_src_attr(Path(sys.argv[1])))
