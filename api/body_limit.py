"""Refuse a request body over the limit with a JSON 413, like every other error: at once when
its Content-Length says so, else as soon as the bytes read pass the limit. Nothing is written:
the body is refused before a route handler runs."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(send, length.decode(errors="replace"))
            return
        seen = 0
        too_large = False

        async def counted() -> Message:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                # The app gets an unparsable end instead of the rest, so no handler acts on a
                # cut body, and its answer is replaced by the 413 below.
                too_large = True
                return {"type": "http.request", "body": b"\x00", "more_body": False}
            return message

        async def answer(message: Message) -> None:
            if not too_large:
                await send(message)
            elif message["type"] == "http.response.start":
                await self._refuse(send, f"more than {self.max_bytes:,}")

        await self.app(scope, counted, answer)

    async def _refuse(self, send: Send, size: str) -> None:
        body = json.dumps({"message": f"the request body is {size} bytes; at most "
                           f"{self.max_bytes:,} are taken (bulk loads go through `yizhan "
                           "import`)"}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
