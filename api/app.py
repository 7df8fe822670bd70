"""The FastAPI application factory. Settings come in as an object; nothing connects at import."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from api import errors, metrics
from api.access_log import hide_query_strings
from api.body_limit import BodyLimit
from api.console.site import install as install_console
from api.control_characters import refuse_control_characters
from api.costly import Lane
from api.embedding import allow_cross_origin_reads
from api.hardening import Hardening
from api.head import HeadAsGet
from api.query_parameters import check_query_parameters
from api.read_your_writes import ReadYourWrites
from api.routers import (
    applications,
    auth,
    docs,
    health,
    join,
    maps,
    members,
    officer,
    ogc,
    reports,
    request_page,
    station_page,
    stations,
    tiles,
    unions,
    visits,
    withdrawal,
    worker_requests,
    workplaces,
)
from api.schemas import ErrorOut
from geo.db import make_engine
from geo.replica import Replica
from maps.assets import STATIC_DIR
from yizhan.settings import Settings

MAX_BODY_BYTES = 1024 * 1024  # a station is a few hundred bytes; bulk loads go through the CLI
DESCRIPTION = """
yizhan (驿站) finds rest stations for outdoor workers — water, shade, toilets, chargers — and
answers in exact geodesic order from PostGIS. Points may be WGS84 (GPS), GCJ-02 (Amap) or
BD-09 (Baidu): say which with `crs`.
"""
ROUTERS = (auth.router, officer.router, reports.router, stations.router, unions.costly, unions.router,
           workplaces.router, applications.router, withdrawal.router, worker_requests.router, visits.router,
           station_page.router,
           members.router, join.router, request_page.router, maps.router, tiles.router,
           tiles.styles, ogc.router, health.router, docs.router)


async def check_request(request: Request) -> None:
    """What every route checks before it reads its parameters: paths and parameter names, then
    control characters. One app-wide dependency, not two: FastAPI solves each dependency with a
    pass of its own on every request."""
    await check_query_parameters(request)
    await refuse_control_characters(request)


@contextmanager
def startup_objects_frozen() -> Iterator[None]:
    """What is alive once the app has started (modules, routes, templates, engines: about
    250,000 objects) is left out of the garbage collector's passes while it serves. Each full
    pass walked them all, 80-145 ms in which every request of the worker waited, several times
    a minute under load."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # an app made and closed again (as the tests do) leaves nothing behind


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.check_production()
    hide_query_strings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        url = settings.resolved_database_url()
        engine = partial(make_engine, pool_size=settings.pool_size,
                         statement_timeout_ms=settings.statement_timeout_ms,
                         pool_timeout_s=settings.pool_timeout_s,
                         idle_in_transaction_ms=settings.idle_in_transaction_timeout_ms,
                         prepared_statements=settings.prepared_statements)
        app.state.engine = engine(url)
        app.state.read_engine = engine(url, autocommit=True)
        app.state.replica = None
        if settings.read_database_url:
            app.state.replica = Replica(app.state.read_engine,
                                        engine(settings.read_database_url, autocommit=True),
                                        settings.replica_max_lag_s)
            app.state.replica.start()
        with startup_objects_frozen():
            yield
        if app.state.replica:
            app.state.replica.stop()
            app.state.replica.standby.dispose()
        app.state.engine.dispose()
        app.state.read_engine.dispose()

    app = FastAPI(title="yizhan", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  dependencies=[Depends(check_request)],
                  responses={422: {"model": ErrorOut, "description": "A value that cannot be "
                                   "used: the message says which and what is allowed"}})
    app.state.settings = settings
    app.state.costly_lane = Lane(settings.costly_at_once, settings.pool_timeout_s)
    errors.install(app)
    allow_cross_origin_reads(app, settings, [route for router in ROUTERS for route in router.routes])
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    # Riders are on mobile data: a map page is 390 kB as sent and about a fifth of that gzipped.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    metrics.install(app)
    app.add_middleware(HeadAsGet)
    if settings.read_database_url:
        app.add_middleware(ReadYourWrites, api=app)
    app.add_middleware(Hardening, allowed=settings.allowed_hosts())  # outermost: before all else
    for router in ROUTERS:
        app.include_router(router)
    install_console(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
