"""Liveness and readiness for orchestrators (compose, Kubernetes, a load balancer)."""

from typing import Any

from fastapi import APIRouter, Request, Response

from api.geojson import json_response
from geo.db import schema_is_current
from geo.replica import Replica

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers. (Database readiness is /ready.)"""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Not ready: the database is unreachable "
                                                      "or its schema is not the code's"}})
def ready(request: Request) -> Response:
    """Ready for traffic: the database answers and its schema is the code's newest migration.
    With a replica, says how far behind it is and where reads go; a replica that is down or
    lagging does not make the API unready (reads then go to the primary)."""
    current, found, wanted = schema_is_current(request.app.state.read_engine)
    if not current:
        return json_response({"status": "not ready", "message": f"the database schema is at "
                              f"{found or 'nothing'}, the code needs {wanted}: run "
                              "`yizhan db migrate`"}, 503)
    answer: dict[str, Any] = {"status": "ready", "schema": found}
    if (replica := request.app.state.replica) is not None:
        answer["replica"] = replica_report(replica)
    return json_response(answer)


def replica_report(replica: Replica) -> dict[str, Any]:
    state = replica.state
    if not state.up:
        condition, message = "down", state.problem
    elif state.lag_s is None or state.lag_s > replica.max_lag_s:
        condition, message = "lagging", (
            f"more than {replica.max_lag_s:g} s behind the primary: reads go to the primary")
    else:
        condition, message = "streaming", "reads go to the replica once it has replayed what "\
                                          "the client wrote"
    lag = None if state.lag_s is None else round(state.lag_s, 3)
    return {"state": condition, "lag_s": lag, "max_lag_s": replica.max_lag_s, "message": message}
