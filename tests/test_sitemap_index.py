"""Past 50,000 URLs (or 50 MB) /sitemap.xml becomes a sitemap index of /sitemap-N.xml parts (sitemaps.org)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest
import xmlschema
from conftest import SiteDir

from bulletin.outputs import sitemap as sitemap_module
from bulletin.outputs.sitemap import sitemap_files

SCHEMAS = Path(__file__).parent / "schemas"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

# The sitemap index format of sitemaps.org 0.9 (www.sitemaps.org/protocol.html#index), written from the
# protocol: the official siteindex.xsd is not among the schemas shipped with the project. It takes the
# <loc> and <lastmod> types from the official sitemap-0.9.xsd, which it includes.
SITEINDEX_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
            targetNamespace="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            elementFormDefault="qualified">
  <xsd:include schemaLocation="{sitemap_xsd}"/>
  <xsd:element name="sitemapindex">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="sitemap" maxOccurs="50000">
          <xsd:complexType>
            <xsd:sequence>
              <xsd:element name="loc" type="tLoc"/>
              <xsd:element name="lastmod" type="tLastmod" minOccurs="0"/>
            </xsd:sequence>
          </xsd:complexType>
        </xsd:element>
      </xsd:sequence>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
"""


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> tuple[xmlschema.XMLSchema, xmlschema.XMLSchema]:
    """(the official urlset schema, the sitemap index schema)."""
    folder = tmp_path_factory.mktemp("schemas")
    index_xsd = folder / "siteindex.xsd"
    index_xsd.write_text(SITEINDEX_XSD.format(sitemap_xsd=(SCHEMAS / "sitemap-0.9.xsd").as_uri()), encoding="utf-8")
    return xmlschema.XMLSchema(str(SCHEMAS / "sitemap-0.9.xsd")), xmlschema.XMLSchema(str(index_xsd))


def _urls(data: bytes) -> list[tuple[str, str | None]]:
    root = ET.fromstring(data)
    assert root.tag == f"{{{NS['s']}}}urlset"
    return [(u.findtext("s:loc", namespaces=NS) or "", u.findtext("s:lastmod", namespaces=NS)) for u in root]


def test_a_small_site_keeps_one_sitemap(site: SiteDir) -> None:
    assert site.run("build").code == 0
    assert sorted(p.name for p in site.public.glob("sitemap*")) == ["sitemap.xml"]
    assert ET.parse(site.public / "sitemap.xml").getroot().tag == f"{{{NS['s']}}}urlset"


def test_past_the_limit_sitemap_xml_is_an_index_of_valid_parts(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch, schemas: tuple[xmlschema.XMLSchema, xmlschema.XMLSchema]
) -> None:
    urlset_schema, index_schema = schemas
    assert site.run("build").code == 0
    whole = _urls((site.public / "sitemap.xml").read_bytes())
    robots = (site.public / "robots.txt").read_bytes()
    assert len(whole) > 8

    monkeypatch.setattr(sitemap_module, "MAX_URLS", 4)
    result = site.run("build")
    assert result.code == 0, result.err
    index = site.public / "sitemap.xml"
    index_schema.validate(str(index))
    entries = ET.parse(index).getroot().findall("s:sitemap", NS)
    parts = sorted(site.public.glob("sitemap-*.xml"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(parts) == len(entries) == -(-len(whole) // 4)
    seen: list[tuple[str, str | None]] = []
    for number, (entry, part) in enumerate(zip(entries, parts, strict=True), 1):
        assert part.name == f"sitemap-{number}.xml"
        assert entry.findtext("s:loc", namespaces=NS) == f"https://test.example.org/sitemap-{number}.xml"
        urlset_schema.validate(str(part))
        urls = _urls(part.read_bytes())
        assert 1 <= len(urls) <= 4
        known = [m for _, m in urls if m]
        newest = max(known, key=sitemap_module._instant) if known else None
        assert entry.findtext("s:lastmod", namespaces=NS) == newest
        seen += urls
    assert seen == whole  # every URL once, in the same order, with its lastmod
    assert any(e.find("s:lastmod", NS) is not None for e in entries)
    assert (site.public / "robots.txt").read_bytes() == robots  # still names /sitemap.xml


def test_a_static_file_cannot_take_a_sitemap_part_path(site: SiteDir, monkeypatch: pytest.MonkeyPatch) -> None:
    site.write("static/sitemap-2.xml", "<mine/>")
    assert site.run("build").code == 0  # one sitemap: the path is free
    assert (site.public / "sitemap-2.xml").read_text() == "<mine/>"
    monkeypatch.setattr(sitemap_module, "MAX_URLS", 4)
    result = site.run("build")
    assert result.code == 1
    assert "static/sitemap-2.xml:1: error: would overwrite the generated page sitemap-2.xml" in result.err
    assert (site.public / "sitemap-2.xml").read_text() == "<mine/>"  # the previous site stays


def _fake_site() -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(base_url="https://example.org/"))


def test_each_part_holds_at_most_50000_urls() -> None:
    pages = [PurePosixPath(f"briefings/b{n:06d}/index.html") for n in range(100_001)]
    files = sitemap_files(_fake_site(), pages, {})  # type: ignore[arg-type]
    assert sorted(files) == sorted(PurePosixPath(n) for n in ("sitemap.xml", *(f"sitemap-{i}.xml" for i in (1, 2, 3))))
    counts = [len(_urls(files[PurePosixPath(f"sitemap-{i}.xml")])) for i in (1, 2, 3)]
    assert counts == [50_000, 50_000, 1]
    index = ET.fromstring(files[PurePosixPath("sitemap.xml")])
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    assert [e.findtext("s:loc", namespaces=NS) for e in index] == [
        f"https://example.org/sitemap-{i}.xml" for i in (1, 2, 3)
    ]
    assert all(e.find("s:lastmod", NS) is None for e in index)  # no lastmod known, none claimed


def test_parts_stay_under_the_size_limit_and_lastmod_compares_instants(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [PurePosixPath(f"b{n:03d}/index.html") for n in range(40)]
    lastmod = {p: "2020-01-01T10:00:00+01:00" for p in pages}  # 09:00 UTC
    lastmod[pages[1]] = "2020-01-01T09:30:00+00:00"  # later, though it sorts first as text
    one = len(sitemap_files(_fake_site(), pages[:1], lastmod)[PurePosixPath("sitemap.xml")])  # type: ignore[arg-type]
    monkeypatch.setattr(sitemap_module, "MAX_BYTES", one * 6)
    files = sitemap_files(_fake_site(), pages, lastmod)  # type: ignore[arg-type]
    parts = [data for path, data in files.items() if path.name != "sitemap.xml"]
    assert len(parts) > 1
    assert all(len(data) <= one * 6 for data in parts)
    assert [u for data in parts for u, _ in _urls(data)] == [f"https://example.org/{p.parent}/" for p in pages]
    first = ET.fromstring(files[PurePosixPath("sitemap.xml")]).find("s:sitemap", NS)
    assert first is not None and first.findtext("s:lastmod", namespaces=NS) == "2020-01-01T09:30:00+00:00"
