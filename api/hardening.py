"""What every answer carries, whatever route or error made it: only the hosts the service is
configured for are answered (so no link, QR code or status URL is ever built from a forged Host
header), and no browser guesses a content type other than the one sent."""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _host_name(host: str) -> str:
    """The name in a Host header, without its port: 'a.example:80' → 'a.example', '[::1]:80' →
    '::1'."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host: str, allowed: list[str]) -> bool:
    name = _host_name(host).lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == "*" or name == pattern or (
                pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class Hardening:
    """A Host outside `allowed` is answered 400 before any route runs; every answer gets
    `X-Content-Type-Options: nosniff`."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        host = Headers(scope=scope).get("host", "")
        if not host_allowed(host, self.allowed):
            body = json.dumps({"message": (
                f"the Host header {host!r} is not a name this service answers to; use "
                f"{', '.join(self.allowed)}, or ask the operator to add the name to "
                "YIZHAN_TRUSTED_HOSTS (or set YIZHAN_PUBLIC_URL)")}).encode()
            await send_hardened({"type": "http.response.start", "status": 400, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_hardened)
