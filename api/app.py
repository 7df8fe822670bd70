"""The FastAPI application factory. Settings come in as an object; nothing connects at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from api import errors, metrics
from api.access_log import hide_query_strings
from api.body_limit import BodyLimit
from api.control_characters import refuse_control_characters
from api.embedding import allow_cross_origin_reads
from api.head import HeadAsGet
from api.query_parameters import check_query_parameters
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
    stations,
    tiles,
    unions,
    workplaces,
)
from api.schemas import ErrorOut
from geo.db import make_engine
from maps.assets import STATIC_DIR
from yizhan.settings import Settings

MAX_BODY_BYTES = 1024 * 1024  # a station is a few hundred bytes; bulk loads go through the CLI
DESCRIPTION = """
yizhan (驿站) finds rest stations for outdoor workers — water, shade, toilets, chargers — and
answers in exact geodesic order from PostGIS. Points may be WGS84 (GPS), GCJ-02 (Amap) or
BD-09 (Baidu): say which with `crs`.
"""
ROUTERS = (auth.router, officer.router, reports.router, stations.router, unions.router,
           workplaces.router, applications.router, members.router, join.router, maps.router,
           tiles.router, ogc.router, health.router, docs.router)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.check_production()
    hide_query_strings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url()
        limits = {"statement_timeout_ms": settings.statement_timeout_ms,
                  "pool_timeout_s": settings.pool_timeout_s}
        app.state.engine = make_engine(url, settings.pool_size, **limits)
        app.state.read_engine = make_engine(settings.read_database_url or url, settings.pool_size,
                                            autocommit=True, **limits)
        yield
        app.state.engine.dispose()
        app.state.read_engine.dispose()

    app = FastAPI(title="yizhan", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  dependencies=[Depends(check_query_parameters), Depends(refuse_control_characters)],
                  responses={422: {"model": ErrorOut, "description": "A value that cannot be "
                                   "used: the message says which and what is allowed"}})
    app.state.settings = settings
    errors.install(app)
    allow_cross_origin_reads(app, settings, [route for router in ROUTERS for route in router.routes])
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    # Riders are on mobile data: a map page is 390 kB as sent and about a fifth of that gzipped.
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    metrics.install(app)
    app.add_middleware(HeadAsGet)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
