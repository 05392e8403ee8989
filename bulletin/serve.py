"""``serve``: the live preview. Builds in memory, serves the last good build, reloads open pages.

The server answers only GET and HEAD, only for files of the current build (held in memory, so no
request can reach the disk), only to requests whose Host is the bound address or ``localhost``
(DNS rebinding), with ``Cache-Control: no-store``. HTML responses get a small script that follows
builds over Server-Sent Events; the published output never contains it.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import mimetypes
import posixpath
import re
import secrets
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

PREFIX = "/__bulletin/"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS = 96
MAX_STREAMS = 32  # open pages following builds; page loads keep the other slots
KEEPALIVE_SECONDS = 15.0
POLL_SECONDS = 1.0  # how soon a closed page's stream is noticed and its thread freed


@dataclass
class Snapshot:
    """One complete build: every response comes from one snapshot, never from two."""

    build: str
    files: dict[str, bytes]
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

    def publish(self, rendered: dict[PurePosixPath, bytes], static: dict[PurePosixPath, Path]) -> None:
        files: dict[str, bytes] = {str(p): data for p, data in rendered.items()}
        # Static files are read now, into the snapshot: a request never touches the disk, so a file
        # replaced by a symlink, deleted or half-rewritten later cannot be served.
        for path, source in static.items():
            try:
                files[str(path)] = source.read_bytes()
            except OSError:
                continue
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


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], state: PreviewState, host_names: set[str]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        self.host_names = host_names
        # Bound to all interfaces on purpose: allow addresses typed as IP literals (other devices on
        # the network); names still must match, which is what stops DNS rebinding.
        self.any_ip = address[0] in ("0.0.0.0", "::")
        self.slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)  # event streams hold a thread each
        super().__init__(address, PreviewHandler)

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        # Bounded, and never blocking the accept loop: a connection beyond the limit gets a 503.
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle or slow client is dropped, not kept forever

    def version_string(self) -> str:
        return "Bulletin"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse_method(self) -> None:
        self._send(405, b"Method not allowed\n", "text/plain; charset=utf-8", body=True, extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = _refuse_method

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
            page = snapshot.files.get("404.html", b"Not found\n")
            self._send(404, self._read(page, snapshot, html=True), "text/html; charset=utf-8", body)
            return
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/json", "application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self._send(200, self._read(snapshot.files[key], snapshot, html=key.endswith(".html")), kind, body)

    def _read(self, data: bytes, snapshot: Snapshot, html: bool) -> bytes:
        return inject(data, snapshot) if html else data

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

    def _send(self, status: int, data: bytes, kind: str, body: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(data)


def _peer_closed(connection: socket.socket) -> bool:
    """True when the browser closed the page (the socket reads as end of file)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def start_server(state: PreviewState, host: str, port: int) -> PreviewServer:
    names = set(LOOPBACK) | {host.lower().strip("[]")}
    server = PreviewServer((host, port), state, names)
    threading.Thread(target=server.serve_forever, name="bulletin-serve", daemon=True).start()
    if host not in LOOPBACK:
        print(
            f"warning: serving on {host}, visible to other machines on your network; "
            "the preview server is not for production",
            file=sys.stderr,
        )
    return server
