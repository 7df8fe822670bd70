"""CQL2 text and CQL2 JSON read into pygeofilter's syntax tree. The text grammar is pygeofilter's
with what CQL2 has and it lacks: the array functions (A_CONTAINS(amenities, ('toilet'))) and a
quote inside a string written twice ('O''Brien'); ILIKE, which older GDAL sends; NOT before any
condition, NOT (a AND b) too; CQL2's box literal, S_WITHIN(geometry, BBOX(w, s, e, n)); and AND
binding tighter than OR, as CQL2 says."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pygeofilter.parsers.cql2_text.parser as text_parser
from lark import Lark, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from pygeofilter import ast, values
from pygeofilter.cql2 import ARRAY_PREDICATES_MAP
from pygeofilter.parsers.cql2_json import parse as parse_json_filter

TEMPORAL = re.compile(r"\bT_[A-Z]+\s*\(", re.IGNORECASE)
TEXT, JSON = "cql2-text", "cql2-json"
OLD_TEXT = "cql-text"  # the draft's name, which GDAL 3.6 (Debian 12's) sends
LANGUAGES = (TEXT, JSON, OLD_TEXT)


class BadFilter(ValueError):
    """A filter that cannot be read or used; the message says what is wrong and what is allowed."""


def strict_time(text: str) -> datetime:
    """An ISO 8601 time, UTC unless it says otherwise (pygeofilter's reading takes 2025-13-01 for
    the 13th of January)."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"TIMESTAMP('{text}') is not a time: write "
                         "TIMESTAMP('2025-06-01T08:00:00Z')") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


_GRAMMAR_DIR = Path(text_parser.__file__).parent
_ARRAYS = """
?array_predicate: _array_function "(" array_argument "," array_argument ")" -> array_predicate
!_array_function: "A_EQUALS"i | "A_CONTAINS"i | "A_CONTAINEDBY"i | "A_OVERLAPS"i
bbox_literal: "BBOX"i "(" full_number "," full_number "," full_number "," full_number ")"
?array_argument: attribute
               | "(" [literal ("," literal)*] ")" -> array_literal
"""


def _grammar() -> str:
    grammar = (_GRAMMAR_DIR / "grammar.lark").read_text("utf-8")
    quoted = "SINGLE_QUOTED: \"'\" /.*?/ \"'\""
    spatial = "          | spatial_predicate\n"
    # GDAL before 3.7 sends ILIKE for OGR SQL's ILIKE; CQL2 writes it CASEI(a) LIKE CASEI(b).
    ilike = '          | expression "ILIKE"i expression                                -> ilike\n'

    negation = ('            | "NOT"i predicate                                               -> not_\n'
                '            | "NOT"i "(" predicate ")"                                       -> not_\n')
    logic = ('?condition: condition_1\n'
             '          | condition "AND"i condition_1                                 -> and_\n'
             '          | condition "OR"i condition_1                                   -> or_\n')
    literal = "        | envelope\n"
    if any(part not in grammar for part in (quoted, spatial, negation, logic, literal)):
        raise RuntimeError("pygeofilter's CQL2 grammar changed: review ogc/cql2.py")
    grammar = grammar.replace(quoted, "SINGLE_QUOTED: /'(?:[^']|'')*'/")
    # AND binds tighter than OR (pygeofilter reads a OR b AND c as (a OR b) AND c)
    grammar = grammar.replace(logic, '?condition: conjunction\n'
                              '          | condition "OR"i conjunction -> or_\n'
                              '?conjunction: condition_1\n'
                              '          | conjunction "AND"i condition_1 -> and_\n')
    # NOT of any condition: NOT (a AND b), NOT NOT a
    grammar = grammar.replace(negation, '            | "NOT"i condition_1 -> not_\n')
    grammar = grammar.replace(literal, literal + "        | bbox_literal\n")  # CQL2's BBOX(w,s,e,n)
    return grammar.replace(spatial, spatial + ilike + "          | array_predicate\n") + _ARRAYS


@v_args(meta=False, inline=True)
class _Transformer(text_parser.CQLTransformer):
    def SINGLE_QUOTED(self, token: str) -> str:
        return token[1:-1].replace("''", "'")

    def array_predicate(self, op: str, lhs: Any, rhs: Any) -> ast.Node:
        return ARRAY_PREDICATES_MAP[op.lower()](lhs, rhs)

    def bbox_literal(self, west: float, south: float, east: float, north: float) -> values.Envelope:
        return values.Envelope(west, east, south, north)

    def DATETIME(self, token: str) -> datetime:
        return strict_time(str(token))

    def DATE(self, token: str) -> date:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            raise ValueError(f"DATE('{token}') is not a date: write DATE('2025-06-01')") from None

    def array_literal(self, *items: Any) -> list[Any]:
        return [item for item in items if item is not None]


_PARSER = Lark(_grammar(), parser="lalr", maybe_placeholders=False, transformer=_Transformer(),
               import_paths=[str(_GRAMMAR_DIR.parent)])


def _where(text: str, line: int, column: int) -> str:
    shown = text.splitlines()[line - 1] if text.splitlines() else text
    return f"at character {column}" + (f" of line {line}" if "\n" in text else "") + \
        f" ({shown[max(column - 11, 0):column + 10]!r})"


def _boxes_as_polygons(node: Any) -> Any:
    """{"bbox": [west, south, east, north]} as a GeoJSON polygon: pygeofilter reads the four
    numbers in another order. A timestamp that is not a time is refused here: pygeofilter would
    guess one."""
    if isinstance(node, list):
        return [_boxes_as_polygons(item) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"timestamp"} and isinstance(node["timestamp"], str):
        try:
            strict_time(node["timestamp"])
        except ValueError as exc:
            raise BadFilter(f"filter: {exc}") from None
    box = node.get("bbox")
    if set(node) == {"bbox"} and isinstance(box, list) and len(box) in (4, 6):
        west, south, east, north = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
        return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                    [west, north], [west, south]]]}
    return {key: _boxes_as_polygons(value) for key, value in node.items()}


def parse(text: str, language: str) -> ast.Node:
    """The filter's syntax tree; BadFilter when it does not parse."""
    if language == OLD_TEXT:
        language = TEXT
    if language == JSON:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise BadFilter(f"filter: not JSON ({exc}); cql2-json is a JSON object such as "
                            '{"op": "=", "args": [{"property": "status"}, "operational"]}') from None
        if not isinstance(document, dict):
            raise BadFilter("filter: cql2-json is a JSON object with \"op\" and \"args\"")
        try:
            return parse_json_filter(_boxes_as_polygons(document))
        except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
            raise BadFilter(f"filter: not CQL2 JSON ({type(exc).__name__}: {exc}); each "
                            'expression is {"op": …, "args": […]}, a property {"property": "name"}'
                            ", a geometry GeoJSON") from None
    try:
        return _PARSER.parse(text)
    except LarkError as exc:
        raise _parse_error(text, exc) from None
    except ValueError as exc:  # a transformer's refusal: a time that is none
        raise BadFilter(f"filter: {exc}") from None
    except TypeError:  # pygeofilter's minus before something not a number
        raise BadFilter("filter: not CQL2 text: a minus sign goes before a number only") from None


def _parse_error(text: str, exc: LarkError) -> BadFilter:
    if TEMPORAL.search(text):
        return BadFilter("filter: the temporal functions (T_AFTER, T_BEFORE, …) are not offered; "
                         "compare a time with <, > or BETWEEN, e.g. updated_at > "
                         "TIMESTAMP('2025-06-01T00:00:00Z')")
    if isinstance(exc, UnexpectedCharacters):
        return BadFilter(f"filter: not CQL2 text: unexpected character "
                         f"{_where(text, exc.line, exc.column)}")
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken)
                                          and exc.token.type == "$END"):
        return BadFilter("filter: not CQL2 text: it ends too soon (an unclosed bracket or quote, "
                         "or an operator without its value?)")
    if isinstance(exc, UnexpectedToken):
        return BadFilter(f"filter: not CQL2 text: {str(exc.token)!r} was not expected "
                         f"{_where(text, exc.line, exc.column)}")
    cause = exc.__context__ or exc  # a transformer's error: a malformed geometry or date, say
    return BadFilter(f"filter: not CQL2 text: {str(cause).splitlines()[0][:200]}")
