"""The API documentation page, with Swagger UI served by yizhan itself (it works offline)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
SWAGGER = "vendor/swagger-ui-5.35.0"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    static = request.scope.get("root_path", "") + "/static"
    page = get_swagger_ui_html(
        openapi_url=request.scope.get("root_path", "") + "/openapi.json",
        title="yizhan API",
        swagger_js_url=f"{static}/{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{static}/{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{static}/{SWAGGER}/favicon-32x32.png",
    )
    page.headers["Content-Security-Policy"] = "frame-ancestors 'none'"  # no clickjacking
    return page


@router.get("/")
def index() -> dict[str, Any]:
    """Where to go from the root."""
    return {
        "service": "yizhan: rest stations for outdoor workers",
        "docs": "/docs",
        "openapi": "/openapi.json",
        "nearest": "/stations/nearest?lat=31.2335&lon=121.4751&k=3",
        "map": "/maps/nearest?lat=31.2335&lon=121.4751&k=3",
        "unions": "/unions",
        "match": "/unions/match?lat=31.2335&lon=121.4751",
        "join_form": "/join?station=1",
        "apply": "POST /applications",
        "login": "POST /auth/token (officers)",
        "dashboard": "/officer/dashboard (officer login)",
        "applications": "/applications (officer login)",
        "workplaces": "/workplaces (officer login)",
    }
