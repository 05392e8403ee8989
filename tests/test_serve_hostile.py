"""The preview server under hostile or broken clients: it cannot be starved, and never reads a body as a request.

Every client here is a raw socket on loopback with a timeout, so a server that hangs fails the test
instead of hanging it.
"""

from __future__ import annotations

import contextlib
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from conftest import NOW, REPO, SITES

from bulletin import connections, serve
from bulletin.serve import HeldFile, PreviewState, start_server
from bulletin.sitefiles import SiteFile

PAGE = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
ROBOTS = b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
PROMPT = 2.0  # seconds a page load may take while the server is under attack


@pytest.fixture
def server() -> Iterator[int]:
    state = PreviewState()
    state.publish(
        {PurePosixPath("index.html"): b"<html><body>hi</body></html>", PurePosixPath("robots.txt"): b"User-agent: *\n"},
        {},
    )
    running = start_server(state, "127.0.0.1", 0)
    try:
        yield running.server_address[1]
    finally:
        state.close()
        running.shutdown()
        running.server_close()


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Sockets a test opens and leaves open on purpose; all closed at the end."""
    opened: list[socket.socket] = []
    try:
        yield opened
    finally:
        for s in opened:
            s.close()


@pytest.fixture
def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """No connection limits: what keeps pages loading must then be that waiting clients hold no worker."""
    monkeypatch.setattr(connections, "MAX_CONNECTIONS", 10_000)
    monkeypatch.setattr(connections, "MAX_PER_ADDRESS", 10_000)


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_to_eof(s: socket.socket) -> bytes:
    """Everything until the server closes; a reset or the socket's timeout fails the test."""
    chunks = []
    while chunk := s.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(s: socket.socket) -> bytes:
    """One response of a kept-alive connection (head and Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        chunk = s.recv(65536)
        assert chunk
        body += chunk
    assert len(body) == length, "more than one response"
    return head + b"\r\n\r\n" + body


def head_of(response: bytes) -> list[bytes]:
    return response.partition(b"\r\n\r\n")[0].split(b"\r\n")


def statuses(stream: bytes) -> list[bytes]:
    # Not per line: a response follows the previous body with no line break between them.
    return re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", stream)


def timed_page_load(port: int) -> float:
    start = time.monotonic()
    with connect(port) as s:
        s.sendall(PAGE)
        answer = read_to_eof(s)
    elapsed = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"</body></html>"), answer[:200]
    return elapsed


def quietly_send(s: socket.socket, data: bytes) -> None:
    # A flooding client may have been dropped to make room; that is the server doing its job.
    with contextlib.suppress(OSError):
        s.sendall(data)


@pytest.mark.parametrize("limits", ["default", "unlimited"])
def test_a_slowloris_flood_does_not_delay_page_loads(
    server: int, sockets: list[socket.socket], request: pytest.FixtureRequest, limits: str
) -> None:
    if limits == "unlimited":
        request.getfixturevalue("unlimited")
    for _ in range(connections.MAX_WORKERS):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    for line in range(3):
        time.sleep(0.2)
        for s in sockets:
            quietly_send(s, b"X-Trickle-%d: 1\r\n" % line)
        assert timed_page_load(server) < PROMPT


def test_a_flood_of_slow_bodies_does_not_delay_page_loads(
    server: int, sockets: list[socket.socket], unlimited: None
) -> None:
    # A small GET body is waited for like the headers, so its sender holds no worker either.
    for _ in range(connections.MAX_WORKERS):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(3):
        time.sleep(0.2)
        for s in sockets:
            quietly_send(s, b"x")
        assert timed_page_load(server) < PROMPT


def test_a_slowloris_connection_is_dropped_at_the_header_deadline(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "HEADER_SECONDS", 1.0)
    received = b""
    with connect(server) as s:
        start = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while time.monotonic() - start < 5:
            try:
                s.sendall(b"X-Trickle: 1\r\n")  # a line every 0.1 s: each read succeeds, the request never ends
            except OSError:
                break
            if select.select([s], [], [], 0.1)[0]:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 2.0, elapsed
    assert received.startswith(b"HTTP/1.1 408") and b"Connection: close" in head_of(received)


@pytest.mark.parametrize("limits", ["default", "unlimited"])
def test_idle_keep_alive_clients_do_not_delay_page_loads(
    server: int, sockets: list[socket.socket], request: pytest.FixtureRequest, limits: str
) -> None:
    if limits == "unlimited":
        request.getfixturevalue("unlimited")
    closing = 0
    for _ in range(200):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        closing += b"Connection: close" in head_of(read_response(s))
    assert timed_page_load(server) < PROMPT
    if limits == "default":
        # Past three quarters of the per-client limit, responses stop offering keep-alive.
        assert 0 < closing < 200
    else:
        assert closing == 0


def test_a_kept_connection_that_stays_idle_is_closed(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "IDLE_SECONDS", 0.5)
    with connect(server) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = read_response(s)
        assert first.startswith(b"HTTP/1.1 200") and b"Connection: close" not in head_of(first)
        s.sendall(ROBOTS.replace(b"Connection: close", b"Connection: keep-alive"))  # keep-alive still works
        assert read_response(s).endswith(b"User-agent: *\n")
        start = time.monotonic()
        assert read_to_eof(s) == b""
        assert 0.4 <= time.monotonic() - start < 1.5


def test_excess_event_streams_get_503_and_are_closed_at_once(server: int, sockets: list[socket.socket]) -> None:
    for _ in range(serve.MAX_STREAMS):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET /__bulletin/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
    start = time.monotonic()
    for _ in range(68):
        s = connect(server, timeout=2.0)
        sockets.append(s)  # the client keeps its end open: the server must close it
        s.sendall(b"GET /__bulletin/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        refused = read_to_eof(s)
        assert refused.startswith(b"HTTP/1.1 503") and b"Connection: close" in head_of(refused)
    assert time.monotonic() - start < 5
    assert timed_page_load(server) < PROMPT


def test_connections_beyond_the_per_client_limit_drop_the_oldest_waiting_one(
    server: int, sockets: list[socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections, "MAX_PER_ADDRESS", 4)
    for _ in range(4):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET / HTTP/1.1\r\n")
    time.sleep(0.2)
    assert timed_page_load(server) < PROMPT
    assert read_to_eof(sockets[0]) == b""  # made room
    sockets[1].sendall(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert read_to_eof(sockets[1]).startswith(b"HTTP/1.1 200")  # the others were kept


def test_a_client_whose_connections_are_all_open_pages_gets_503_and_others_are_served(
    server: int, sockets: list[socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections, "MAX_PER_ADDRESS", 3)
    for _ in range(3):
        s = connect(server)
        sockets.append(s)
        s.sendall(b"GET /__bulletin/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
    with connect(server) as s:
        refused = read_to_eof(s)
    assert refused.startswith(b"HTTP/1.1 503") and b"Connection: close" in head_of(refused)
    try:
        other = socket.create_connection(("127.0.0.1", server), timeout=5, source_address=("127.0.0.2", 0))
    except OSError:
        pytest.skip("only 127.0.0.1 is a loopback address here")
    with other:
        other.sendall(PAGE)
        assert read_to_eof(other).startswith(b"HTTP/1.1 200")


SMUGGLED = b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.mark.parametrize(
    "request_head",
    [
        b"POST / HTTP/1.1\r\nHost: evil.example\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED),
        b"POST / HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        b"PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED),
        b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED),
        b"BREW / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(SMUGGLED),
    ],
)
def test_a_body_is_never_read_as_a_request(server: int, request_head: bytes) -> None:
    with connect(server) as s:
        s.sendall(request_head + SMUGGLED)
        answer = read_to_eof(s)
    assert statuses(answer) == [b"405"], answer
    assert b"Connection: close" in head_of(answer) and answer.endswith(b"\r\n\r\nMethod not allowed\n")


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nContent-Length: 5\r\n",
        b"Content-Length: 5\r\nContent-Length: 50\r\n",
        b"Content-Length: 5, 5\r\n",
        b"Content-Length: +5\r\n",
        b"Content-Length: 0x5\r\n",
        b"Content-Length: \r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"Transfer-Encoding: identity\r\n",
        b"Content-Length : 5\r\n",  # hides the headers after it from the parser
        b"X-Folded: a\r\n Content-Length: 5\r\n",
    ],
)
@pytest.mark.parametrize("method", [b"GET", b"POST"])
def test_ambiguous_framing_gets_400_and_the_connection_ends(server: int, framing: bytes, method: bytes) -> None:
    with connect(server) as s:
        s.sendall(method + b" / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing + b"\r\n5\r\nhello\r\n0\r\n\r\n" + ROBOTS)
        answer = read_to_eof(s)
    assert statuses(answer) == [b"400"], answer
    assert b"Connection: close" in head_of(answer) and b"User-agent" not in answer


@pytest.mark.parametrize("pause", [0.0, 0.2])
def test_a_small_body_on_get_is_read_and_dropped(server: int, pause: float) -> None:
    with connect(server) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n")
        time.sleep(pause)  # the body then arrives after the worker started reading it
        s.sendall(b"hello" + ROBOTS)
        answer = read_to_eof(s)
    assert statuses(answer) == [b"200", b"200"], answer
    assert b"</body></html>HTTP/1.1 200" in answer and answer.endswith(b"\r\n\r\nUser-agent: *\n")


def test_a_get_body_waits_for_100_continue(server: int) -> None:
    with connect(server) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert s.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"hello")
        assert read_response(s).startswith(b"HTTP/1.1 200")


def test_a_large_body_on_get_is_refused(server: int) -> None:
    with connect(server) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % (connections.MAX_BODY + 1))
        answer = read_to_eof(s)
    assert statuses(answer) == [b"413"] and b"Connection: close" in head_of(answer)


def test_a_body_that_never_arrives_is_not_waited_for(server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "HEADER_SECONDS", 0.5)
    with connect(server) as s:
        start = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc")
        answer = read_to_eof(s)
        assert time.monotonic() - start < 1.5
    assert statuses(answer) == [b"408"] and b"Connection: close" in head_of(answer)


@pytest.mark.parametrize(
    "request_head, status",
    [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"414"),
        (b"GET /" + b"a" * 9000, b"414"),  # refused before the line even ends
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"a" * 9000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Many: 1\r\n" * 64 + b"\r\n", b"431"),
        (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-%d: %s\r\n" % (n, b"b" * 1000) for n in range(40)),
            b"431",
        ),
    ],
)
def test_oversized_request_heads_are_refused(server: int, request_head: bytes, status: bytes) -> None:
    with connect(server) as s:
        s.sendall(request_head)
        answer = read_to_eof(s)
    assert statuses(answer) == [status], answer[:200]
    assert b"Connection: close" in head_of(answer)


def test_request_heads_just_under_the_limits_are_answered(server: int) -> None:
    headers = b"".join(b"X-%d: %s\r\n" % (n, b"b" * 300) for n in range(connections.MAX_HEADERS - 2))
    with connect(server) as s:
        s.sendall(
            b"GET /?" + b"q" * 8000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"Connection: close\r\n\r\n"
        )
        assert read_to_eof(s).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    "request_head, status",
    [
        (b"GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"404"),
        (b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", b"403"),
        (b"GET /%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"400"),
        (b"GET / HTTP/7.1\r\nHost: 127.0.0.1\r\n\r\n", b"505"),
    ],
)
def test_error_responses_end_the_connection(server: int, request_head: bytes, status: bytes) -> None:
    with connect(server) as s:
        s.sendall(request_head + ROBOTS)  # asked for keep-alive, and another request is waiting
        answer = read_to_eof(s)
    assert statuses(answer) == [status], answer[:200]
    assert b"Connection: close" in head_of(answer)


def test_pipelined_requests_are_answered_in_order(server: int) -> None:
    with connect(server) as s:
        s.sendall(
            b"\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nHEAD /robots.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
            + ROBOTS
        )
        answer = read_to_eof(s)
    assert statuses(answer) == [b"200", b"200", b"200"]
    assert answer.count(b"User-agent") == 1 and answer.endswith(b"User-agent: *\n")


BIG = 32 * 1024 * 1024
BIG_FILE = b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.fixture(params=["held", "in memory"])
def one_worker_and_a_big_file(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, bytes]]:
    """One worker, and a 32 MiB file that may take 2 s to send: 1 s, plus 1 s for its size."""
    monkeypatch.setattr(connections, "MAX_WORKERS", 1)  # read when the server starts
    monkeypatch.setattr(connections, "WRITE_SECONDS", 1.0)
    monkeypatch.setattr(connections, "MIN_SEND_RATE", BIG)
    payload = bytes(range(256)) * (BIG // 256)
    state = PreviewState()
    page = {PurePosixPath("index.html"): b"<html><body>hi</body></html>"}
    if request.param == "held":  # streamed a chunk at a time
        (tmp_path / "big.bin").write_bytes(payload)
        static = {PurePosixPath("big.bin"): SiteFile(tmp_path / "big.bin", tmp_path.resolve(), "static/big.bin")}
        state.publish(page, static)
        assert isinstance(state.snapshot.files["big.bin"], HeldFile)
    else:  # sent in one write
        state.publish({**page, PurePosixPath("big.bin"): payload}, {})
    running = start_server(state, "127.0.0.1", 0)
    try:
        yield running.server_address[1], payload
    finally:
        state.close()
        running.shutdown()
        running.server_close()


def test_a_slow_reader_is_dropped_at_the_response_deadline(one_worker_and_a_big_file: tuple[int, bytes]) -> None:
    port, payload = one_worker_and_a_big_file
    received: list[int] = []
    ended: list[float] = []
    hurry = threading.Event()

    def trickle(s: socket.socket) -> None:
        # About 3 MiB/s: each 1 MiB chunk is taken well within WRITE_SECONDS, the whole file takes 10 s.
        with contextlib.suppress(OSError):
            while data := s.recv(32768):
                received.append(len(data))
                if not hurry.is_set():
                    time.sleep(0.01)
        ended.append(time.monotonic())

    with socket.socket() as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        slow.settimeout(10)
        slow.connect(("127.0.0.1", port))
        start = time.monotonic()
        slow.sendall(BIG_FILE)
        reader = threading.Thread(target=trickle, args=(slow,), daemon=True)
        reader.start()
        time.sleep(0.3)  # the only worker is sending the file
        with connect(port) as s:
            s.sendall(PAGE)  # waits for the worker (QUEUE_SECONDS is 5 s)
            answer = read_to_eof(s)
        freed = time.monotonic() - start
        hurry.set()  # read what the kernel still holds, to the end
        reader.join(10)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert 1.5 <= freed < 4.0, freed
    assert ended and ended[0] - start < 6.0
    assert sum(received) < len(payload)  # cut short, not sent whole
    with connect(port) as s:  # a client that reads is not cut short
        s.sendall(BIG_FILE)
        answer = read_to_eof(s)
    assert answer.partition(b"\r\n\r\n")[2] == payload
    assert b"Content-Length: %d" % len(payload) in head_of(answer)


def test_a_port_in_use_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = [sys.executable, str(REPO / "build.py"), "serve", "--site", str(site), "--now", NOW, "--port", str(port)]
        result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"cannot listen on 127.0.0.1:{port}: Address already in use; another program uses it: try --port {port + 1}"
        in result.stderr
    )
