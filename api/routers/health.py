"""Liveness and readiness for orchestrators (compose, Kubernetes, a load balancer)."""

from fastapi import APIRouter, Response

from api.deps import ReadEngineDep
from api.geojson import json_response
from geo.db import schema_is_current

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers. (Database readiness is /ready.)"""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Not ready: the database is unreachable "
                                                      "or its schema is not the code's"}})
def ready(engine: ReadEngineDep) -> Response:
    """Ready for traffic: the database answers and its schema is the code's newest migration."""
    current, found, wanted = schema_is_current(engine)
    if not current:
        return json_response({"status": "not ready", "message": f"the database schema is at "
                              f"{found or 'nothing'}, the code needs {wanted}: run "
                              "`yizhan db migrate`"}, 503)
    return json_response({"status": "ready", "schema": found})
