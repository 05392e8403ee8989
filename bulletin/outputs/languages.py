"""The site in each of its languages: the main one at the root, each translation under ``/<lang>/``.

Every page exists in every language: the interface is always translated, and a briefing or page
without a translation is shown in the main language, marked with its ``lang``. Only versions
whose content is really in the page's language are announced to search engines as
``hreflang`` alternates; the others point their canonical link at the main-language page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ..i18n import language_name
from ..site import Site


@dataclass(frozen=True)
class Edition:
    """One language's pages: the site as they show it, and the path they live under."""

    language: str
    prefix: str  # "" for the main language, "/cy" for a translation
    site: Site

    @property
    def main(self) -> bool:
        return not self.prefix

    def path(self, url: str) -> str:
        """The site path in this edition of a page at ``url`` in the main one."""
        return self.prefix + url

    def file(self, path: PurePosixPath) -> PurePosixPath:
        """The output file in this edition of a machine file of the main one (a feed, the search index)."""
        return PurePosixPath(self.prefix.lstrip("/")) / path if self.prefix else path


@dataclass(frozen=True)
class Alternate:
    """The same page in one language, for the language switch and ``hreflang``."""

    lang: str
    name: str  # the language's own name: Cymraeg, Français
    url: str  # its site path; a link to it from the page being rendered, in a page's context
    absolute: str
    translated: bool  # its content is in that language: announce it with hreflang
    current: bool


def editions(site: Site) -> list[Edition]:
    """The main language's edition first, then one per language of site.yaml ``translations``."""
    main = Edition(site.config.language, "", site)
    translated = (site.localised(lang) for lang in site.config.translations)
    return [main, *(Edition(local.config.language, local.config.prefix, local) for local in translated)]


def available(site: Site, content: str | None, language: str) -> bool:
    """Whether the page made from ``content`` (a source path; None: made by Bulletin) is written in ``language``."""
    if content is None or language == site.config.languages[0]:
        return True
    return content in site.translations.get(language, {}) or content in site.page_translations.get(language, {})


def alternates(site: Site, url: str, content: str | None, language: str) -> tuple[Alternate, ...]:
    """Every language's version of the page at ``url`` (a main-language path), for a page in ``language``."""
    config = site.config
    if not config.translations:
        return ()
    own = available(site, content, language)
    result = []
    for lang in config.languages:
        path = url if lang == config.languages[0] else f"/{lang}{url}"
        result.append(
            Alternate(
                lang=lang,
                name=language_name(lang),
                url=path,
                absolute=config.base_url + path.lstrip("/"),
                translated=own and available(site, content, lang),
                current=lang == language,
            )
        )
    return tuple(result)
