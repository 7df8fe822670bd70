"""What the outermost middleware (trusted hosts and nosniff, api.hardening) costs a request:
one small answer served through ASGI directly, without it and with it, in one run.

    .venv/bin/python -m bench.hardening [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from api.hardening import Hardening
from yizhan.settings import LOCAL_HOSTS


async def _ok(_: object) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _scope(host: bytes) -> dict[str, object]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": "/health", "raw_path": b"/health", "root_path": "",
            "query_string": b"", "headers": [(b"host", host), (b"user-agent", b"bench")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def _run(app: ASGIApp, requests: int, host: bytes) -> float:
    """Seconds per request."""
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_: Message) -> None:
        return None

    scope = _scope(host)
    start = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - start) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    plain = Starlette(routes=[Route("/health", _ok)])
    hardened = Hardening(plain, allowed=[*LOCAL_HOSTS, "*.example.org"])
    rounds: dict[str, list[float]] = {"without": [], "with": [], "refused host": []}
    for _ in range(5):  # interleaved, so that both see the same machine
        rounds["without"].append(asyncio.run(_run(plain, args.requests, b"localhost:8000")))
        rounds["with"].append(asyncio.run(_run(hardened, args.requests, b"a.example.org")))
        rounds["refused host"].append(asyncio.run(_run(hardened, args.requests,
                                                       b"evil.example")))
    base = statistics.median(rounds["without"])
    print(f"{'middleware':<14} {'µs/request':>11} {'ratio':>7}")
    for label, seconds in rounds.items():
        median = statistics.median(seconds)
        print(f"{label:<14} {median * 1e6:>11.1f} {median / base:>7.2f}")


if __name__ == "__main__":
    main()
