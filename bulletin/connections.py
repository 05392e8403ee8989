"""The preview server's connections: requests read under limits and deadlines, responses sent under one.

Hostile or broken clients, including pages in the same browser, must not be able to stall the
server. Request line and headers have a total deadline and size caps; a worker thread is given a
connection only once its request is complete; idle keep-alive connections time out and are
dropped first when connections run short; connections per client address and in all are capped.
A response has one deadline, however many writes it takes, so a client that reads slowly cannot
keep a worker either. What to answer, and which request bodies to refuse, is the handler's
business (``serve.PreviewHandler``).
"""

from __future__ import annotations

import collections
import contextlib
import http.server
import selectors
import socket
import threading
import time
from typing import Any

# Limits, read when used (tests lower them). Connections without a complete request wait in the
# lobby and cost no worker; see _Lobby.
MAX_WORKERS = 96  # requests answered at once, event streams included
MAX_CONNECTIONS = 256  # open sockets of every kind, well under the usual limit of 1024 open files
MAX_PER_ADDRESS = 64  # one client; above serve.MAX_STREAMS, so its open pages leave room for its page loads
CROWDED = 0.75  # above this share of either limit, responses carry Connection: close
HEADER_SECONDS = 5.0  # request line and headers, counted from the accept (or first byte on a kept connection)
IDLE_SECONDS = 5.0  # a kept-alive connection with no new request
QUEUE_SECONDS = 5.0  # a complete request waiting for a worker, before a 503
WRITE_SECONDS = 10.0  # one response, to a client that does not read it, plus its size at MIN_SEND_RATE
MIN_SEND_RATE = 256 * 1024  # bytes a second: a client reading a response more slowly is dropped
LINGER_SECONDS = 2.0  # after a last response, input is read and dropped so the close sends no reset
LINGER_BYTES = 256 * 1024
MAX_LINE = 8192  # request line (else 414) or one header line (else 431)
MAX_HEADERS = 64
MAX_HEADER_BYTES = 32768
MAX_BODY = 65536  # a GET or HEAD body is read and dropped up to this; a larger one gets 413


class Connection:
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

    def __init__(self, server: LobbyServer) -> None:
        self.server = server
        self.selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, selectors.EVENT_READ, None)
        self.lock = threading.Lock()
        self.inbox: list[tuple[str, Connection]] = []
        self.stopping = False
        self.conns: set[Connection] = set()
        self.per_address: collections.Counter[str] = collections.Counter()
        self.ready: collections.deque[Connection] = collections.deque()
        self.thread = threading.Thread(target=self._run, name="bulletin-lobby", daemon=True)
        self.thread.start()

    # Called from other threads: each hands a connection over and wakes the lobby.

    def arrive(self, sock: socket.socket, address: tuple[Any, ...]) -> None:
        self._post("arrive", Connection(sock, address, time.monotonic()))

    def hand_back(self, conn: Connection, how: str) -> None:
        self._post(how, conn)

    def _post(self, how: str, conn: Connection) -> None:
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

    def _receive(self, how: str, conn: Connection) -> None:
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

    def _admit(self, conn: Connection) -> None:
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

    def _watch(self, conn: Connection) -> None:
        with contextlib.suppress(KeyError):
            self.selector.unregister(conn.sock)
        try:
            self.selector.register(conn.sock, selectors.EVENT_READ, conn)
        except (OSError, ValueError):
            self._close(conn)

    def _unwatch(self, conn: Connection) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.selector.unregister(conn.sock)

    def _close(self, conn: Connection) -> None:
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

    def _read(self, conn: Connection) -> None:
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

    def _examine(self, conn: Connection) -> None:
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

    def _body_size(self, conn: Connection, head: bytes) -> int:
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

    def _enqueue(self, conn: Connection) -> None:
        conn.state, conn.since = "ready", time.monotonic()
        conn.deadline = conn.since + QUEUE_SECONDS
        self._unwatch(conn)
        self.ready.append(conn)

    def _refuse(self, conn: Connection, status: int) -> None:
        if conn.state == "ready":
            with contextlib.suppress(ValueError):
                self.ready.remove(conn)
        # Small enough for the socket buffer of any connection: a send that would block is not
        # waited for, the client is not reading anyway.
        with contextlib.suppress(OSError):
            conn.sock.send(_error_bytes(status))
        self._linger(conn)

    def _linger(self, conn: Connection) -> None:
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


class LobbyServer(http.server.ThreadingHTTPServer):
    """Accepts connections; a lobby thread reads requests, worker threads answer them.

    The handler class answers exactly one request whose line and headers the lobby has read: its
    ``request`` is a Connection, and it reads and writes through a RequestReader and a
    ResponseWriter; ``close_connection`` says whether the connection may be kept for another.
    """

    daemon_threads = True
    allow_reuse_address = True
    # Deep enough for a burst of connections (a flood, or many tabs at once): past the backlog the
    # kernel drops a connection attempt, and the client, whoever it is, waits a second to retry.
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.handler = handler
        self.workers = threading.BoundedSemaphore(MAX_WORKERS)
        super().__init__(address, handler)
        self.lobby = _Lobby(self)

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        # Never blocks the accept loop: the lobby decides whether the connection stays.
        self.lobby.arrive(request, client_address)

    def work(self, conn: Connection) -> None:
        """Answers the one complete request of conn, on a worker thread, then gives conn back."""
        how = "drop"
        try:
            handler = self.handler(conn, conn.address, self)
            how = "close" if handler.close_connection else "keep"
        except OSError:
            pass  # the client went away, stopped reading, or read too slowly: nothing more to send
        except Exception:
            self.handle_error(conn.sock, conn.address)
        finally:
            self.workers.release()
            self.lobby.hand_back(conn, how)

    def shutdown(self) -> None:
        super().shutdown()
        self.lobby.stop()

    def server_close(self) -> None:
        # Also called by TCPServer.__init__ when the address cannot be bound, before there is a lobby.
        if hasattr(self, "lobby"):
            self.lobby.stop()
        super().server_close()


class RequestReader:
    """The request as read by the lobby; a body beyond it is read from the socket, with a deadline."""

    def __init__(self, conn: Connection) -> None:
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


class ResponseWriter:
    """Collects what the handler writes and sends it at each flush; a response has one deadline.

    The deadline is WRITE_SECONDS plus the response's size at MIN_SEND_RATE, and it holds for the
    whole response, however many writes it takes: a client that reads a large file at a trickle,
    each write finishing in time, still cannot keep its worker longer. When it passes, the flush
    raises TimeoutError and the connection is dropped.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pending: list[bytes] = []
        self.closed = False
        self.deadline: float | None = None

    def begin(self, size: int) -> None:
        """Starts a response of size bytes sent in several flushes (a streamed file): one deadline for all."""
        self.deadline = time.monotonic() + WRITE_SECONDS + size / MIN_SEND_RATE

    def write(self, data: bytes) -> int:
        self.pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        if not self.pending:
            return
        data, self.pending = b"".join(self.pending), []
        now = time.monotonic()
        # Without begin(), what is sent at once is a whole response (or one event of a stream).
        deadline = self.deadline if self.deadline is not None else now + WRITE_SECONDS + len(data) / MIN_SEND_RATE
        if deadline <= now:
            raise TimeoutError("response deadline passed")
        # sendall's timeout bounds the whole call (not each send within it), so it ends by the deadline.
        self.sock.settimeout(deadline - now)
        self.sock.sendall(data)

    def close(self) -> None:
        self.closed = True
