"""A real HTTP server on a free local port, for clients that are not Python (a browser, GDAL)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI, *, access_log: bool = False, **config: Any) -> Iterator[str]:
    """The app's base URL while it serves in a thread. With `access_log`, uvicorn logs each
    request through the standard logging tree (as a deployment's log collector would see it);
    `config` is more of uvicorn's settings."""
    port = free_port()
    server_config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info" if access_log
                                   else "warning",
                                   log_config=None if access_log else uvicorn.config.LOGGING_CONFIG,
                                   **config)
    server = uvicorn.Server(server_config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
