"""Prometheus metrics at /metrics: requests and their latency by route template (never by raw
path, so ids do not multiply the series) and status, and the database pools in use."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Any other method name (a client can send any) is "other", so no request adds a series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _Pools(Collector):
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        gauge = GaugeMetricFamily("yizhan_db_pool_connections",
                                  "Database connections by pool and state", labels=["pool", "state"])
        replica = getattr(self.app.state, "replica", None)
        engines = [(name, getattr(self.app.state, name, None)) for name in ("engine", "read_engine")]
        if replica is not None:
            engines.append(("replica_engine", replica.standby))
        for name, engine in engines:
            if engine is None:
                continue
            pool = engine.pool
            gauge.add_metric([name, "in_use"], pool.checkedout())
            gauge.add_metric([name, "idle"], pool.checkedin())
            gauge.add_metric([name, "size"], pool.size())
        yield gauge
        if replica is None:
            return
        state = replica.state
        yield GaugeMetricFamily("yizhan_replica_up", "1 while the read replica answers and "
                                "streams from the primary", value=int(state.up))
        if state.lag_s is not None:
            yield GaugeMetricFamily("yizhan_replica_lag_seconds", "How long ago the primary had "
                                    "written what the replica has not replayed yet",
                                    value=state.lag_s)
        reads = CounterMetricFamily("yizhan_replica_reads", "Reads by where they went and why",
                                    labels=["target", "reason"])
        for (target, reason), count in sorted(replica.reads.items()):
            reads.add_metric([target, reason], count)
        yield reads


class Metrics:
    """ASGI middleware counting every HTTP request once it has been answered."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter("yizhan_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=registry)
        self.seconds = Histogram("yizhan_request_seconds", "Time to answer an HTTP request",
                                 ["method", "route"], registry=registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, watched)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.requests.labels(method, route, str(status)).inc()
            self.seconds.labels(method, route).observe(time.perf_counter() - started)


def install(app: FastAPI) -> None:
    registry = CollectorRegistry()
    registry.register(_Pools(app))
    app.add_middleware(Metrics, registry=registry)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
