"""The one place XML is written: ElementTree builds it, so escaping is never done by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def element(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child of ``parent`` (or a root) with text and attributes.

    Each document has one namespace, declared on its root as ``xmlns=``; names stay unprefixed.
    """
    node = ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def to_bytes(root: ET.Element) -> bytes:
    """Serialise with a declaration, two-space indents and a final newline."""
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
