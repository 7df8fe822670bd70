"""Public work bounded by what it costs, not only by its size.

Points sent to be matched are counted against the client's address (a budget a minute, counted
in PostgreSQL so that every worker and replica shares it), and costly requests take a place in a
small lane of this worker: a few at once, the others waiting in the event loop, which holds no
thread and no connection, and answered 503 when no place comes free in time. Single look-ups
never wait for the lane, so they always find a thread and a database connection."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from api.client_limits import client_address
from api.errors import ApiError
from officers import ratelimit
from yizhan.settings import Settings

POINTS_WINDOW_S = 60


class Lane:
    """At most `size` costly requests at once; a request waits up to `wait_s` for a place."""

    def __init__(self, size: int, wait_s: float) -> None:
        self.size = size
        self.wait_s = wait_s
        self._places = asyncio.Semaphore(size)

    async def enter(self) -> None:
        try:
            await asyncio.wait_for(self._places.acquire(), self.wait_s)
        except TimeoutError:
            retry = max(1, math.ceil(self.wait_s))
            raise ApiError(503, f"the server is busy with other large requests ({self.size} at "
                                f"once); try again in {retry} s", {"Retry-After": str(retry)}) from None

    def leave(self) -> None:
        self._places.release()


class CostlyRoute(APIRoute):
    """A route whose requests hold a place in their worker's lane from before the body is read
    and checked (10,000 points take tens of milliseconds of the event loop to validate) until
    the answer is made."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_lane(request: Request) -> Response:
            if (check := BEFORE_BODY.get((request.method, self.path_format))) is not None:
                await run_in_threadpool(check, request)
            lane: Lane = request.app.state.costly_lane
            await lane.enter()
            try:
                return await handler(request)
            finally:
                lane.leave()
        return in_lane


def _points_key(request: Request, settings: Settings) -> str:
    return f"match-points:{client_address(request, settings.secret_key or '')}"


def refuse_when_spent(request: Request) -> None:
    """429 before the body is read when the address has no points left this minute."""
    settings: Settings = request.app.state.settings
    budget = settings.match_points_per_minute
    with request.app.state.engine.begin() as conn:
        retry = ratelimit.room(conn, _points_key(request, settings), budget, POINTS_WINDOW_S)
    if retry is not None:
        raise _spent(budget, retry)


def _spent(budget: int, retry: int) -> ApiError:
    return ApiError(429, f"too many points to match: at most {budget} points a minute from one "
                         f"address; try again in {retry} s", {"Retry-After": str(retry)})


def spend_points(request: Request, engine: Engine, settings: Settings, points: int) -> None:
    """Count `points` against the client's per-minute budget, committed at once; 429 with
    Retry-After when the budget has no room for them."""
    budget = settings.match_points_per_minute
    if points > budget:
        raise ApiError(422, f"{points} points in one request; at most {budget} points a minute "
                            "are matched for one address: send fewer")
    with engine.begin() as conn:
        retry = ratelimit.spend(conn, _points_key(request, settings), points, budget,
                                POINTS_WINDOW_S)
    if retry is not None:
        raise _spent(budget, retry)


# What a costly route checks before its body is read, by method and path.
BEFORE_BODY: dict[tuple[str, str], Callable[[Request], None]] = {
    ("POST", "/unions/match"): refuse_when_spent}
