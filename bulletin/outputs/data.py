"""Files for machines rather than readers: each a site path and its bytes."""

from __future__ import annotations

from pathlib import PurePosixPath

from ..site import Site
from ..views import ViewBuilder
from .search import search_index


def data_files(site: Site, views: ViewBuilder) -> dict[PurePosixPath, bytes]:
    return {
        PurePosixPath("search.json"): search_index(views.listed(), [views.page(p) for p in site.pages]),
    }
