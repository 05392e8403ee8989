"""External test tools (Java's Nu Html Checker, Debian's chromium): find them, or fail in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require(found: object, what: str) -> None:
    """Skip on a developer machine without the tool; in CI (.ci/run installs them) a missing tool fails."""
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run should have installed it")
    pytest.skip(f"{what} is not installed (python3 scripts/bootstrap.py --test, then see .ci/run)")


def vnu_command() -> list[str]:
    java = shutil.which("java")
    require(java and VNU_JAR.is_file(), "Java and the vnu-jar npm package")
    return [str(java), "-jar", str(VNU_JAR)]


def chromium_path() -> str:
    path = shutil.which("chromium")
    require(path, "Debian's chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        require(False, "Python playwright")
    return str(path)


def served(folder: Path):  # type: ignore[no-untyped-def]
    """A static HTTP server for ``folder`` on a free loopback port, as a context manager yielding its URL."""
    import contextlib
    import functools
    import http.server
    import threading

    @contextlib.contextmanager
    def run():  # type: ignore[no-untyped-def]
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()

    return run()


class _QuietHandler(__import__("http.server").server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
