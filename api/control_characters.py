"""Refuse NUL and the other control characters in query parameters and in JSON and form bodies,
naming where they are: PostgreSQL text cannot hold NUL, and none of them belongs in a name, an
address or a note. Tab and line breaks are text, and pass."""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

from fastapi import Request, params
from fastapi.exceptions import RequestValidationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How JSON writes them; a cheap look at the raw body before the parsed one is walked.
ESCAPED = re.compile(rb"\\(u00[01][0-9a-fA-F]|u007[fF]|[bf])")
NOT_ALLOWED = "NUL and other control characters are not allowed (tab and line breaks are)"

Loc = tuple[str | int, ...]


def _first_control(value: Any, loc: Loc) -> tuple[Loc, str] | None:
    """Where the first string holding a control character is, and that string."""
    if isinstance(value, str):
        return (loc, value) if CONTROL.search(value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if found := _first_control(item, (*loc, key)):
            return found
    return None


def _first_in_pairs(pairs: list[tuple[str, Any]], place: str) -> tuple[Loc, str] | None:
    """The same for query parameters or form fields, which may repeat."""
    return next((((place, name), value) for name, value in pairs
                 if isinstance(value, str) and CONTROL.search(value)), None)


async def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: a 422 naming the parameter or body field."""
    found = _first_in_pairs(request.query_params.multi_items(), "query")
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if found is None and body_field is not None:
        if isinstance(body_field.field_info, params.Form):
            found = _first_in_pairs((await request.form()).multi_items(), "body")
        elif ESCAPED.search(await request.body()):
            with suppress(ValueError):  # FastAPI says what is wrong with a body not JSON
                found = _first_control(await request.json(), ("body",))
    if found is not None:
        loc, value = found
        raise RequestValidationError([{"type": "string_control_character", "loc": loc,
                                       "msg": NOT_ALLOWED, "input": value}])
