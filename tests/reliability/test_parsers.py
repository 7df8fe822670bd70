"""Property tests on every parser that takes outside text: each either answers or refuses with
a ValueError that says why; no other exception, and what it accepts is right."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.deps import parse_bbox
from api.errors import BadParameter
from geo.crs import Crs
from geo.hours import HoursError, validate
from membership.identity import id_number, mobile_number
from seed.station_import import (
    ImportFormatError,
    ImportResult,
    csv_records,
    geojson_records,
    prepare,
    station_columns,
)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_digit(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


mobiles = st.tuples(st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
id_bodies = st.builds(lambda area, y, m, d, seq: f"{area}{y:04d}{m:02d}{d:02d}{seq:03d}",
                      st.sampled_from(["310101", "330106", "110105", "440305"]),
                      st.integers(1930, 2008), st.integers(1, 12), st.integers(1, 28),
                      st.integers(0, 999))


@given(st.text(max_size=40))
@example("+86 138 1234 5678 ext. 9")
@example("１３８１２３４５６７８")  # full-width digits
def test_any_phone_text_is_a_mobile_number_or_a_clear_refusal(text: str) -> None:
    try:
        number = mobile_number(text)
    except ValueError as exc:
        assert "mobile" in str(exc) or "phone" in str(exc)
    else:
        assert number.startswith("+861") and len(number) == 14 and number[1:].isdigit()


@given(mobiles, st.sampled_from(["{}", "+86{}", "+86 {}", "86-{}", " {} "]))
def test_every_mobile_number_is_taken_in_its_usual_forms(parts: tuple[str, str], form: str) -> None:
    digits = f"1{parts[0]}{parts[1]}"
    try:
        assert mobile_number(form.format(digits)) == f"+86{digits}"
    except ValueError:  # a number block not yet allocated to mobiles is refused, never mangled
        with pytest.raises(ValueError):
            mobile_number(digits)


@given(id_bodies, st.integers(0, 16), st.integers(1, 9))
@example("33010619500101123", 0, 1)  # born 1950, card issued in a district made later: real
def test_id_numbers_with_a_right_check_digit_pass_and_one_wrong_digit_fails(
        body: str, position: int, change: int) -> None:
    number = body + check_digit(body)
    assert id_number(number.lower()) == number
    wrong = body[:position] + str((int(body[position]) + change) % 10) + body[position + 1:]
    with pytest.raises(ValueError, match="resident ID card"):
        id_number(wrong + check_digit(body))


@given(st.text(max_size=60))
def test_any_bbox_text_is_four_numbers_or_a_clear_refusal(text: str) -> None:
    try:
        box = asyncio.run(parse_bbox(text))
    except BadParameter as exc:
        assert "bbox" in exc.message
    else:
        assert box is not None and box[0] <= box[2] and box[1] <= box[3]


@settings(max_examples=150)
@given(st.text(max_size=60) | st.sampled_from(["Mo-Fr 08:00-18:00", "24/7", "PH off",
                                                "Mo-Su 25:00-26:00", "sunrise-sunset", ""]))
def test_any_opening_hours_text_is_understood_or_refused(text: str) -> None:
    try:
        assert validate(text) == text
    except HoursError as exc:
        assert str(exc)


@given(st.text(max_size=300))
@example("external_id,name,lon,lat\n1,a,121.4,31.2,extra\n")
@example('external_id,name,lon,lat\n"1,a\n')
@example("\r")  # a stray carriage return crashed the importer with a csv.Error
def test_any_csv_text_gives_rows_or_problems_never_a_crash(text: str) -> None:
    try:
        records = list(csv_records(text))
    except (ImportFormatError, UnicodeError, ValueError):
        return
    result = ImportResult()
    rows = prepare(records, station_columns(Crs.WGS84), result)
    assert len(rows) + len(result.problems) == result.read == len(records)


geojson_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4), max_leaves=20)


@given(st.dictionaries(st.sampled_from(["type", "features", "geometry", "properties", "id"]),
                       geojson_values, max_size=4)
       | st.builds(lambda fs: {"type": "FeatureCollection", "features": fs},
                   st.lists(geojson_values, max_size=4)))
def test_any_json_document_gives_stations_or_problems_never_a_crash(doc: object) -> None:
    try:
        records = list(geojson_records(json.dumps(doc)))
    except ImportFormatError:
        return
    result = ImportResult()
    rows = prepare(records, station_columns(Crs.WGS84), result)
    assert len(rows) + len(result.problems) == result.read == len(records)
