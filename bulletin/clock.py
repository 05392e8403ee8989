"""The time a build is made as at: ``--now``, else ``SOURCE_DATE_EPOCH``, else the clock."""

from __future__ import annotations

import datetime as dt
import os


def resolve_now(value: str | None, environ: dict[str, str] | None = None) -> dt.datetime:
    """``--now``, else ``SOURCE_DATE_EPOCH``, else the clock. Raises ValueError for bad input."""
    environ = dict(os.environ) if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if value:
        text = value.strip()
        if "T" in text or ":" in text or " " in text:
            result = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            day = dt.date.fromisoformat(text)
            result = dt.datetime(day.year, day.month, day.day)
    elif epoch:
        try:
            result = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"{epoch} is out of range") from exc
    else:
        result = dt.datetime.now(dt.UTC)
    if not 1900 <= result.year <= 2200:
        raise ValueError(f"year {result.year} is out of range (1900-2200)")
    return result
