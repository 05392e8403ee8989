"""``serve``: the live preview. Builds in memory, serves the last good build, reloads open pages.

This is a local preview server, for one author and their browsers, bound to loopback unless
``--host`` says otherwise. It is not a production web server (no TLS, compression, ranges,
conditional requests or access log) and is not meant to face a network.

The server answers only GET and HEAD, only for files of the current build (held in memory, so no
request can reach the disk), only to requests whose Host is the bound address or ``localhost``
(DNS rebinding), with ``Cache-Control: no-store``. HTML responses get a small script that follows
builds over Server-Sent Events; the published output never contains it.

Hostile or broken clients, including pages in the same browser, must not be able to stall it:
connections are read, limited and timed by ``connections`` (a request is handed to a worker only
once complete, and a response has one deadline). The handler here refuses any request body other
than a small one on GET or HEAD, and ambiguous framings (Transfer-Encoding, several
Content-Lengths); every error response ends its connection, so a body is never read as a further
request.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import mimetypes
import os
import posixpath
import re
import secrets
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from . import connections
from .connections import LobbyServer, RequestReader, ResponseWriter
from .sitefiles import SiteFile, UnreadableFile

PREFIX = "/__bulletin/"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Limits, read when used (tests lower them); those of connections and requests are in connections.
MAX_STREAMS = 32  # open pages following builds; page loads keep the other workers
KEEPALIVE_SECONDS = 15.0  # comment sent on a quiet event stream
POLL_SECONDS = 1.0  # how soon a closed page's stream is noticed and its thread freed


class HeldFile:
    """A large static file, held open rather than read, and served from that descriptor.

    PreviewState._static opens it through SiteFile.open(), which checks the opened descriptor (a
    regular file, inside the site): a request never opens a path, so a file swapped for a symlink
    after that is not served. A later publish reuses the held file, without opening it again, while
    the path's stat identity (device, inode, size, mtime, ctime) is unchanged, so a rebuild after a
    Markdown edit does not read gigabytes again; otherwise the file is opened and checked anew.
    """

    def __init__(self, fd: int, identity: tuple[int, ...]) -> None:
        self.fd = fd
        self.identity = identity
        self.size = identity[2]

    def __del__(self) -> None:
        # Closed once no snapshot (and no response being sent) refers to it any more.
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def chunks(self, size: int = 1024 * 1024) -> Iterator[bytes]:
        offset = 0
        while offset < self.size:
            chunk = os.pread(self.fd, min(size, self.size - offset), offset)
            if not chunk:
                return  # truncated since: the caller closes the connection
            offset += len(chunk)
            yield chunk

    def read(self) -> bytes:
        return b"".join(self.chunks())


HOLD_OPEN_BYTES = 256 * 1024  # static files from this size are held open, smaller ones in memory


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


@dataclass
class Snapshot:
    """One complete build: every response comes from one snapshot, never from two."""

    build: str
    files: dict[str, bytes | HeldFile]
    errors: list[str] = field(default_factory=list)
    css: str = ""  # version of the stylesheets, so a CSS-only change can swap them without a reload
    html: str = ""  # version of everything else


class PreviewState:
    """The snapshot being served, and a condition the event streams wait on."""

    def __init__(self) -> None:
        self.session = secrets.token_hex(3)
        self.count = 0
        self.snapshot = Snapshot(f"{self.session}-0", {})
        self.changed = threading.Condition()
        self.closed = False
        self.static: dict[str, tuple[Path, tuple[int, ...], bytes | HeldFile]] = {}

    def publish(self, rendered: dict[PurePosixPath, bytes], static: dict[PurePosixPath, SiteFile]) -> None:
        files: dict[str, bytes | HeldFile] = {str(p): data for p, data in rendered.items()}
        # Static files are taken now, into the snapshot, from descriptors the build's checks apply
        # to: a request never opens a path, so a file replaced by a symlink later cannot be served.
        for path, source in static.items():
            held = self._static(str(path), source)
            if held is not None:
                files[str(path)] = held
        self.static = {key: kept for key, kept in self.static.items() if key in files}
        with self.changed:
            old = self.snapshot
            # Unchanged pages come back from the render cache as the same objects: cheap to compare.
            changed = {k for k, v in files.items() if old.files.get(k) is not v and old.files.get(k) != v}
            changed |= old.files.keys() - files.keys()
            if old.files and not changed:
                if old.errors:  # fixed back to what is served: just clear the overlay
                    self.snapshot = Snapshot(old.build, old.files, [], old.css, old.html)
                    self.changed.notify_all()
                return
            self.count += 1
            css = f"{self.count}" if any(k.endswith(".css") for k in changed) or not old.files else old.css
            html = f"{self.count}" if any(not k.endswith(".css") for k in changed) or not old.files else old.html
            self.snapshot = Snapshot(f"{self.session}-{self.count}", files, [], css, html)
            self.changed.notify_all()

    def _static(self, key: str, source: SiteFile) -> bytes | HeldFile | None:
        """The file's bytes (small) or a held descriptor (large); unchanged files are reused."""
        kept = self.static.get(key)
        if kept is not None:
            try:
                if kept[0] == source.path and kept[1] == _identity(os.stat(source.path)):
                    return kept[2]
            except OSError:
                pass
        try:
            fd, status = source.open()
        except UnreadableFile:
            return None  # changed since the build checked it; the next build reports it
        held: bytes | HeldFile = HeldFile(fd, _identity(status))
        if status.st_size < HOLD_OPEN_BYTES:
            held = held.read()  # and the descriptor is closed with the HeldFile, now
        self.static[key] = (source.path, _identity(status), held)
        return held

    def fail(self, errors: list[str]) -> None:
        with self.changed:
            old = self.snapshot
            self.snapshot = Snapshot(old.build, old.files, errors, old.css, old.html)
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()


_HOST = re.compile(r"(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::[0-9]{1,5})?")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class RequestRejected(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def resolve_request(target: str) -> tuple[str, bool]:
    """The file key a request path names, and whether it named a folder; raises RequestRejected.

    Decodes once, then normalises; anything that would climb out, hide a NUL or use backslashes
    is refused. The result is only ever looked up in the snapshot, never joined to a disk path.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]  # not urlsplit: "//x/y" is a path here, not a host
    if not path.startswith("/") or any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise RequestRejected(400)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise RequestRejected(400) from None
    if "\x00" in decoded or any(ord(c) < 32 for c in decoded):
        raise RequestRejected(400)
    if "\\" in decoded or "//" in decoded:
        raise RequestRejected(404)
    parts = decoded.split("/")
    if any(part in ("..", ".") for part in parts):
        raise RequestRejected(404)
    normal = posixpath.normpath(decoded)
    is_folder = decoded.endswith("/")
    key = normal.lstrip("/")
    if is_folder or not key:
        key = (key + "/index.html").lstrip("/")
    return key, is_folder


def _live_script() -> bytes:
    return resources.files("bulletin").joinpath("assets/live.js").read_bytes()


def inject(html: bytes, snapshot: Snapshot) -> bytes:
    tag = (
        f'<script src="{PREFIX}live.js" data-build="{snapshot.build}" data-css="{snapshot.css}" '
        f'data-html="{snapshot.html}"></script>'
    ).encode()
    index = html.rfind(b"</body>")
    return html + tag if index < 0 else html[:index] + tag + html[index:]


_DIGITS = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """Answers exactly one request whose line and headers the lobby has read (``request`` is a Connection)."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    # Not HTTP/0.9, whose responses have no status line: a refused request line (a bad version, say)
    # would get its error page without one, read as a page.
    default_request_version = "HTTP/1.1"

    def setup(self) -> None:
        self.connection = self.request.sock
        self.connection.settimeout(connections.WRITE_SECONDS)  # the lobby left it non-blocking
        self.rfile = RequestReader(self.request)
        self.wfile = ResponseWriter(self.request.sock)

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(connections.MAX_LINE + 3)
        # parse_request answers what it refuses itself, with Connection: close.
        if self.raw_requestline and self.parse_request():
            if not self._framing_ok():
                self._send(400, b"Bad request: message framing\n", "text/plain; charset=utf-8", True)
            elif self.command not in ("GET", "HEAD"):
                # Answered before any body is read, and the connection ends: a body is never taken
                # for the next request.
                extra = {"Allow": "GET, HEAD"}
                self._send(405, b"Method not allowed\n", "text/plain; charset=utf-8", True, extra=extra)
            elif self._body_read():
                getattr(self, "do_" + self.command)()
        # Not left to finish(), which would hide a failed write and keep the connection.
        self.wfile.flush()

    def handle_expect_100(self) -> bool:
        return True  # decided by the lobby or in _body_read, once the request is known to be answered

    def _framing_ok(self) -> bool:
        """One way only to know where the request ends, so no byte of it can be read as another."""
        headers = self.headers
        if headers.defects or headers.get_payload():  # e.g. a space before a colon hid the rest
            return False
        if any(not _TOKEN.fullmatch(name) or "\n" in value or "\r" in value for name, value in headers.items()):
            return False  # obsolete line folding, or a name that is not a token
        if "Transfer-Encoding" in headers:
            return False
        lengths = headers.get_all("Content-Length") or []
        return len(lengths) <= 1 and all(_DIGITS.fullmatch(value.strip(" \t")) for value in lengths)

    def _body_read(self) -> bool:
        lengths = self.headers.get_all("Content-Length") or ["0"]
        size = int(lengths[0].strip(" \t"))
        if size == 0:
            return True
        if size > connections.MAX_BODY:
            self._send(413, b"Request body too large\n", "text/plain; charset=utf-8", True)
            return False
        buffered = len(self.rfile.conn.buffer) >= size  # the lobby waited for it (and sent 100 if asked)
        if (
            not buffered
            and self.headers.get("Expect", "").lower() == "100-continue"
            and self.request_version >= "HTTP/1.1"
        ):
            self.send_response_only(100)
            self.end_headers()
            self.wfile.flush()
        if not self.rfile.discard(size, time.monotonic() + connections.HEADER_SECONDS):
            self._send(408, b"Request body incomplete\n", "text/plain; charset=utf-8", True)
            return False
        return True

    def version_string(self) -> str:
        return "Bulletin"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        hosts = self.headers.get_all("Host") or []
        match = _HOST.fullmatch(hosts[0].strip()) if len(hosts) == 1 else None
        if match is None:
            self._send(400, b"Bad request: one Host header, name[:port]\n", "text/plain; charset=utf-8", body)
            return
        name = (match.group(1) or match.group(2)).lower()
        if name not in self.server.host_names and not (self.server.any_ip and _is_ip(name)):
            self._send(403, b"Forbidden: unexpected Host header\n", "text/plain; charset=utf-8", body)
            return
        if self.path.startswith(PREFIX):
            self._internal(body)
            return
        try:
            key, is_folder = resolve_request(self.path)
        except RequestRejected as exc:
            self._send(exc.status, b"Bad request\n" if exc.status == 400 else b"Not found\n", "text/plain", body)
            return
        snapshot = self.server.state.snapshot
        if key not in snapshot.files and not is_folder and f"{key}/index.html" in snapshot.files:
            parts = urlsplit(self.path)
            location = parts.path + "/" + (f"?{parts.query}" if parts.query else "")
            self._send(301, b"", "text/plain", body, extra={"Location": location})
            return
        if key not in snapshot.files:
            # A missing page of a translation (/cy/...) gets that language's 404 page when there is one.
            edition = key.split("/", 1)[0] if "/" in key else ""
            page = snapshot.files.get(f"{edition}/404.html") or snapshot.files.get("404.html", b"Not found\n")
            self._send(404, self._read(page, snapshot, html=True), "text/html; charset=utf-8", body)
            return
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/json", "application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        found = snapshot.files[key]
        if isinstance(found, HeldFile) and not key.endswith(".html"):
            self._send_held(found, kind, body)
            return
        self._send(200, self._read(found, snapshot, html=key.endswith(".html")), kind, body)

    def _read(self, data: bytes | HeldFile, snapshot: Snapshot, html: bool) -> bytes:
        data = data.read() if isinstance(data, HeldFile) else data
        return inject(data, snapshot) if html else data

    def _send_held(self, held: HeldFile, kind: str, body: bool) -> None:
        """A large static file, streamed from its held descriptor a chunk at a time, under one deadline."""
        if body:
            self.wfile.begin(held.size)
        self._send(200, b"", kind, body=False, length=held.size)
        if not body:
            return
        sent = 0
        for chunk in held.chunks():
            self.wfile.write(chunk)
            self.wfile.flush()
            sent += len(chunk)
        if sent != held.size:  # cut short since it was held: the client must not wait for the rest
            self.close_connection = True

    def _internal(self, body: bool) -> None:
        path = urlsplit(self.path).path
        if path == PREFIX + "live.js":
            self._send(200, _live_script(), "text/javascript; charset=utf-8", body)
        elif path == PREFIX + "events" and body:
            self._events()
        else:
            self._send(404, b"Not found\n", "text/plain", body)

    def _events(self) -> None:
        if not self.server.streams.acquire(blocking=False):
            self._send(503, b"Too many open pages\n", "text/plain", True, extra={"Retry-After": "5"})
            return
        try:
            self._stream()
        finally:
            self.server.streams.release()

    def _stream(self) -> None:
        state = self.server.state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        sent = None
        quiet_since = time.monotonic()
        try:
            while True:
                with state.changed:
                    current = state.snapshot
                    if (current.build, tuple(current.errors)) == sent:
                        state.changed.wait(POLL_SECONDS)
                        current = state.snapshot
                    closed = state.closed
                if closed or _peer_closed(self.connection):
                    return
                if (current.build, tuple(current.errors)) == sent:
                    if time.monotonic() - quiet_since < KEEPALIVE_SECONDS:
                        continue
                    self.wfile.write(b": keep-alive\n\n")
                    quiet_since = time.monotonic()
                else:
                    payload = {
                        "build": current.build,
                        "errors": current.errors,
                        "css": current.css,
                        "html": current.html,
                    }
                    self.wfile.write(f"event: build\ndata: {json.dumps(payload)}\n\n".encode())
                    sent = (current.build, tuple(current.errors))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            return

    def _send(
        self,
        status: int,
        data: bytes,
        kind: str,
        body: bool,
        extra: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        # An error ends the connection, whatever the client asked: what it sends next is not trusted
        # to be a request. When connections are scarce, a finished one makes room.
        if status >= 400 or self.close_connection or self.server.lobby.crowded(self.client_address[0]):
            self.send_header("Connection", "close")  # also sets close_connection
        self.end_headers()
        if body:
            self.wfile.write(data)


class PreviewServer(LobbyServer):
    """The server of one preview: the state it serves, the Host names it answers to, its event streams."""

    def __init__(self, address: tuple[str, int], state: PreviewState, host_names: set[str]) -> None:
        self.state = state
        self.host_names = host_names
        # Bound to all interfaces on purpose: allow addresses typed as IP literals (other devices on
        # the network); names still must match, which is what stops DNS rebinding.
        self.any_ip = address[0] in ("0.0.0.0", "::")
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)  # event streams hold a worker each
        super().__init__(address, PreviewHandler)


def _peer_closed(connection: socket.socket) -> bool:
    """True when the browser closed the page (the socket reads as end of file)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _raise_open_file_limit() -> None:
    """Large static files are held open, one descriptor each: allow as many as the system lets us."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def start_server(state: PreviewState, host: str, port: int) -> PreviewServer:
    _raise_open_file_limit()
    names = set(LOOPBACK) | {host.lower().strip("[]")}
    server = PreviewServer((host, port), state, names)
    # A short poll: shutdown() waits for the accept loop to notice it.
    threading.Thread(target=server.serve_forever, args=(0.1,), name="bulletin-serve", daemon=True).start()
    if host not in LOOPBACK:
        print(
            f"warning: serving on {host}, visible to other machines on your network; "
            "the preview server is not for production",
            file=sys.stderr,
        )
    return server
