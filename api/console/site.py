"""The workbench's pages put together: every page module adds its routes to one router, which
`install` adds to the app with the console's own error pages."""
from __future__ import annotations

from fastapi import FastAPI

from api.console import (  # noqa: F401  (they add their routes)
    application_pages,
    audit_pages,
    below_pages,
    chart_pages,
    login_pages,
    member_pages,
    report_pages,
    request_pages,
    station_pages,
    visit_pages,
    workplace_pages,
)
from api.console.common import HANDLERS, no_such_page, router


def install(app: FastAPI) -> None:
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)
    app.include_router(router)
    # After every page: a console address that is none of them is a page saying so.
    app.add_api_route("/console/{rest:path}", no_such_page, methods=["GET"],
                      include_in_schema=False)
