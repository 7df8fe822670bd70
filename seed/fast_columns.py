"""Columns for the common import record without a pydantic model per row.

Each field a record may carry has a rule that either vouches for its value (returning what the
model would make of it) or gives up. A record whose every value is vouched for becomes columns
directly; any other record goes to the model, so a bad row is reported in the model's words.
Rules are conservative: giving up costs only time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable
from typing import Any

Columns = Callable[[dict[str, Any]], dict[str, Any]]
Rule = Callable[[Any], Any]


class GiveUp(Exception):
    """The rule cannot vouch for this value; the model decides."""


_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?")


def text(max_length: int, *, nullable: bool = False) -> Rule:
    """A string the model's strip and length limits leave as it is (or null, if `nullable`)."""
    def rule(value: Any) -> str | None:
        if value is None and nullable:
            return None
        # str.isspace knows every character pydantic strips (and a few more).
        if (type(value) is not str or not value or len(value) > max_length
                or value[0].isspace() or value[-1].isspace()):
            raise GiveUp
        return value
    return rule


def coordinate(limit: float) -> Rule:
    """A plain decimal (or a JSON number) between -limit and limit, as a float."""
    def rule(value: Any) -> float:
        if type(value) is str:
            if not _DECIMAL.fullmatch(value):
                raise GiveUp
            number = float(value)
        elif type(value) is float or type(value) is int:
            number = float(value)
            if not math.isfinite(number):
                raise GiveUp
        else:
            raise GiveUp
        if not -limit <= number <= limit:
            raise GiveUp
        return number
    return rule


def checked_by(check: Callable[[str], Any]) -> Rule:
    """A string `check` accepts (null too), as `check` returns it: for fields whose model type is
    a plain str with an after-validator."""
    def rule(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not str:
            raise GiveUp
        try:
            return check(value)
        except ValueError:
            raise GiveUp from None
    return rule


def by_value(slow: Columns, field: str, valid: dict[str, Any]) -> Rule:
    """For fields with few distinct values (amenities, hours, status): each distinct value is
    judged once by the model itself, inside the otherwise valid record `valid`."""
    seen: dict[Hashable, Any] = {}

    def rule(value: Any) -> Any:
        if value is None or type(value) is str:
            key: Hashable = value
        elif type(value) is list and all(type(v) is str for v in value):
            key = ("list", *value)
        else:
            raise GiveUp
        if key not in seen:
            try:
                seen[key] = slow({**valid, field: value})[field]
            except ValueError:  # pydantic's ValidationError among them
                seen[key] = GiveUp
        if seen[key] is GiveUp:
            raise GiveUp
        return seen[key]
    return rule


def fast_columns(slow: Columns, rules: dict[str, Rule], required: set[str],
                 build: Callable[[dict[str, Any]], dict[str, Any]]) -> Columns:
    """`slow` (the model's way, raising its errors) made fast for records that only carry fields
    with a rule, the `required` ones among them; `build` turns the checked values into columns
    equal to what `slow` gives."""
    def to_columns(record: dict[str, Any]) -> dict[str, Any]:
        if not required <= record.keys():
            return slow(record)
        checked = {}
        try:
            for name, value in record.items():
                checked[name] = rules[name](value)
        except (GiveUp, KeyError):
            return slow(record)
        return build(checked)
    return to_columns
