"""The worker's pages for requests: the form at /request and the status link's page."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from api.geojson import json_response
from api.routers.applications import PRIVATE
from yizhan.settings import Settings


def worker_response(request: Request, settings: Settings, view: dict[str, Any], token: str,
                    lang: str) -> Response:
    return json_response(view, headers=PRIVATE)
