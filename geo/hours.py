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


# Hours that say "open 24 hours, every day", spaces removed: what the open_24_7 filter takes.
ALWAYS_OPEN = ("24/7", "Mo-Su00:00-24:00", "00:00-24:00")


def always_open(expression: str | None) -> bool:
    return expression is not None and re.sub(r"\s", "", expression) in ALWAYS_OPEN


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
    # Hours change only on whole minutes of local time (the syntax has no seconds), so one
    # evaluation answers every request of that minute: five stations a request, most of them
    # with the same few expressions.
    minute = at.astimezone(zone(timezone)).replace(second=0, microsecond=0)
    return _open_in_minute(expression, timezone, country, minute.timestamp())


@lru_cache(maxsize=8192)
def _open_in_minute(expression: str, timezone: str, country: str, minute: float) -> bool | None:
    local = datetime.fromtimestamp(minute, zone(timezone))
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


DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_WORDS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
WORDS = {
    "zh": {"always": "24 小时开放", "every_day": "每天", "holidays": "法定节假日", "to": "至",
           "and": "、", "closed": "{days}休息", "never": "不开放", "whole_day": "{days} 24 小时开放",
           "rules": "，"},
    "en": {"always": "Open 24 hours", "every_day": "Daily", "holidays": "public holidays",
           "to": "–", "and": ", ", "closed": "closed on {days}", "never": "Closed",
           "whole_day": "{days} open 24 hours",
           "rules": "; "},
}
_SPAN = re.compile(r"([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")
_DAY_ITEM = re.compile(r"(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?|PH")


def _days(selector: str, lang: str) -> str | None:
    """'Mo-Fr,Su' in words; None for anything else (months, weeks, nth weekdays…)."""
    w = WORDS[lang]
    parts = []
    for item in selector.split(","):
        found = _DAY_ITEM.fullmatch(item)
        if found is None:
            return None
        if item == "PH":
            parts.append(w["holidays"])
            continue
        first, last = found.group(1), found.group(2)
        names = DAY_WORDS[lang]
        if last is None:
            parts.append(names[DAYS.index(first)])
        elif DAYS.index(first) == 0 and DAYS.index(last) == 6:
            parts.append(w["every_day"])
        else:
            parts.append(f"{names[DAYS.index(first)]}{w['to']}{names[DAYS.index(last)]}")
    return w["and"].join(parts)


def _rule(rule: str, lang: str) -> str | None:
    """One rule ('Mo-Fr 09:00-17:00', 'PH off', '08:00-20:00') in words, or None."""
    w = WORDS[lang]
    tokens = rule.split()
    if not tokens:
        return None
    off = tokens[-1] in ("off", "closed")
    if off or tokens[-1] == "open":
        tokens = tokens[:-1]
    days = w["every_day"]
    if tokens and _SPAN.match(tokens[0]) is None:
        named = _days(tokens[0], lang)
        if named is None:
            return None
        days, tokens = named, tokens[1:]
    if off:
        return None if tokens else w["never"] if days == w["every_day"] else w["closed"].format(
            days=days)
    if len(tokens) != 1:
        return None
    spans = tokens[0].split(",")
    if not all(_SPAN.fullmatch(span) for span in spans):
        return None
    if spans == ["00:00-24:00"]:
        return w["always"] if days == w["every_day"] else w["whole_day"].format(days=days)
    return f"{days} " + w["and"].join(span.replace("-", "–") for span in spans)


def in_words(expression: str, lang: str = "zh") -> str:
    """Opening hours as a rider reads them: 'Mo-Fr 09:00-17:00; PH off' is 周一至周五
    09:00–17:00，法定节假日休息 (Mon–Fri 09:00–17:00; closed on public holidays), '24/7' is 24 小时
    开放. What cannot be put in words (months, sunrise, comments…) is shown as written."""
    expression = expression.strip()
    if expression == "24/7":
        return WORDS[lang]["always"]
    said = [_rule(rule.strip(), lang) for rule in expression.split(";")]
    if not said or any(s is None for s in said):
        return expression
    return WORDS[lang]["rules"].join(s for s in said if s)
