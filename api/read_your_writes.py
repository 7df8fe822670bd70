"""Read your own writes with a replica: a response to a request that wrote tells the client the
primary's WAL position after the write, as a cookie and a header; the client's next requests
send it back, and their reads go to the replica only once it has replayed that far
(`geo.replica.Replica.engine_for`).

The position travels with the client, not in this process, so it holds across API processes
and machines behind a load balancer. It names no one and expires in `REMEMBER_S`: by then a
replica that has still not replayed it lags more than any sensible `YIZHAN_REPLICA_MAX_LAG_S`
and is not read from anyway.
"""

from __future__ import annotations

import anyio
from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.replica import format_lsn, parse_lsn, write_position

COOKIE = "yizhan_written"
HEADER = "Yizhan-Written"
REMEMBER_S = 600
_WROTE = "yizhan_wrote"


def note_write(request: Request) -> None:
    """This request may write (it asked for the primary's write engine)."""
    request.scope.setdefault("state", {})[_WROTE] = True


def seen(request: Request) -> int | None:
    """The WAL position this client last wrote at, from its header or its cookie."""
    return parse_lsn(request.headers.get(HEADER) or request.cookies.get(COOKIE))


class ReadYourWrites:
    """ASGI middleware adding the write position to the answers of requests that wrote."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_position(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get(_WROTE):
                try:
                    lsn = format_lsn(await anyio.to_thread.run_sync(
                        write_position, self.api.state.read_engine))
                except Exception:  # the primary is gone: the answer says so itself
                    lsn = None
                if lsn:
                    cookie = f"{COOKIE}={lsn}; Max-Age={REMEMBER_S}; Path=/; HttpOnly; SameSite=Lax"
                    message["headers"] = [*message.get("headers", []),
                                          (b"set-cookie", cookie.encode()),
                                          (HEADER.lower().encode(), lsn.encode())]
            await send(message)

        await self.app(scope, receive, send_position)
