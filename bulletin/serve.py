"""``serve``: the live preview. Builds in memory, serves the last good build, reloads open pages.

This is a local preview server, for one author and their browsers, bound to loopback unless
``--host`` says otherwise. It is not a production web server (no TLS, compression, ranges,
conditional requests or access log) and is not meant to face a network.

The server answers only GET and HEAD, only for files of the current build (held in memory, so no
request can reach the disk), only to requests whose Host is the bound address or ``localhost``
(DNS rebinding), with ``Cache-Control: no-store``. HTML responses get a small script that follows
builds over Server-Sent Events; the published output never contains it.

Hostile or broken clients, including pages in the same browser, must not be able to stall it,
so limits are enforced: request line and headers have a total deadline and size caps; a thread
is given to a connection only once its request is complete; idle keep-alive connections time
out and are dropped first when connections run short; connections per client address and in
all are capped; any request body other than a small one on GET or HEAD is refused, as are
ambiguous framings (Transfer-Encoding, several Content-Lengths), and every error response ends
its connection, so a body is never read as a further request.
"""

from __future__ import annotations

import collections
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
import selectors
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from .sitefiles import SiteFile, UnreadableFile

PREFIX = "/__bulletin/"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Limits, read when used (tests lower them). Connections without a complete request wait in the
# lobby and cost no worker; see _Lobby.
MAX_WORKERS = 96  # requests answered at once, event streams included
MAX_STREAMS = 32  # open pages following builds; page loads keep the other workers
MAX_CONNECTIONS = 256  # open sockets of every kind, well under the usual limit of 1024 open files
MAX_PER_ADDRESS = 64  # one client; above MAX_STREAMS, so its open pages leave room for its page loads
CROWDED = 0.75  # above this share of either limit, responses carry Connection: close
HEADER_SECONDS = 5.0  # request line and headers, counted from the accept (or first byte on a kept connection)
IDLE_SECONDS = 5.0  # a kept-alive connection with no new request
QUEUE_SECONDS = 5.0  # a complete request waiting for a worker, before a 503
WRITE_SECONDS = 10.0  # one response, to a client that does not read it
LINGER_SECONDS = 2.0  # after a last response, input is read and dropped so the close sends no reset
LINGER_BYTES = 256 * 1024
MAX_LINE = 8192  # request line (else 414) or one header line (else 431)
MAX_HEADERS = 64
MAX_HEADER_BYTES = 32768
MAX_BODY = 65536  # a GET or HEAD body is read and dropped up to this; a larger one gets 413
KEEPALIVE_SECONDS = 15.0  # comment sent on a quiet event stream
POLL_SECONDS = 1.0  # how soon a closed page's stream is noticed and its thread freed


class HeldFile:
    """A large static file, held open rather than read: the descriptor checked when the build
    collected it is the one served from, so a later swap for a symlink changes nothing, and
    a rebuild after a Markdown edit does not read gigabytes again."""

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


class _Conn:
    """One client connection and what the lobby knows of it; owned by one thread at a time."""

    __slots__ = ("sock", "address", "buffer", "state", "since", "deadline", "scan", "lines", "needed", "drained")

    def __init__(self, sock: socket.socket, address: tuple[Any, ...], now: float) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.state = "new"
        self.since = now
        self.deadline = now + HEADER_SECONDS
        self.scan = 0  # where the first header line not yet checked starts
        self.lines = 0  # complete lines checked: the request line, then headers
        self.needed = 0  # once the headers are in: bytes of the request, with a small body
        self.drained = 0


# Which connections make way for a new one: an answered connection being closed, then one with no
# request in flight, then the oldest incomplete request (a slow or hostile client; a browser sends
# its headers within milliseconds). Connections with a complete request are never dropped.
_EVICTION_ORDER = {"closing": 0, "idle": 1, "new": 2, "partial": 2}

_REASONS = {
    400: "Bad Request",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def _error_bytes(status: int) -> bytes:
    reason = _REASONS[status]
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(reason) + 1}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{reason}\n"
    ).encode()


class _Lobby:
    """Holds every connection that has no complete request yet, on one thread with a selector.

    A worker thread is given a connection only once its request line and headers have arrived,
    and gives it back after one response. So a slow, silent or idle client costs a socket and a
    small buffer, never a worker: it cannot keep page loads waiting. Incomplete requests have a
    total deadline (not one per read, which a trickle of bytes would keep renewing), so do idle
    keep-alive connections; both are dropped first when the per-client or overall connection
    limits are reached.
    """

    def __init__(self, server: PreviewServer) -> None:
        self.server = server
        self.selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, selectors.EVENT_READ, None)
        self.lock = threading.Lock()
        self.inbox: list[tuple[str, _Conn]] = []
        self.stopping = False
        self.conns: set[_Conn] = set()
        self.per_address: collections.Counter[str] = collections.Counter()
        self.ready: collections.deque[_Conn] = collections.deque()
        self.thread = threading.Thread(target=self._run, name="bulletin-lobby", daemon=True)
        self.thread.start()

    # Called from other threads: each hands a connection over and wakes the lobby.

    def arrive(self, sock: socket.socket, address: tuple[Any, ...]) -> None:
        self._post("arrive", _Conn(sock, address, time.monotonic()))

    def hand_back(self, conn: _Conn, how: str) -> None:
        self._post(how, conn)

    def _post(self, how: str, conn: _Conn) -> None:
        with self.lock:
            if not self.stopping:
                self.inbox.append((how, conn))
                with contextlib.suppress(OSError):
                    self._wake_w.send(b"x")
                return
        _close_socket(conn.sock)

    def crowded(self, address: str) -> bool:
        """Whether responses should end their connection, to keep room for new clients."""
        return (
            len(self.conns) > CROWDED * MAX_CONNECTIONS or self.per_address.get(address, 0) > CROWDED * MAX_PER_ADDRESS
        )

    def stop(self) -> None:
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
        if self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    # The lobby thread.

    def _run(self) -> None:
        try:
            while True:
                now = time.monotonic()
                waits = [c.deadline for c in self.conns if c.state != "busy"]
                timeout = min(1.0, max(0.0, min(waits, default=now + 1.0) - now))
                events = self.selector.select(timeout)
                # Drained before the inbox is taken: a wake-up sent after this is for the next round.
                if any(key.data is None for key, _ in events):
                    with contextlib.suppress(OSError):
                        self._wake_r.recv(4096)
                with self.lock:
                    if self.stopping:
                        break
                    inbox, self.inbox = self.inbox, []
                for key, _ in events:
                    if key.data is not None and key.data in self.conns:  # not closed earlier this round
                        self._read(key.data)
                for how, conn in inbox:
                    self._receive(how, conn)
                self._expire(time.monotonic())
                self._dispatch()
        finally:
            self._shut()

    def _shut(self) -> None:
        with self.lock:
            self.stopping = True
            inbox, self.inbox = self.inbox, []
        for _, conn in inbox:
            _close_socket(conn.sock)
        # Connections with a worker are closed by it, through _post, when its response ends.
        for conn in [c for c in self.conns if c.state != "busy"]:
            self._close(conn)
        self.selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _receive(self, how: str, conn: _Conn) -> None:
        if how == "arrive":
            self._admit(conn)
            return
        if conn not in self.conns:
            _close_socket(conn.sock)
            return
        if how == "keep":
            try:
                conn.sock.setblocking(False)
            except OSError:
                self._close(conn)
                return
            now = time.monotonic()
            conn.scan = conn.lines = conn.needed = 0
            conn.state, conn.since = "idle", now
            conn.deadline = now + IDLE_SECONDS
            self._watch(conn)
            if conn.buffer:  # a pipelined request, already read with the last one
                conn.state, conn.deadline = "partial", now + HEADER_SECONDS
                self._examine(conn)
        elif how == "close":
            self._linger(conn)
        else:
            self._close(conn)

    def _admit(self, conn: _Conn) -> None:
        address = conn.address[0]
        while len(self.conns) >= MAX_CONNECTIONS or self.per_address[address] >= MAX_PER_ADDRESS:
            own = self.per_address[address] >= MAX_PER_ADDRESS
            victims = [c for c in self.conns if c.state in _EVICTION_ORDER and (not own or c.address[0] == address)]
            if not victims:
                with contextlib.suppress(OSError):
                    conn.sock.setblocking(False)
                    conn.sock.send(_error_bytes(503))
                _close_socket(conn.sock)
                return
            self._close(min(victims, key=lambda c: (_EVICTION_ORDER[c.state], c.since)))
        try:
            conn.sock.setblocking(False)
        except OSError:
            _close_socket(conn.sock)
            return
        self.conns.add(conn)
        self.per_address[address] += 1
        self._watch(conn)

    def _watch(self, conn: _Conn) -> None:
        with contextlib.suppress(KeyError):
            self.selector.unregister(conn.sock)
        try:
            self.selector.register(conn.sock, selectors.EVENT_READ, conn)
        except (OSError, ValueError):
            self._close(conn)

    def _unwatch(self, conn: _Conn) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.selector.unregister(conn.sock)

    def _close(self, conn: _Conn) -> None:
        self._unwatch(conn)
        if conn in self.conns:
            self.conns.discard(conn)
            address = conn.address[0]
            self.per_address[address] -= 1
            if self.per_address[address] <= 0:
                del self.per_address[address]
        if conn.state == "ready":
            with contextlib.suppress(ValueError):
                self.ready.remove(conn)
        _close_socket(conn.sock)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if conn.state == "closing":
            conn.drained += len(data)
            if not data or conn.drained > LINGER_BYTES:
                self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        if conn.state == "idle":  # the deadline for the next request starts with its first byte
            now = time.monotonic()
            conn.since, conn.deadline = now, now + HEADER_SECONDS
        conn.state = "partial"
        conn.buffer += data
        self._examine(conn)

    def _examine(self, conn: _Conn) -> None:
        """Checks the lines received since last time; hands a complete request on, or refuses it."""
        buffer = conn.buffer
        if conn.needed:
            if len(buffer) >= conn.needed:
                self._enqueue(conn)
            return
        if conn.lines == 0:
            # Blank lines before a request line are allowed (RFC 9112, 2.2).
            blank = len(buffer) - len(buffer.lstrip(b"\r\n"))
            del buffer[:blank]
        while (newline := buffer.find(b"\n", conn.scan)) >= 0:
            length = newline - conn.scan - (newline > conn.scan and buffer[newline - 1] == 13)
            if length == 0:
                if newline + 1 > MAX_HEADER_BYTES:
                    self._refuse(conn, 431)
                    return
                conn.needed = newline + 1 + self._body_size(conn, bytes(buffer[: newline + 1]))
                if len(buffer) >= conn.needed:
                    self._enqueue(conn)
                return
            if length > MAX_LINE:
                self._refuse(conn, 414 if conn.lines == 0 else 431)
                return
            conn.lines += 1
            if conn.lines > MAX_HEADERS + 1:
                self._refuse(conn, 431)
                return
            conn.scan = newline + 1
        if len(buffer) - conn.scan > MAX_LINE:
            self._refuse(conn, 414 if conn.lines == 0 else 431)
        elif len(buffer) > MAX_HEADER_BYTES:
            self._refuse(conn, 431)

    def _body_size(self, conn: _Conn, head: bytes) -> int:
        """The size of a body to wait for here, under the same deadline as the headers.

        Only a small body of a GET or HEAD with one plain Content-Length: so a slow body holds no
        worker either. Anything else is handed on as it is, and the worker refuses it without
        reading a body. The worker parses the headers again, strictly; this only decides how long
        to wait.
        """
        request_line, *fields = head.split(b"\n")
        words = request_line.split()
        if not words or words[0] not in (b"GET", b"HEAD"):
            return 0
        headers = [
            (name.lower(), value.strip(b" \t\r").lower()) for name, _, value in (f.partition(b":") for f in fields)
        ]
        lengths = [value for name, value in headers if name == b"content-length"]
        if len(lengths) != 1 or not lengths[0].isdigit() or any(name == b"transfer-encoding" for name, _ in headers):
            return 0
        size = int(lengths[0])
        if 0 < size <= MAX_BODY:
            if (b"expect", b"100-continue") in headers and words[-1] == b"HTTP/1.1":
                with contextlib.suppress(OSError):
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            return size
        return 0

    def _enqueue(self, conn: _Conn) -> None:
        conn.state, conn.since = "ready", time.monotonic()
        conn.deadline = conn.since + QUEUE_SECONDS
        self._unwatch(conn)
        self.ready.append(conn)

    def _refuse(self, conn: _Conn, status: int) -> None:
        if conn.state == "ready":
            with contextlib.suppress(ValueError):
                self.ready.remove(conn)
        # Small enough for the socket buffer of any connection: a send that would block is not
        # waited for, the client is not reading anyway.
        with contextlib.suppress(OSError):
            conn.sock.send(_error_bytes(status))
        self._linger(conn)

    def _linger(self, conn: _Conn) -> None:
        """Ends a connection after its last response without losing that response.

        Closing a socket with unread input sends a reset, and the client may then discard the
        response before reading it; so the sending side is shut, and what still arrives is read
        and thrown away for a moment before the close.
        """
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.buffer.clear()
        conn.state, conn.since = "closing", time.monotonic()
        conn.deadline = conn.since + LINGER_SECONDS
        self._watch(conn)

    def _expire(self, now: float) -> None:
        for conn in [c for c in self.conns if c.state != "busy" and c.deadline <= now]:
            if conn.state == "partial":
                self._refuse(conn, 408)
            elif conn.state == "ready":
                self._refuse(conn, 503)
            else:
                self._close(conn)

    def _dispatch(self) -> None:
        while self.ready and self.server.workers.acquire(blocking=False):
            conn = self.ready.popleft()
            conn.state = "busy"
            try:
                threading.Thread(target=self.server.work, args=(conn,), name="bulletin-request", daemon=True).start()
            except RuntimeError:
                self.server.workers.release()
                self._close(conn)


def _close_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


class PreviewServer(http.server.ThreadingHTTPServer):
    """Accepts connections; a lobby thread reads requests, worker threads answer them."""

    daemon_threads = True
    allow_reuse_address = True
    # Deep enough for a burst of connections (a flood, or many tabs at once): past the backlog the
    # kernel drops a connection attempt, and the client, whoever it is, waits a second to retry.
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], state: PreviewState, host_names: set[str]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        self.host_names = host_names
        # Bound to all interfaces on purpose: allow addresses typed as IP literals (other devices on
        # the network); names still must match, which is what stops DNS rebinding.
        self.any_ip = address[0] in ("0.0.0.0", "::")
        self.workers = threading.BoundedSemaphore(MAX_WORKERS)
        self.streams = threading.BoundedSemaphore(MAX_STREAMS)  # event streams hold a worker each
        super().__init__(address, PreviewHandler)
        self.lobby = _Lobby(self)

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        # Never blocks the accept loop: the lobby decides whether the connection stays.
        self.lobby.arrive(request, client_address)

    def work(self, conn: _Conn) -> None:
        """Answers the one complete request of conn, on a worker thread, then gives conn back."""
        how = "drop"
        try:
            handler = PreviewHandler(conn, conn.address, self)
            how = "close" if handler.close_connection else "keep"
        except OSError:
            pass  # the client went away or stopped reading: nothing to answer
        except Exception:
            self.handle_error(conn.sock, conn.address)
        finally:
            self.workers.release()
            self.lobby.hand_back(conn, how)

    def shutdown(self) -> None:
        super().shutdown()
        self.lobby.stop()

    def server_close(self) -> None:
        self.lobby.stop()
        super().server_close()


class _Input:
    """The request as read by the lobby; a body beyond it is read from the socket, with a deadline."""

    def __init__(self, conn: _Conn) -> None:
        self.conn = conn
        self.closed = False

    def readline(self, limit: int = -1) -> bytes:
        buffer = self.conn.buffer
        end = buffer.find(b"\n") + 1 or len(buffer)
        if limit >= 0:
            end = min(end, limit)
        line = bytes(buffer[:end])
        del buffer[:end]
        return line

    def discard(self, size: int, deadline: float) -> bool:
        """Reads and drops size bytes; False if they did not all arrive by the deadline."""
        buffer = self.conn.buffer
        taken = min(size, len(buffer))
        del buffer[:taken]
        size -= taken
        sock = self.conn.sock
        while size > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            sock.settimeout(left)
            try:
                # Never more than the body: what follows it is the next request, left for the lobby.
                data = sock.recv(min(size, 65536))
            except TimeoutError:
                return False
            if not data:
                return False
            size -= len(data)
        return True

    def close(self) -> None:
        self.closed = True


class _Output:
    """Collects a response and sends it in one write, bounded in time."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> int:
        self.pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        if self.pending:
            data, self.pending = b"".join(self.pending), []
            # sendall's timeout covers the whole call: a client reading a trickle is dropped too.
            self.sock.settimeout(WRITE_SECONDS)
            self.sock.sendall(data)

    def close(self) -> None:
        self.closed = True


_DIGITS = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    """Answers exactly one request whose line and headers the lobby has read (``request`` is a _Conn)."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    # Not HTTP/0.9, whose responses have no status line: a refused request line (a bad version, say)
    # would get its error page without one, read as a page.
    default_request_version = "HTTP/1.1"

    def setup(self) -> None:
        self.connection = self.request.sock
        self.connection.settimeout(WRITE_SECONDS)  # the lobby left it non-blocking
        self.rfile = _Input(self.request)
        self.wfile = _Output(self.request.sock)

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(MAX_LINE + 3)
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
        if size > MAX_BODY:
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
        if not self.rfile.discard(size, time.monotonic() + HEADER_SECONDS):
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
            page = snapshot.files.get("404.html", b"Not found\n")
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
        """A large static file, streamed from its held descriptor a chunk at a time."""
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
