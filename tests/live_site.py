"""Run ``build.py serve`` or ``watch`` on a temporary site in a subprocess, for the live tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO

NOW = "2026-11-25T12:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(
    command: str, site: Path, *extra: str, port: int | None = None, wait: bool = True
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = port or free_port()
    args = [sys.executable, str(REPO / "build.py"), command, "--site", str(site), "--now", NOW, "--jobs", "1", *extra]
    if command == "serve":
        args += ["--port", str(port)]
    log = open(site.parent / f"{command}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ})
    try:
        if command == "serve" and wait:
            wait_for_port(port, proc)
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for_port(port: int, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError("server did not start")


def atomic_write(path: Path, text: str) -> None:
    """Save the way VS Code and JetBrains do: write a temporary file, rename it over the original."""
    tmp = path.parent / f".{path.name}.tmp-save"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def wait_until(condition, timeout: float = 15.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
