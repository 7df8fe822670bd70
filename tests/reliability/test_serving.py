"""`yizhan serve` as deployed, over real sockets: connections that never finish a request head
are closed at the header deadline, whatever they trickle in, while others are served; and
SIGTERM ends the server even while a request is stuck in a worker thread."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.conftest import SECRET_KEY
from tests.live import free_port

YIZHAN = Path(sys.executable).parent / "yizhan"


@contextmanager
def yizhan_serve(database_url: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [str(YIZHAN), "serve", "--port", str(port)],
        env={**os.environ, "YIZHAN_DATABASE_URL": database_url, "YIZHAN_SECRET_KEY": SECRET_KEY,
             **{f"YIZHAN_{k.upper()}": v for k, v in env.items()}},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, "no server"
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closes the socket within 20 s (it sends nothing first)."""
    sock.settimeout(20)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_connections_that_never_finish_a_request_head_are_closed(database_url: str,
                                                                 empty_db: Engine) -> None:
    with yizhan_serve(database_url, header_timeout_s="1") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        silent, partial = [], []
        for k in range(200):
            sock = socket.create_connection(("127.0.0.1", port))
            if k % 2:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                partial.append(sock)
            else:
                silent.append(sock)
        trickler = socket.create_connection(("127.0.0.1", port))
        stop = threading.Event()

        def trickle() -> None:  # a byte every 0.2 s: the deadline does not move
            for byte in b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" * 10:
                if stop.is_set():
                    return
                try:
                    trickler.send(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

        thread = threading.Thread(target=trickle)
        thread.start()
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200  # others are served
        try:
            assert all(closed_by_server(sock) for sock in silent), "a silent connection stayed open"
            assert all(closed_by_server(sock) for sock in partial), "a half-sent head stayed open"
            assert closed_by_server(trickler), "a trickling head stayed open"
        finally:
            stop.set()
            thread.join()
            for sock in [*silent, *partial, trickler]:
                sock.close()
        with httpx.Client(base_url=base) as kept:  # a kept-alive client is served as before
            assert [kept.get("/health").status_code for _ in range(3)] == [200] * 3


def test_sigterm_ends_the_server_while_a_request_is_stuck(database_url: str,
                                                          empty_db: Engine) -> None:
    with (yizhan_serve(database_url, shutdown_grace_s="1", statement_timeout_ms="0")
          as (base, process), empty_db.connect() as locker):
        locker.execute(text("LOCK TABLE stations IN ACCESS EXCLUSIVE MODE"))
        stuck: list[object] = []

        def ask() -> None:
            try:
                stuck.append(httpx.get(f"{base}/stations/nearest?lat=31.2&lon=121.4",
                                       timeout=60).status_code)
            except httpx.HTTPError as exc:
                stuck.append(exc)

        thread = threading.Thread(target=ask)
        thread.start()
        time.sleep(1.0)  # the request waits for the lock in a worker thread
        assert not stuck
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail("the server was still running 30 s after SIGTERM")
        finally:
            locker.rollback()
            thread.join(60)
