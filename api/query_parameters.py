"""The query string's two quiet failures, refused: a parameter the endpoint does not take
(`radius=50` for `radius_m`, which FastAPI would ignore and answer as if unfiltered), and a
parameter given more than once where the endpoint takes one value (FastAPI would take the last).
Parameters declared as lists (`amenity`, `status`) stay repeatable. HTML pages, which other apps
embed with their own tracking parameters, and OGC API, which has its own rule, take any name;
the rule against repeats holds for them too."""

from __future__ import annotations

from collections import Counter
from difflib import get_close_matches
from typing import Any

from fastapi import Request, params
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

OWN_RULES = ("/ogc", "/maps", "/join", "/docs", "/redoc", "/static", "/console")


def _declared(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """The route's query parameters, and those of them that take one value (worked out once per
    route and kept on it: routes are not hashable)."""
    found: tuple[frozenset[str], frozenset[str]] | None = getattr(route, "_yizhan_query", None)
    if found is None:
        query = [field for field in get_flat_params(route.dependant)
                 if isinstance(field.field_info, params.Query)]
        found = (frozenset(field.alias for field in query),
                 frozenset(field.alias for field in query
                           if not field_annotation_is_sequence(field.field_info.annotation)))
        route._yizhan_query = found  # type: ignore[attr-defined]  # cached on the route itself
    return found


def _unknown(name: str, taken: frozenset[str]) -> str:
    if not taken:
        return "this endpoint takes no query parameters"
    close = get_close_matches(name, taken, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"not a parameter of this endpoint; {hint}it takes {', '.join(sorted(taken))}"


def _names_no_path(route: APIRoute, values: dict[str, Any]) -> bool:
    """A word where the path takes a number (`/unions/at` against `/unions/{union_id}`): not a
    bad id but a path that does not exist. A value a path converter made (`{id:int}`) is no word."""
    for field in route.dependant.path_params:
        value = values.get(field.alias, "")
        if field.field_info.annotation is int and isinstance(value, str) and any(
                c.isalpha() for c in value):
            return True
    return False


async def check_query_parameters(request: Request) -> None:
    """An app-wide dependency: a 404 for a path that does not exist (before anything is said
    about its parameters), then a 422 naming each unknown parameter and each single-valued one
    given more than once."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    if _names_no_path(route, request.path_params):
        raise HTTPException(404, "Not Found")
    if not request.query_params:
        return
    taken, single = _declared(route)
    counts = Counter(name for name, _ in request.query_params.multi_items())
    unknown = set() if route.path.startswith(OWN_RULES) else set(counts) - taken
    errors = [{"type": "unknown_parameter", "loc": ("query", name), "msg": _unknown(name, taken),
               "input": request.query_params[name]}
              for name in sorted(unknown)]
    errors += [{"type": "repeated_parameter", "loc": ("query", name),
                "msg": f"given {counts[name]} times; it takes one value: give it once",
                "input": request.query_params.getlist(name)}
               for name in sorted(single) if counts[name] > 1]
    if errors:
        raise RequestValidationError(errors)
