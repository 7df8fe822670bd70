"""CQL2 text and CQL2 JSON read into pygeofilter's syntax tree. The text grammar is pygeofilter's
with what CQL2 has and it lacks: the array functions (A_CONTAINS(amenities, ('toilet'))) and a
quote inside a string written twice ('O''Brien'); and ILIKE, which older GDAL sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pygeofilter.parsers.cql2_text.parser as text_parser
from lark import Lark, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from pygeofilter import ast
from pygeofilter.cql2 import ARRAY_PREDICATES_MAP
from pygeofilter.parsers.cql2_json import parse as parse_json_filter

TEXT, JSON = "cql2-text", "cql2-json"
OLD_TEXT = "cql-text"  # the draft's name, which GDAL 3.6 (Debian 12's) sends
LANGUAGES = (TEXT, JSON, OLD_TEXT)


class BadFilter(ValueError):
    """A filter that cannot be read or used; the message says what is wrong and what is allowed."""


_GRAMMAR_DIR = Path(text_parser.__file__).parent
_ARRAYS = """
?array_predicate: _array_function "(" array_argument "," array_argument ")" -> array_predicate
!_array_function: "A_EQUALS"i | "A_CONTAINS"i | "A_CONTAINEDBY"i | "A_OVERLAPS"i
?array_argument: attribute
               | "(" [literal ("," literal)*] ")" -> array_literal
"""


def _grammar() -> str:
    grammar = (_GRAMMAR_DIR / "grammar.lark").read_text("utf-8")
    quoted = "SINGLE_QUOTED: \"'\" /.*?/ \"'\""
    spatial = "          | spatial_predicate\n"
    # GDAL before 3.7 sends ILIKE for OGR SQL's ILIKE; CQL2 writes it CASEI(a) LIKE CASEI(b).
    ilike = '          | expression "ILIKE"i expression                                -> ilike\n'

    if quoted not in grammar or spatial not in grammar:
        raise RuntimeError("pygeofilter's CQL2 grammar changed: review ogc/cql2.py")
    grammar = grammar.replace(quoted, "SINGLE_QUOTED: /'(?:[^']|'')*'/")
    return grammar.replace(spatial, spatial + ilike + "          | array_predicate\n") + _ARRAYS


@v_args(meta=False, inline=True)
class _Transformer(text_parser.CQLTransformer):
    def SINGLE_QUOTED(self, token: str) -> str:
        return token[1:-1].replace("''", "'")

    def array_predicate(self, op: str, lhs: Any, rhs: Any) -> ast.Node:
        return ARRAY_PREDICATES_MAP[op.lower()](lhs, rhs)

    def array_literal(self, *items: Any) -> list[Any]:
        return [item for item in items if item is not None]


_PARSER = Lark(_grammar(), parser="lalr", maybe_placeholders=False, transformer=_Transformer(),
               import_paths=[str(_GRAMMAR_DIR.parent)])


def _where(text: str, line: int, column: int) -> str:
    shown = text.splitlines()[line - 1] if text.splitlines() else text
    return f"at character {column}" + (f" of line {line}" if "\n" in text else "") + \
        f" ({shown[max(column - 11, 0):column + 10]!r})"


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
            return parse_json_filter(document)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
            raise BadFilter(f"filter: not CQL2 JSON ({type(exc).__name__}: {exc}); each "
                            'expression is {"op": …, "args": […]}, a property {"property": "name"}'
                            ", a geometry GeoJSON") from None
    try:
        return _PARSER.parse(text)  # type: ignore[no-any-return]
    except UnexpectedCharacters as exc:
        raise BadFilter(f"filter: not CQL2 text: unexpected character {_where(text, exc.line, exc.column)}"
                        ) from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise BadFilter("filter: not CQL2 text: it ends too soon (an unclosed bracket or "
                            "quote, or an operator without its value?)") from None
        raise BadFilter(f"filter: not CQL2 text: {str(exc.token)!r} was not expected "
                        f"{_where(text, exc.line, exc.column)}") from None
    except UnexpectedEOF:
        raise BadFilter("filter: not CQL2 text: it ends too soon") from None
    except LarkError as exc:  # a transformer's error: a malformed geometry or date, say
        cause = exc.__context__ or exc
        raise BadFilter(f"filter: not CQL2 text: {str(cause).splitlines()[0][:200]}") from None
