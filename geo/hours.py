"""OpenStreetMap `opening_hours`, evaluated in the station's local time.

"Open now" is True, False or None: no hours recorded, or hours that say `unknown`, is None,
and None is never counted as open.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import opening_hours


class HoursError(ValueError):
    pass


@lru_cache(maxsize=4096)
def parse(expression: str, timezone: str, country: str) -> opening_hours.OpeningHours:
    try:
        return opening_hours.OpeningHours(
            expression, timezone=zone(timezone), country=country,
            auto_country=False, auto_timezone=False,
        )
    # ParserError is what it raises, but its stub names only SyntaxError
    except (SyntaxError, ValueError, opening_hours.ParserError) as exc:  # type: ignore[attr-defined]
        column = re.search(r"--> \d+:(\d+)", str(exc))
        expected = re.search(r"= (expected .*)", str(exc))
        raise HoursError(
            f"opening_hours {expression!r} is not valid OpenStreetMap opening_hours syntax "
            f"(at character {column.group(1) if column else 1}: "
            f"{expected.group(1) if expected else 'invalid syntax'}); "
            "e.g. '24/7', 'Mo-Fr 09:00-17:00; PH off'"
        ) from exc


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HoursError(f"unknown time zone {name!r}; use an IANA name like Asia/Shanghai") from exc


def validate(expression: str, timezone: str = "Asia/Shanghai", country: str = "CN") -> str:
    """The expression, stripped, if it parses; HoursError saying why otherwise."""
    expression = expression.strip()
    parse(expression, timezone, country)
    return expression


def open_at(expression: str | None, at: datetime, timezone: str, country: str) -> bool | None:
    if not expression:
        return None
    local = at.astimezone(zone(timezone))
    state = parse(expression, timezone, country).state(local)[0]
    if state == opening_hours.State.OPEN:
        return True
    if state == opening_hours.State.CLOSED:
        return False
    return None


def week(expression: str, start: datetime, timezone: str, country: str
         ) -> list[tuple[datetime, list[tuple[datetime, datetime]], bool]]:
    """Seven local days from `start`'s date: each day's open intervals (clipped to the day) and
    whether any of the day is unknown. HoursError if the expression does not parse."""
    local = zone(timezone)
    first = start.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
    rules = parse(expression, timezone, country)
    days = []
    for n in range(7):
        day = (first + timedelta(days=n)).replace(tzinfo=None)
        begin, end = day.replace(tzinfo=local), (day + timedelta(days=1)).replace(tzinfo=local)
        spans, unknown = [], False
        for a, b, state, _ in rules.intervals(begin, end):
            if state == opening_hours.State.OPEN:
                spans.append((max(a, begin), min(b, end)))
            elif state == opening_hours.State.UNKNOWN:
                unknown = True
        days.append((begin, spans, unknown))
    return days
