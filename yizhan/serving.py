"""How `yizhan serve` runs uvicorn: a deadline for each request head, and a shutdown that ends.

uvicorn closes a connection idle between requests after `timeout_keep_alive`, but waits for ever
for a client that opens a connection and sends nothing, or a request head a byte at a time: a few
hundred such sockets hold their memory and file descriptors for as long as the client likes.
Here a connection must send a whole request head (request line and headers) within
`header_timeout_s` of opening, or of the first byte of its next request, or it is closed. The
deadline is not moved by bytes that trickle in.

On SIGTERM uvicorn waits for running requests, by default for as long as they take (an area
upload once took half an hour): here for `shutdown_grace_s`, after which they are cancelled and
the server exits."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from yizhan.settings import Settings


@cache
def _settings() -> Settings:
    return Settings()


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = _settings().header_timeout_s
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._head_deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first byte of a next request on a kept-alive connection
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for the app as `yizhan serve` runs it."""
    return {"http": HeadTimeoutProtocol, "timeout_keep_alive": 5,
            "timeout_graceful_shutdown": max(1, round(settings.shutdown_grace_s)),
            "proxy_headers": bool(settings.forwarded_allow_ips),
            "forwarded_allow_ips": settings.forwarded_allow_ips}
