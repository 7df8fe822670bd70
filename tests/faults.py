"""Faults on cue: a function that fails on its n-th call, and a database that freezes."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable
from typing import Any


class CrashOnCall:
    """Calls `real`, except that call number `n` raises `error` instead."""

    def __init__(self, real: Callable[..., Any], n: int, error: Exception) -> None:
        self.real, self.n, self.error = real, n, error
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.n:
            raise self.error
        return self.real(*args, **kwargs)


class FreezableProxy:
    """A TCP relay to `target` that can freeze: connections stay open and the kernel still
    accepts bytes, but nothing is passed on either way, as with a stopped server process or a
    suspended host. Use as a context manager; `port` is where to connect."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]

    def __enter__(self) -> FreezableProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for sock in [self._listener, *self._sockets]:
            sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        while not self._stop.is_set():
            if self.frozen.is_set():
                self._stop.wait(0.05)
                continue
            try:
                readable, _, _ = select.select([a, b], [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
            except (OSError, ValueError):
                return
