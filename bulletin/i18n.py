"""The site's language: dates and numbers the way its readers write them, and the interface in it.

Dates, months and numbers come from CLDR through Babel, so every language Babel knows is formatted
correctly without a table here. The words of the default theme come from the gettext catalogues
shipped in ``bulletin/locale/`` (scripts/catalogues.py keeps them); a language without one keeps
the English interface. Neither problem stops a build: the caller reports the warning text at
site.yaml's ``language``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format, parse_pattern
from babel.numbers import format_decimal

from .fields import Moment

LOCALE_ROOT = Path(__file__).resolve().parent / "locale"
DOMAIN = "bulletin"

# A bare "en" is written as British English ("3 August 2016", day first, as most English-speaking
# countries outside the US write it); en-US asks for the US forms.
_BARE = {"en": Locale("en", "GB")}

# CLDR's minimumGroupingDigits = 2: a four-digit number is written without a separator ("2800",
# but "12.800"). Babel does not read this setting, so these locales (CLDR 47-48) are listed here.
_MIN_GROUPING_TWO_LANGUAGES = frozenset({"be", "bg", "et", "hu", "hy", "ia", "ie", "it", "ka", "lv", "pl", "sl", "sq"})
_MIN_GROUPING_TWO_LOCALES = frozenset(
    {"es", "es_EA", "es_ES", "es_GQ", "es_IC", "es_PH", "ru_UA"}
    | {f"pt_{region}" for region in ("PT", "CH", "CV", "GQ", "GW", "LU", "MO", "MZ", "ST", "TL")}
)

# The fields of a long date a script can write as the pages do (see Localiser.date_parts).
_SCRIPT_FIELDS = {"d": "{d}", "dd": "{dd}", "M": "{m}", "MM": "{mm}", "MMMM": "{month}", "y": "{y}", "yyyy": "{y}"}
_FIELD_NAMES = re.compile(r"%\((\w+)\)s")

# Numbers that show each CLDR plural category (one, few, many...) in some language: 1000000 is
# French and Spanish "many" ("1 million de ...").
_PLURAL_CANDIDATES = (*range(0, 201), 1000, 1000000)


@functools.cache  # a pure function of the tag, asked for on every page of a multilingual site
def resolve_locale(tag: str) -> Locale | None:
    """Babel's locale for a BCP 47 tag: the tag itself, else its language alone (``cy-XX`` -> cy);
    None when Babel does not know the language."""
    language = tag.split("-")[0].lower()
    if tag.lower() in _BARE:
        return _BARE[tag.lower()]
    for candidate in (tag, language):
        try:
            locale = Locale.parse(candidate, sep="-")
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        # Babel answers "und" with en_US and knows a "root" locale: neither is a language.
        if locale.language == language:
            return locale
    return None


class Localiser:
    """Dates, months and numbers in one language; the methods are the templates' filters.

    Values are already in the site's time zone (``Moment.at``): they are formatted in their own
    zone, never converted.
    """

    def __init__(self, tag: str) -> None:
        self.tag = tag
        found = resolve_locale(tag)
        self.warning: str | None = None
        if found is None:
            self.warning = f"unknown language '{tag}': dates, numbers and the interface stay in English"
        self.locale: Locale = found or _BARE["en"]
        # Babel takes microseconds a value, and a big site shows the same dates on many pages (listings,
        # the archive, tags): each text is made once. Keys are the fields the patterns use.
        self._made: dict[tuple[object, ...], str] = {}

    @property
    def bcp47(self) -> str:
        """The locale formatting really uses, as a BCP 47 tag (for scripts formatting alike)."""
        return str(self.locale).replace("_", "-")

    def date(self, value: Moment | dt.datetime) -> str:
        """``3 August 2016``, ``August 3, 2016``, ``3 août 2016``."""
        at = value.at if isinstance(value, Moment) else value
        key = ("date", at.year, at.month, at.day)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = format_date(at.date(), "long", locale=self.locale)
        return made

    def datetime(self, value: Moment | dt.datetime) -> str:
        """``3 August 2016, 09:30``; a Moment without a time of day is just its date."""
        if isinstance(value, Moment) and value.date_only:
            return self.date(value)
        at = value.at if isinstance(value, Moment) else value
        key = ("datetime", at.year, at.month, at.day, at.hour, at.minute)
        made = self._made.get(key)
        if made is None:
            time = format_time(at, "short", tzinfo=at.tzinfo, locale=self.locale)
            # CLDR's own way of joining a long date and a time ("{1}, {0}"); quotes escape literals.
            joined = get_datetime_format("long", locale=self.locale).replace("'", "")
            made = self._made[key] = joined.replace("{0}", time).replace("{1}", self.date(at))
        return made

    def month(self, value: Moment | dt.datetime) -> str:
        """``August 2016``, ``août 2016``, ``agosto de 2016``."""
        at = value.at if isinstance(value, Moment) else value
        key = ("month", at.year, at.month)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = format_skeleton("yMMMM", at, tzinfo=at.tzinfo, locale=self.locale)
        return made

    def number(self, value: float) -> str:
        """``2,800``, ``2 800`` (narrow no-break space in French), ``2800`` and ``12.800`` in Spanish."""
        key = ("number", value)
        made = self._made.get(key)
        if made is None:
            group = abs(value) >= 10000 or not self._min_grouping_two
            made = self._made[key] = format_decimal(value, locale=self.locale, group_separator=group)
        return made

    @property
    def _min_grouping_two(self) -> bool:
        return self.locale.language in _MIN_GROUPING_TWO_LANGUAGES or str(self.locale) in _MIN_GROUPING_TWO_LOCALES

    def date_parts(self) -> tuple[str, tuple[str, ...]] | None:
        """The long date as a script can write it, ``{d} {month} {y}`` with the twelve month names,
        so search results show dates as the pages do whatever the browser knows of the language;
        None for a pattern with other fields (the script asks the browser then)."""
        pattern = parse_pattern(self.locale.date_formats["long"].pattern)
        fields = _FIELD_NAMES.findall(pattern.format)
        if not fields or any(name not in _SCRIPT_FIELDS for name in fields):
            return None
        text = pattern.format % {name: _SCRIPT_FIELDS[name] for name in fields}
        months = self.locale.months["format"]["wide"]
        return text, tuple(months[n] for n in range(1, 13))

    def plural_samples(self) -> tuple[tuple[str, int], ...]:
        """A number of each of the language's CLDR plural categories, for texts a script counts in:
        the page renders the text of each category and the script picks one with Intl.PluralRules."""
        samples: dict[str, int] = {}
        for n in _PLURAL_CANDIDATES:
            samples.setdefault(self.locale.plural_form(n), n)
        return tuple(samples.items())


@functools.cache  # a pure function of the tag, asked for on every page of a multilingual site
def language_name(tag: str) -> str:
    """The language's name in itself, as a language switch labels it: English, Cymraeg, Français."""
    locale = resolve_locale(tag)
    name = locale.get_language_name(locale) if locale is not None else None
    if not name:
        return tag
    return name[:1].upper() + name[1:]


@functools.cache  # a pure function of the tag, asked for on every page of a multilingual site
def og_locale(tag: str) -> str:
    """Open Graph's form of a language, language_TERRITORY: fr-CA is fr_CA, and a bare language takes
    CLDR's likely territory (cy is cy_GB, fr is fr_FR; en is en_GB, as Bulletin reads a bare en)."""
    locale = resolve_locale(tag)
    if locale is None:
        return tag.replace("-", "_")
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    likely = str(get_global("likely_subtags").get(locale.language, "")).split("_")
    territory = likely[-1] if len(likely) > 1 and len(likely[-1]) == 2 and likely[-1].isupper() else ""
    return f"{locale.language}_{territory}" if territory else locale.language


@dataclass(frozen=True)
class Interface:
    """The interface translations of one language, and what they were read from."""

    translations: gettext.NullTranslations
    warning: str | None  # set when the interface stays in English
    digest: str  # of the catalogues read: pages made with other catalogues are out of date


def catalogue_names(tag: str) -> list[str]:
    """The catalogue folders that could serve a tag, most specific first: fr-CA -> fr_CA, fr."""
    locale = resolve_locale(tag)
    full = str(locale) if locale is not None and tag.lower() not in _BARE else tag.replace("-", "_")
    parts = full.split("_")
    names = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return [n for i, n in enumerate(names) if n not in names[:i]]


def load_interface(tag: str, root: Path | None = None) -> Interface:
    """The compiled catalogues for ``tag`` (``<root>/<name>/LC_MESSAGES/bulletin.mo``, the shipped
    ones by default), the most specific first with the others behind it for what it lacks; English
    needs none."""
    root = LOCALE_ROOT if root is None else root
    digest = hashlib.sha256()
    found: list[gettext.GNUTranslations] = []
    for name in catalogue_names(tag):
        path = root / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        found.append(gettext.GNUTranslations(io.BytesIO(data)))
    if not found:
        english = tag.split("-")[0].lower() == "en"
        warning = None if english else f"no interface translation for '{tag}'; the interface stays in English"
        return Interface(gettext.NullTranslations(), warning, digest.hexdigest())
    for more_specific, fallback in zip(found, found[1:], strict=False):
        more_specific.add_fallback(fallback)
    return Interface(found[0], None, digest.hexdigest())


def interface_translations(tag: str) -> tuple[gettext.NullTranslations, str | None]:
    """The interface's translations for a site language, and the warning to give when there are none."""
    interface = load_interface(tag)
    return interface.translations, interface.warning


def language_warning(tag: str) -> str | None:
    """The one warning a site in ``tag`` deserves: its language is unknown, or has no interface
    translation. None when both its formats and its interface are in that language."""
    return Localiser(tag).warning or load_interface(tag).warning
