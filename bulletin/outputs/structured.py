"""schema.org JSON-LD for briefing pages (rendered into the page with ``|tojson``)."""

from __future__ import annotations

from typing import Any

from ..config import SiteConfig
from ..views import BriefingView


def news_article(config: SiteConfig, b: BriefingView) -> dict[str, Any]:
    """The article as the page in ``config``'s language shows it; a briefing not translated into that
    language is the main language's article (its canonical page)."""
    prefix = config.prefix if b.lang == config.language else ""
    url = config.base_url + (prefix + b.url).lstrip("/")
    publisher: dict[str, Any] = {"@type": "Organization", "name": config.organisation.name}
    if config.organisation.url:
        publisher["url"] = config.organisation.url
    people = [
        {
            "@type": "Person",
            "name": p.name,
            **({"jobTitle": p.role} if p.role else {}),
            **({"affiliation": {"@type": "Organization", "name": p.organisation}} if p.organisation else {}),
            "url": config.base_url + (config.prefix + p.url).lstrip("/"),
        }
        for p in b.spokespeople
    ]
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": b.title,
        "description": b.summary,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": b.date.at.isoformat(),
        "dateModified": b.modified.at.isoformat(),
        "inLanguage": b.lang,
        "author": people or [publisher],
        "publisher": publisher,
        "keywords": [t.name for t in b.tags],
    }
    if people:
        article["mentions"] = people
    if b.area:
        article["contentLocation"] = {"@type": "Place", "name": b.area}
    if b.expires:
        article["expires"] = b.expires.at.isoformat()
    return article
