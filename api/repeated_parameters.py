"""Refuse a query parameter given more than once where the endpoint takes one value, which
FastAPI would otherwise quietly take the last of. Parameters declared as lists (`amenity`,
`status`) stay repeatable."""

from __future__ import annotations

from collections import Counter

from fastapi import Request, params
from fastapi.dependencies.utils import field_annotation_is_sequence, get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _single_valued(route: APIRoute) -> set[str]:
    return {field.alias for field in get_flat_params(route.dependant)
            if isinstance(field.field_info, params.Query)
            and not field_annotation_is_sequence(field.field_info.annotation)}


async def refuse_repeated_parameters(request: Request) -> None:
    """An app-wide dependency: a 422 naming each single-valued parameter given more than once."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = {name for name, n in counts.items() if n > 1}
    route = request.scope.get("route")
    if not repeated or not isinstance(route, APIRoute):
        return  # the common case, decided without looking at the endpoint
    errors = [{"type": "repeated_parameter", "loc": ("query", name),
               "msg": f"given {counts[name]} times; it takes one value: give it once",
               "input": request.query_params.getlist(name)}
              for name in sorted(repeated & _single_valued(route))]
    if errors:
        raise RequestValidationError(errors)
