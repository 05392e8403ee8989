"""Parsed sources kept on disk between runs (``--cache-dir``, default ``.bulletin-cache/``).

Parsing (decode, front matter, YAML, Markdown, sanitising) is most of a build and depends only
on a source's bytes and a few settings, so its result is stored under a hash of exactly those,
plus a fingerprint of Bulletin's own code and the versions of the libraries that shape the
output. The store is one SQLite file. It is never trusted blindly: every entry carries an HMAC
made with a key kept outside the site (a cache committed to a repository, or planted by a pull
request, cannot make the build unpickle its data), and a corrupt, truncated, foreign or locked
file is set aside and rebuilt, never a traceback and never a wrong page.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import sqlite3
from pathlib import Path

from .content.parse import Kind, ParsedSource
from .signing import fingerprint, not_ours, signing_key

_FILE = "parsed.sqlite"
_KEEP_RUNS = 5  # entries unused for this many writing runs are dropped (a branch switched back still hits)
_TAG = 32


class DiskCache:
    """One run's view of the store; :meth:`close` writes what the run parsed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.problem = ""  # why the store could not be used, for --verbose
        self._secret = signing_key()
        self._db: sqlite3.Connection | None = None
        self._run = 0
        self._used: list[bytes] = []
        self._new: list[tuple[bytes, bytes]] = []
        if self._secret is None:
            self.problem = "no key to sign the cache with (the user's cache folder cannot be written)"
            return
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection | None:
        path = self.folder / _FILE
        reason = not_ours(self.folder) or not_ours(path)
        if reason:  # a planted link must not make the build write into some other database
            self.problem = f"cache not used: {reason}"
            return None
        for attempt in range(2):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=2, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)")
                db.execute("CREATE TABLE IF NOT EXISTS parsed (key BLOB PRIMARY KEY, value BLOB, run INTEGER)")
                row = db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
                self._run = (row[0] if row and isinstance(row[0], int) else 0) + 1
                return db
            except sqlite3.DatabaseError as exc:  # not a database, truncated, or another schema
                with contextlib.suppress(NameError, sqlite3.Error):
                    db.close()
                if attempt == 0 and "locked" not in str(exc):
                    with contextlib.suppress(OSError):
                        os.replace(path, self.folder / f"{_FILE}.broken")  # kept for a bug report, then replaced
                    continue
                self.problem = f"cache unusable ({exc}); parsing everything"
            except OSError as exc:
                self.problem = f"cannot use {self.folder} ({exc.strerror}); parsing everything"
                return None
        return None

    @staticmethod
    def key(kind: Kind, path: str, data: bytes, settings: tuple[object, ...]) -> bytes:
        digest = hashlib.blake2b(fingerprint(), digest_size=32)
        digest.update(repr((kind.value, path, settings)).encode() + b"\0")
        digest.update(data)
        return digest.digest()

    def get(self, key: bytes) -> ParsedSource | None:
        if self._db is None or self._secret is None:
            return None
        try:
            row = self._db.execute("SELECT value FROM parsed WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._damaged(exc)
            return None
        if row is None or not isinstance(row[0], bytes) or len(row[0]) <= _TAG:
            return None
        tag, payload = row[0][:_TAG], row[0][_TAG:]
        if not hmac.compare_digest(tag, hmac.new(self._secret, key + payload, "sha256").digest()):
            return None  # written with another key, or tampered with
        try:
            value = pickle.loads(payload)
        except Exception:  # a signed entry that does not load: a bug, but never a failed build
            return None
        if not isinstance(value, ParsedSource):
            return None
        self.hits += 1
        self._used.append(key)
        return value

    def put(self, key: bytes, parsed: ParsedSource) -> None:
        if self._db is None or self._secret is None:
            return
        payload = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        self._new.append((key, hmac.new(self._secret, key + payload, "sha256").digest() + payload))

    def close(self) -> None:
        """Write this run's entries and forget those unused for a while; a locked store is left as it is."""
        if self._db is None:
            return
        if not self._new:  # nothing new: the store is not touched (a run "counts" when it adds entries)
            self._db.close()
            self._db = None
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO parsed (key, value, run) VALUES (?, ?, ?)",
                [(key, value, self._run) for key, value in self._new],
            )
            self._db.executemany("UPDATE parsed SET run = ? WHERE key = ?", [(self._run, k) for k in self._used])
            self._db.execute("DELETE FROM parsed WHERE run < ?", (self._run - _KEEP_RUNS,))
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('run', ?)", (self._run,))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.problem = f"cache not updated ({exc})"
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            self._damaged(exc)
        finally:
            if self._db is not None:
                self._db.close()
                self._db = None

    def mark(self, key: bytes) -> None:
        """An entry this run used without reading it (a live session's memory had it): keep it."""
        self._used.append(key)

    def _damaged(self, exc: sqlite3.Error) -> None:
        """Set a store that fails past its header aside, so the next run starts a new one."""
        if isinstance(exc, sqlite3.DatabaseError) and not any(w in str(exc) for w in ("locked", "busy")):
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None
            with contextlib.suppress(OSError):
                os.replace(self.folder / _FILE, self.folder / f"{_FILE}.broken")
            self.problem = f"cache damaged ({exc}); set aside, parsing everything"
