"""Every failure becomes a 4xx (or 503) whose message names what was wrong and what is allowed."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import messages
from api.html import NO_SCRIPTS, error_page, frame_ancestors, page_route, prefers_html
from api.messages import Words
from geo.crs import swap_hint
from geo.hours import HoursError

log = logging.getLogger(__name__)

PLACES = {"query": "query parameter", "path": "path parameter", "body": "body field",
          "header": "header"}


class ApiError(Exception):
    """An error with a status code and a message for the client; `page` is what a page says
    instead, in Chinese and English, where the message is not for people."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 page: tuple[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.page = page


class NotFound(ApiError):
    def __init__(self, what: str, key: object, headers: dict[str, str] | None = None):
        super().__init__(404, f"no {what} with id {key}", headers)
        self.what, self.key = what, key


class BadParameter(ApiError):
    def __init__(self, place: str, name: str, message: str):
        super().__init__(422, f"{PLACES.get(place, place)} '{name}': {message}")
        self.loc = [place, name]


class OgcError(ApiError):
    """An OGC API error: its body is {"code": …, "description": …}."""

    def __init__(self, status: int, code: str, description: str,
                 headers: dict[str, str] | None = None):
        super().__init__(status, description, headers)
        self.code = code


def _ogc(request: Request) -> bool:
    return request.url.path == "/ogc" or request.url.path.startswith("/ogc/")


def _ogc_json(status: int, code: str, description: str,
              headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "description": description}, status_code=status,
                        headers=headers)


JSON_EXPECTED = "a JSON object is expected, sent as UTF-8 with Content-Type: application/json"


def _at(document: object, position: object) -> str:
    """' at line 2, column 5 (character 17)' for a position in the body, or nothing."""
    unit = "byte" if isinstance(document, bytes) else "character"
    if isinstance(document, bytes):
        document = document.decode("latin-1")  # one character a byte: positions stay
    if not isinstance(document, str) or not isinstance(position, int):
        return ""
    line = document.count("\n", 0, position) + 1
    column = position - document.rfind("\n", 0, position)
    return f" at line {line}, column {column} ({unit} {position})"


def _not_json(error: str, where: str = "") -> str:
    return f"the body is not valid JSON: {error}{where}; {JSON_EXPECTED}"


def _unreadable_body(request: Request, cause: Exception) -> Response:
    """A body FastAPI could not decode at all, which it answers with a bare 400."""
    loc: list[str | int] = ["body"]
    if isinstance(cause, UnicodeDecodeError):
        message = _not_json(f"byte {cause.object[cause.start]:#04x} is not {cause.encoding.upper()}",
                            _at(cause.object, cause.start))
        loc.append(cause.start)
    elif isinstance(cause, RecursionError):
        message = f"the body nests arrays or objects too deeply to read; {JSON_EXPECTED}"
    else:  # a number of thousands of digits, say
        message = _not_json(str(cause).split(":")[0])
    return _json(400 if _ogc(request) else 422, message,
                 [{"loc": loc, "msg": message, "type": "json_invalid"}], request=request)


def _lon_beside(lat_error: dict[str, Any], query: dict[str, str], body: object) -> object:
    """The lon given with a lat that was refused: the query's, or the same body object's."""
    place, *path, _ = lat_error["loc"]
    if place == "query":
        return query.get("lon")
    for part in path:
        try:
            body = body[part]  # type: ignore[index]  # any JSON value; TypeError is caught
        except (KeyError, IndexError, TypeError):
            return None
    return body.get("lon") if isinstance(body, dict) else None


def _describe(error: dict[str, Any], query: dict[str, str], body: object) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    place = loc[0] if loc else "request"
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if kind == "json_invalid":
        return _not_json(error.get("ctx", {}).get("error", "syntax error"),
                         _at(body, error["loc"][1] if len(loc) > 1 else None))
    if place == "body" and len(loc) == 1:
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "the body must be a JSON object (send Content-Type: application/json)"
        return f"body: {message}"  # a rule across several fields; the input is the whole body
    # A repeated query parameter's position is noise to the reader: 'amenity', not 'amenity.0'.
    name = loc[1] if place in ("query", "path", "header") and len(loc) > 1 else ".".join(loc[1:])
    if kind != "missing" and "input" in error:
        # As the client sent it: JSON's null, true and false, not Python's None, True and False.
        shown = json.dumps(error["input"]) if error["input"] in (None, True, False) \
            else repr(error["input"])
        message += f" (got {shown if len(shown) <= 120 else shown[:117] + '...'})"
    if len(loc) > 1:
        message += swap_hint(loc[-1], kind, _lon_beside(error, query, body))
    where = f"{PLACES.get(place, place)} '{name}'" if name else PLACES.get(place, place)
    return f"{where}: {message}"


OGC_CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 404: "NotFound",
             405: "MethodNotAllowed", 409: "Conflict", 413: "PayloadTooLarge",
             422: "InvalidParameterValue", 503: "ServiceUnavailable"}


def _json(status: int, message: str, detail: list[dict[str, Any]] | None = None,
          headers: dict[str, str] | None = None, request: Request | None = None,
          lines: list[Words] | None = None) -> Response:
    """yizhan's error body; under /ogc the OGC exception body instead, whatever the error; on a
    page a rider opens in a browser, a page saying the same in the page's language (`lines`,
    else what the status means)."""
    if request is not None and _ogc(request):
        return _ogc_json(status, OGC_CODES.get(status, "Error"), message, headers)
    if request is not None and (route := page_route(request)) is not None:
        headers = {"Vary": "Accept", **(headers or {})}
        if prefers_html(request):  # framed only where the page it stands for may be
            framing = frame_ancestors(request.app.state.settings.embed_origins)
            said = lines or [(messages.status_message(status, 0), messages.status_message(status, 1))]
            return HTMLResponse(error_page(status, said, route), status_code=status,
                                headers={**headers,
                                         "Content-Security-Policy": f"{NO_SCRIPTS}; {framing}"})
    body: dict[str, Any] = {"message": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    query = dict(request.query_params)
    details, lines, seen = [], [], set()
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        # A body that an endpoint and its dependency both declare is validated, and reported, twice.
        if (key := (tuple(loc), error.get("type"))) in seen:
            continue
        seen.add(key)
        code = messages.code(error, _lon_beside(error, query, exc.body) if len(loc) > 1 else None)
        details.append({"loc": loc, "msg": _describe(error, query, exc.body),
                        "type": error.get("type"), "code": code})
        if len(loc) > 1:
            name = messages.field_name(loc)
            lines.append((messages.field_message(name, code, 0),
                          messages.field_message(name, code, 1)))
    return _json(400 if _ogc(request) else 422, "; ".join(d["msg"] for d in details), details,
                 request=request, lines=lines)


async def _api_error(request: Request, exc: ApiError) -> Response:
    if isinstance(exc, OgcError):
        return _ogc_json(exc.status, exc.code, exc.message, exc.headers)
    detail = [{"loc": exc.loc, "msg": exc.message, "type": "value_error", "code": "value_error"}] \
        if isinstance(exc, BadParameter) else None
    lines = [exc.page] if exc.page else None
    if isinstance(exc, BadParameter):
        name = messages.field_name(exc.loc)
        lines = [(messages.field_message(name, "value_error", 0),
                  messages.field_message(name, "value_error", 1))]
    elif isinstance(exc, NotFound):
        lines = [(messages.status_message(404, 0, exc.what, exc.key),
                  messages.status_message(404, 1, exc.what, exc.key))]
    return _json(exc.status, exc.message, detail, exc.headers, request, lines)


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        return _unreadable_body(request, exc.__cause__)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such path: {request.url.path} (see /docs)"
    elif exc.status_code == 405:
        method = request.scope.get("asked_method", request.method)
        message = f"{method} is not allowed on {request.url.path} (see /docs)"
    return _json(exc.status_code, message, headers=getattr(exc, "headers", None), request=request)


async def _hours(request: Request, exc: HoursError) -> Response:
    return _json(422, str(exc))


async def _integrity(request: Request, exc: IntegrityError) -> Response:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
    if constraint == "uq_stations_external_id":
        return _json(409, "a station with this external_id already exists")
    log.warning("integrity error: %s", constraint)
    return _json(409, f"the change conflicts with stored data ({constraint or 'constraint'})")


async def _data(request: Request, exc: DataError) -> Response:
    # A value the database cannot take: a NUL character in text, a number out of its range.
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
    return _json(400 if _ogc(request) else 422, f"a value cannot be used: {reason}",
                 request=request)


async def _unavailable(request: Request, exc: Exception) -> Response:
    if isinstance(getattr(exc, "orig", None), QueryCanceled):
        log.warning("statement timeout on %s", request.url.path)
        return _json(503, "the query took too long and was stopped; try again, or ask for less",
                     headers={"Retry-After": "5"}, request=request)
    cause = getattr(exc, "orig", None) or exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    log.warning("database unavailable on %s: %s", request.url.path, reason)
    return _json(503, "the database is unavailable; try again shortly", headers={"Retry-After": "5"},
                 request=request)


def install(app: FastAPI) -> None:
    # Starlette types a handler as taking any Exception; each of these takes only its own class.
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(HoursError, _hours)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _integrity)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(PoolTimeout, _unavailable)
