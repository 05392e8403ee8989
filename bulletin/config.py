"""site.yaml: the schema, its defaults, and the typed :class:`SiteConfig` it becomes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from . import fields as f
from .errors import Problems, Severity, did_you_mean
from .sitefiles import UnreadableFile, read_inside
from .sourcefile import decode
from .yamlsafe import KeyPath, load_yaml

CONFIG_FILE = "site.yaml"
MAX_CONFIG_BYTES = 256 * 1024

CAP_SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CAP_URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
CAP_CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
CAP_CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other",
)  # fmt: skip


@dataclass(frozen=True)
class CapMap:
    severity: str
    urgency: str
    certainty: str


@dataclass(frozen=True)
class ThreatLevel:
    id: str
    label: str
    meaning: str
    colour: str
    cap: CapMap
    rank: int  # position on the scale, 0 = lowest

    @property
    def text_colour(self) -> str:
        """The colour of the label drawn on ``colour``: black or white, whichever contrasts more."""
        return text_colour_on(self.colour)


@dataclass(frozen=True)
class Organisation:
    name: str
    url: str | None = None
    cap_sender: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str


@dataclass(frozen=True)
class Limits:
    """Per-source budgets: a file past them is a located error, never a build that runs for ever."""

    markdown_bytes: int = 2 * 1024 * 1024  # a briefing or page file
    yaml_bytes: int = 256 * 1024  # a person, areas.yaml, threat-levels.yaml
    markdown_seconds: int = 5  # rendering one Markdown text (HTML checks included), in whole seconds


@dataclass(frozen=True)
class LevelText:
    """A threat level's label and meaning in another language."""

    label: str | None = None
    meaning: str | None = None


@dataclass(frozen=True)
class Translation:
    """What site.yaml says about one more language the site is published in; None: as in the main language."""

    title: str | None = None
    description: str | None = None
    organisation_name: str | None = None
    contact: str | None = None
    menu: tuple[MenuItem, ...] | None = None
    levels: tuple[tuple[str, LevelText], ...] = ()  # (level id, its text), in site.yaml's order


@dataclass(frozen=True)
class SiteConfig:
    title: str
    base_url: str
    organisation: Organisation
    threat_levels: tuple[ThreatLevel, ...]
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    output_dir: str = "public"
    per_page: int = 10
    feed_size: int = 20
    alert_hours: int = 48
    alert_by_default: bool = False
    allow_raw_html: bool = False
    menu: tuple[MenuItem, ...] = ()
    translations: dict[str, Translation] = field(default_factory=dict)  # by BCP 47 tag, in site.yaml's order
    main_language: str = ""  # the site's own language; set where this config is one of its translations
    limits: Limits = Limits()
    extra: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # for messages

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def level(self, level_id: str) -> ThreatLevel:
        return next(level for level in self.threat_levels if level.id == level_id)

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.threat_levels)

    @property
    def prefix(self) -> str:
        """The path this configuration's pages live under: "" for the main language, "/cy" for a translation."""
        return f"/{self.language}" if self.main_language else ""

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the site is published in, its main language first."""
        return (self.main_language or self.language, *self.translations)

    def localised(self, language: str) -> SiteConfig:
        """This configuration as the pages in ``language`` see it: translated texts where site.yaml gives
        them, the main language's elsewhere. The main language gives this configuration itself."""
        if language == self.language or language not in self.translations:
            return self
        given = self.translations[language]
        texts = dict(given.levels)
        levels = tuple(
            replace(
                level,
                label=texts[level.id].label or level.label,
                meaning=texts[level.id].meaning or level.meaning,
            )
            if level.id in texts
            else level
            for level in self.threat_levels
        )
        organisation = replace(
            self.organisation,
            name=given.organisation_name or self.organisation.name,
            contact=given.contact or self.organisation.contact,
        )
        return replace(
            self,
            language=language,
            main_language=self.language,
            title=given.title or self.title,
            description=given.description or self.description,
            organisation=organisation,
            threat_levels=levels,
            menu=self.menu if given.menu is None else given.menu,
        )


# The UK national scale, used when site.yaml does not define its own.
UK_SCALE: tuple[dict[str, Any], ...] = (
    {"id": "low", "label": "Low", "meaning": "An attack is highly unlikely.", "colour": "#2e7d32",
     "cap": {"severity": "Minor", "urgency": "Future", "certainty": "Unlikely"}},
    {"id": "moderate", "label": "Moderate", "meaning": "An attack is possible but not likely.", "colour": "#0277bd",
     "cap": {"severity": "Minor", "urgency": "Future", "certainty": "Possible"}},
    {"id": "substantial", "label": "Substantial", "meaning": "An attack is likely.", "colour": "#8a5100",
     "cap": {"severity": "Moderate", "urgency": "Future", "certainty": "Likely"}},
    {"id": "severe", "label": "Severe", "meaning": "An attack is highly likely.", "colour": "#c62828",
     "cap": {"severity": "Severe", "urgency": "Expected", "certainty": "Likely"}},
    {"id": "critical", "label": "Critical", "meaning": "An attack is highly likely in the near future.",
     "colour": "#6a1b9a", "cap": {"severity": "Extreme", "urgency": "Immediate", "certainty": "Likely"}},
)  # fmt: skip


LANGUAGE_TAG = f.LANGUAGE_TAG
_CAP_SENDER_FORBIDDEN = re.compile(r"[\s,<&]")
_NOT_A_FOLDER_PATH = re.compile(r"[\\\x00]")


@f.accepts(f.matching(f.whole(LANGUAGE_TAG.pattern), "is not a BCP 47 language tag such as en, en-GB or cy"))
def _language(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    if not LANGUAGE_TAG.fullmatch(result):
        raise f.Invalid(f"'{result}' is not a BCP 47 language tag such as en, en-GB or cy")
    return result


# The zones this machine knows, as ZoneInfo does; no list (any text) where it has no tz database.
@f.accepts(
    lambda describe: {
        "type": "string",
        **({"enum": sorted(zones)} if (zones := available_timezones()) else {}),
        # VS Code's own message would list every zone
        "errorMessage": "is not an IANA time zone name such as Europe/London or UTC",
    }
)
def _timezone(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    try:
        ZoneInfo(result)
    except (ZoneInfoNotFoundError, ValueError):
        raise f.Invalid(f"'{result}' is not an IANA time zone name such as Europe/London or UTC") from None
    return result


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


@f.accepts(f.matching(f.whole(HEX_COLOUR.pattern), "must be a hex colour like #c62828, in quotes"))
def _colour(reader: f.Reader, at: KeyPath, value: Any) -> str:
    if value is None:
        raise f.Invalid("is empty; write the colour in quotes, like '#c62828' (YAML reads # as a comment)")
    result = f.line_text(reader, at, value)
    if not HEX_COLOUR.fullmatch(result):
        raise f.Invalid(f"'{result}' must be a hex colour like #c62828 or #c22 (put it in quotes)")
    if len(result) == 4:  # #rgb is #rrggbb with each digit doubled; one form keeps the arithmetic simple
        result = "#" + "".join(digit * 2 for digit in result[1:])
    # Any colour is accepted: the label on it is black or white, whichever contrasts more (text_colour_on).
    # There is no warning for a colour on which neither reaches WCAG AA's 4.5:1 because it could never
    # fire: the better of the two contrasts is lowest where they are equal, at the luminance L with
    # (L + 0.05) / 0.05 == 1.05 / (L + 0.05), that is (L + 0.05)² == 0.0525, and there both are 4.58:1.
    return result.lower()


BLACK = "#000000"
WHITE = "#ffffff"


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of ``colour`` (#rrggbb): 0 for black, 1 for white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        # sRGB's 0.04045; WCAG's text says 0.03928, but no 8-bit value lies between the two
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 (the same) to 21 (black and white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``: at least 4.58:1 for any colour."""
    return BLACK if contrast_ratio(BLACK, background) > contrast_ratio(WHITE, background) else WHITE


@f.accepts(
    lambda describe: f.refine(
        describe(f.line_text),
        allOf=[f.matching(f.absent(_CAP_SENDER_FORBIDDEN.pattern), "may not contain spaces, commas, '<' or '&'")],
    )
)
def _cap_sender(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    if _CAP_SENDER_FORBIDDEN.search(result):
        raise f.Invalid(f"'{result}' may not contain spaces, commas, '<' or '&' (CAP 1.2)")
    return result


@f.accepts(
    lambda describe: f.refine(
        describe(f.line_text),
        allOf=[f.matching(f.absent(_NOT_A_FOLDER_PATH.pattern), "must be a folder path with '/' separators")],
    )
)
def _relative_dir(reader: f.Reader, at: KeyPath, value: Any) -> str:
    result = f.line_text(reader, at, value)
    if _NOT_A_FOLDER_PATH.search(result):
        raise f.Invalid(f"'{result}' must be a folder path with '/' separators")
    return result


_CAP = {
    "severity": f.Field(f.one_of(*CAP_SEVERITY), required=True, doc="the CAP severity of alerts at this level"),
    "urgency": f.Field(f.one_of(*CAP_URGENCY), required=True, doc="the CAP urgency of alerts at this level"),
    "certainty": f.Field(f.one_of(*CAP_CERTAINTY), required=True, doc="the CAP certainty of alerts at this level"),
}
_LEVEL = {
    "id": f.Field(f.slug, required=True, doc="used in front matter and data-threat-level"),
    "label": f.Field(f.line_text, required=True, doc="the level's name as shown, e.g. Severe"),
    "meaning": f.Field(f.text, required=True, doc="what it means, e.g. An attack is highly likely."),
    "colour": f.Field(_colour, required=True, doc="a hex colour like '#c62828', in quotes"),
    "cap": f.Field(f.record(_CAP, "cap"), required=True, doc="CAP 1.2 severity, urgency and certainty"),
}
_ORGANISATION = {
    "name": f.Field(f.line_text, required=True, doc="the organisation's name"),
    "url": f.Field(f.url, doc="its website, an absolute http:// or https:// URL"),
    "cap_sender": f.Field(_cap_sender, doc="the CAP <sender>, e.g. an e-mail address"),
    "contact": f.Field(f.line_text, doc="the CAP <contact>, e.g. a phone line for the public"),
}
_LIMITS = {
    "markdown_bytes": f.Field(f.positive, doc="largest briefing or page file, in bytes (default 2 MiB)"),
    "yaml_bytes": f.Field(f.positive, doc="largest YAML file in content/, in bytes (default 256 KiB)"),
    "markdown_seconds": f.Field(f.positive, doc="longest time to render one Markdown text (default 5)"),
}
_MENU_ITEM = {
    "title": f.Field(f.line_text, required=True, doc="the link's text"),
    "url": f.Field(f.link, required=True, doc="a site path like /about/, or an http(s):// or mailto: URL"),
}

_LEVEL_TEXT = {
    "id": f.Field(f.id_of("threat level"), required=True, doc="the id of a level of threat_levels"),
    "label": f.Field(f.line_text, doc="the level's name in this language"),
    "meaning": f.Field(f.text, doc="what it means, in this language"),
}
_TRANSLATED_ORGANISATION = {
    "name": f.Field(f.line_text, doc="the organisation's name in this language"),
    "contact": f.Field(f.line_text, doc="the CAP <contact> in this language"),
}
_TRANSLATION = {
    "title": f.Field(f.line_text, doc="the site's title in this language"),
    "description": f.Field(f.text, doc="the description in this language"),
    "organisation": f.Field(f.record(_TRANSLATED_ORGANISATION, "organisation"), doc="name, contact"),
    "menu": f.Field(f.list_of(f.record(_MENU_ITEM, "a menu item")), doc="the navigation in this language"),
    "threat_levels": f.Field(
        f.list_of(f.record(_LEVEL_TEXT, "a threat level")), doc="{id, label, meaning} of levels to translate"
    ),
}


SCHEMA: dict[str, f.Field] = {
    "title": f.Field(f.line_text, required=True, doc="the site's title"),
    "description": f.Field(f.text, doc="what the site is, for feeds and search engines"),
    "base_url": f.Field(
        f.url,
        required=True,  # unless --base-url gives it: see load_config
        doc="required for feeds, sitemap and CAP, e.g. https://briefings.example.org/",
        missing="feeds, sitemap and CAP need it; or pass --base-url",
    ),
    "language": f.Field(_language, doc="BCP 47 tag of the site's language, e.g. en-GB; default en"),
    "timezone": f.Field(_timezone, doc="IANA time zone of dates written without an offset; default UTC"),
    "output_dir": f.Field(_relative_dir, doc="the output folder; default public"),
    "per_page": f.Field(f.positive, doc="briefings on a listing page; default 10"),
    "feed_size": f.Field(f.positive, doc="entries in feeds; default 20"),
    "organisation": f.Field(
        f.record(_ORGANISATION, "organisation"),
        required=True,
        doc="who publishes: name, url, cap_sender, contact",
        missing="at least its name",
    ),
    "alert_hours": f.Field(f.positive, doc="hours a CAP message stays in force without expires; default 48"),
    "alert_by_default": f.Field(f.boolean, doc="every briefing without an alert key publishes CAP messages"),
    "threat_levels": f.Field(
        f.list_of(f.record(_LEVEL, "a threat level")), doc="the ordered scale, lowest first; default: the UK scale"
    ),
    "allow_raw_html": f.Field(f.boolean, doc="keep raw HTML in Markdown; default false: sanitised to a safe list"),
    "menu": f.Field(f.list_of(f.record(_MENU_ITEM, "a menu item")), doc="{title, url} items for the navigation"),
    "translations": f.Field(
        f.by_language(_TRANSLATION, "a translation"),
        doc="other languages the site is in: {<tag>: {title, description, ...}}",
    ),
    "limits": f.Field(f.record(_LIMITS, "limits"), doc="per-source budgets; raise them for unusually large files"),
    "extra": f.Field(f.free, doc="free data for templates, never checked"),
}


def load_config(site_root: Path, problems: Problems, base_url: str | None = None) -> SiteConfig | None:
    """Read and check site.yaml; None when it has errors (already reported)."""
    path = site_root / CONFIG_FILE
    try:
        os.lstat(path)
        data = read_inside(path, site_root.resolve(), MAX_CONFIG_BYTES, CONFIG_FILE)
    except FileNotFoundError:
        problems.error(CONFIG_FILE, 1, f"no {CONFIG_FILE} in {site_root} (use --site DIR to point at a site)")
        return None
    except (OSError, UnreadableFile) as exc:
        problems.error(CONFIG_FILE, 1, str(exc) if isinstance(exc, UnreadableFile) else f"cannot read: {exc.strerror}")
        return None
    text, found = decode(data, CONFIG_FILE)
    problems.extend(found)
    if text is None:
        return None
    doc, found = load_yaml(text, CONFIG_FILE)
    problems.extend(found)
    if doc is None:
        return None
    reader = f.Reader(doc, CONFIG_FILE, problems)
    schema = SCHEMA if base_url is None else {**SCHEMA, "base_url": replace(SCHEMA["base_url"], required=False)}
    values = reader.mapping((), doc.value, schema, CONFIG_FILE)
    if values is None:
        return None
    levels = _threat_levels(reader, values.get("threat_levels"))
    translations = _translated(reader, values.get("translations", {}), values.get("language", "en"), levels)
    if reader.failures or any(p.severity is Severity.ERROR for p in found):
        return None
    organisation = values["organisation"]
    return SiteConfig(
        title=values["title"],
        base_url=_with_slash(base_url or values["base_url"]),
        organisation=Organisation(**organisation),
        threat_levels=levels,
        description=values.get("description", ""),
        language=values.get("language", "en"),
        timezone=values.get("timezone", "UTC"),
        output_dir=values.get("output_dir", "public"),
        per_page=values.get("per_page", 10),
        feed_size=values.get("feed_size", 20),
        alert_hours=values.get("alert_hours", 48),
        alert_by_default=values.get("alert_by_default", False),
        allow_raw_html=values.get("allow_raw_html", False),
        menu=tuple(MenuItem(**item) for item in values.get("menu", ())),
        translations=translations,
        limits=Limits(**values.get("limits", {})),
        extra=values.get("extra", {}),
        key_lines={str(path[0]): line for path, line in doc.key_lines.items() if len(path) == 1},
    )


def _threat_levels(reader: f.Reader, given: tuple[dict[str, Any], ...] | None) -> tuple[ThreatLevel, ...]:
    if given is None:
        if "threat_levels" in (reader.doc.value or {}):
            return ()  # present but invalid: already reported
        given = UK_SCALE
    elif not given:
        reader.error(("threat_levels",), "threat_levels: give at least one level")
    seen: set[str] = set()
    levels = []
    for rank, level in enumerate(given):
        if level["id"] in seen:
            reader.error(("threat_levels", rank, "id"), f"threat level id '{level['id']}' is used twice")
        seen.add(level["id"])
        levels.append(ThreatLevel(**{**level, "cap": CapMap(**level["cap"])}, rank=rank))
    return tuple(levels)


def _translated(
    reader: f.Reader, given: dict[str, dict[str, Any]], language: str, levels: tuple[ThreatLevel, ...]
) -> dict[str, Translation]:
    """site.yaml ``translations``: each a language other than the main one, naming only real levels."""
    result: dict[str, Translation] = {}
    ids = [level.id for level in levels]
    for tag, texts in given.items():
        at: KeyPath = ("translations", tag)
        if tag.casefold() == language.casefold():
            reader.error(at, f"translations: '{tag}' is the site's own language (language: {language})", key=True)
            continue
        if tag.casefold() in (other.casefold() for other in result):
            reader.error(at, f"translations: '{tag}' is given twice", key=True)
            continue
        seen: set[str] = set()
        for index, level in enumerate(texts.get("threat_levels", ())):
            if levels and level["id"] not in ids:
                hint = did_you_mean(level["id"], ids)
                reader.error((*at, "threat_levels", index, "id"), f"unknown threat level '{level['id']}'{hint}")
            elif level["id"] in seen:
                reader.error((*at, "threat_levels", index, "id"), f"threat level '{level['id']}' is given twice")
            seen.add(level["id"])
        organisation = texts.get("organisation", {})
        menu = texts.get("menu")
        result[tag] = Translation(
            title=texts.get("title"),
            description=texts.get("description"),
            organisation_name=organisation.get("name"),
            contact=organisation.get("contact"),
            menu=None if menu is None else tuple(MenuItem(**item) for item in menu),
            levels=tuple(
                (level["id"], LevelText(level.get("label"), level.get("meaning")))
                for level in texts.get("threat_levels", ())
            ),
        )
    return result


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
