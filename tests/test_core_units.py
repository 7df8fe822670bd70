"""Coordinate systems, H3 ranges and opening hours, each against an independent answer."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import h3
import opening_hours
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from geo import hours
from geo.crs import Crs, from_wgs84, to_wgs84
from geo.h3index import STATION_RES, child_range, point_cell
from geo.navigation import navigation_links
from tests.oracle import geodesic_m

china = st.tuples(st.floats(73.7, 134.7), st.floats(18.2, 53.5))
anywhere = st.tuples(st.floats(-180, 180), st.floats(-85, 85))


# A scan of China every 0.1 degree found shifts of at most 715 m (GCJ-02) and 1,526 m (BD-09).
MAX_SHIFT_M = {Crs.GCJ02: 1000, Crs.BD09: 2000}


@given(point=china, crs=st.sampled_from([Crs.GCJ02, Crs.BD09]))
@example(point=(131.375, 42.0), crs=Crs.BD09)  # 1,507 m: above the 1,500 m first assumed
def test_conversions_round_trip_to_a_millimetre(point: tuple[float, float], crs: Crs) -> None:
    there = from_wgs84(*point, crs)
    back = to_wgs84(*there, crs)
    assert geodesic_m(*point, *back) < 0.001
    assert 1 < geodesic_m(*point, *there) < MAX_SHIFT_M[crs]  # the shift is real, and bounded


def test_known_shift_in_shanghai() -> None:
    # People's Square: the GCJ-02 point lies about 0.0045 deg east and 0.002 deg south.
    lon, lat = from_wgs84(121.4751, 31.2335, Crs.GCJ02)
    assert lon - 121.4751 == pytest.approx(0.00452, abs=2e-4)
    assert lat - 31.2335 == pytest.approx(-0.00195, abs=2e-4)


@given(point=st.tuples(st.floats(-180, 60), st.floats(-85, 85)), crs=st.sampled_from(list(Crs)))
def test_outside_china_nothing_moves(point: tuple[float, float], crs: Crs) -> None:
    assert to_wgs84(*point, crs) == point == from_wgs84(*point, crs)


@given(point=china, name=st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
       | st.sampled_from(["a&b=c#d|e:f", "外卖骑手驿站 黄浦区", "100% + ?"]))
def test_navigation_links_decode_to_the_name_and_each_apps_coordinates(
        point: tuple[float, float], name: str) -> None:
    lon, lat = point
    links = navigation_links(lon, lat, name)
    g_lon, g_lat = from_wgs84(lon, lat, Crs.GCJ02)
    b_lon, b_lat = from_wgs84(lon, lat, Crs.BD09)

    def query(url: str) -> dict[str, list[str]]:
        return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    osm = urlsplit(links["osm"])
    assert query(links["osm"]) == {"mlat": [f"{lat:.6f}"], "mlon": [f"{lon:.6f}"]}
    assert osm.fragment == f"map=18/{lat:.6f}/{lon:.6f}"
    assert query(links["amap"]) == {"to": [f"{g_lon:.6f},{g_lat:.6f},{name}"], "mode": ["ride"],
                                    "coordinate": ["gaode"], "callnative": ["1"], "src": ["yizhan"]}
    assert query(links["baidu"]) == {
        "destination": [f"latlng:{b_lat:.6f},{b_lon:.6f}|name:{name}"], "coord_type": ["bd09ll"],
        "mode": ["riding"], "src": ["yizhan"]}


@given(point=anywhere, res=st.integers(0, STATION_RES), other=anywhere)
def test_child_range_is_exactly_the_descendants(point: tuple[float, float], res: int,
                                                other: tuple[float, float]) -> None:
    parent = int(h3.str_to_int(h3.latlng_to_cell(point[1], point[0], res)))
    low, high = child_range(parent)
    for lon, lat in (point, other):
        cell = point_cell(lon, lat)
        is_child = h3.cell_to_parent(h3.int_to_str(cell), res) == h3.int_to_str(parent)
        assert (low <= cell <= high) == is_child
    assert 0 < low <= high < 2**63  # fits a signed BIGINT


def test_child_range_bounds_are_children() -> None:
    parent = h3.latlng_to_cell(31.23, 121.47, 7)
    children = sorted(int(h3.str_to_int(c)) for c in h3.cell_to_children(parent, STATION_RES))
    assert child_range(int(h3.str_to_int(parent))) == (children[0], children[-1])


SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(("expression", "at", "expected"), [
    (None, "2026-11-23T10:00:00+08:00", None),
    ("24/7", "2026-11-23T03:00:00+08:00", True),
    ("Mo-Fr 09:00-17:00", "2026-11-23T10:00:00+08:00", True),     # Monday
    ("Mo-Fr 09:00-17:00", "2026-11-22T10:00:00+08:00", False),    # Sunday
    ("Mo-Fr 09:00-17:00", "2026-11-23T01:30:00+00:00", True),     # 09:30 in Shanghai
    ("Mo-Fr 09:00-17:00; PH off", "2026-10-01T10:00:00+08:00", False),  # National Day
    ("Mo-Fr 09:00-17:00 || unknown", "2026-11-22T10:00:00+08:00", None),
    ("off", "2026-11-23T10:00:00+08:00", False),
])
def test_open_at(expression: str | None, at: str, expected: bool | None) -> None:
    assert hours.open_at(expression, datetime.fromisoformat(at), SHANGHAI, "CN") is expected


def test_other_time_zones() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 03:00 in Berlin
    assert hours.open_at("09:00-17:00", at, SHANGHAI, "CN") is True
    assert hours.open_at("09:00-17:00", at, "Europe/Berlin", "DE") is False


HOURS = ["Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00; PH off", "Mo-Su 07:30-11:45,13:15-21:59",
         "sunrise-sunset", "Sa,Su 10:00-16:00 || unknown", "24/7", "22:00-06:00"]
# Africa/Monrovia was 44 min 30 s behind UTC until 1972: its minutes begin at 30 s past a UTC minute.
ZONES = [SHANGHAI, "Europe/Berlin", "Africa/Monrovia", "Asia/Kathmandu"]


@given(expression=st.sampled_from(HOURS), zone_name=st.sampled_from(ZONES),
       at=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2199, 12, 31),
                       timezones=st.just(UTC)))
@example(expression="Mo-Fr 09:00-17:00", zone_name="Africa/Monrovia",
         at=datetime(1971, 3, 1, 9, 44, 29, tzinfo=UTC))  # 08:59:59 in Monrovia: closed
@example(expression="Mo-Fr 09:00-17:00", zone_name="Africa/Monrovia",
         at=datetime(1971, 3, 1, 9, 44, 30, tzinfo=UTC))  # 09:00:00: open
def test_open_at_evaluated_once_a_minute_is_exact(expression: str, zone_name: str,
                                                   at: datetime) -> None:
    """open_at answers a minute of local time from one evaluation; the library evaluating the
    exact instant is the oracle."""
    exact = hours.parse(expression, zone_name, "CN").state(at.astimezone(hours.zone(zone_name)))[0]
    expected = (True if exact == opening_hours.State.OPEN
                else False if exact == opening_hours.State.CLOSED else None)
    assert hours.open_at(expression, at, zone_name, "CN") is expected


@pytest.mark.parametrize("bad", ["whenever", "Mo-Fr 25:00-26:00", "Mo-Fx 09:00-17:00"])
def test_invalid_hours_say_where(bad: str) -> None:
    with pytest.raises(hours.HoursError, match="not valid OpenStreetMap opening_hours"):
        hours.validate(bad)


def test_embed_origins_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from yizhan.settings import Settings

    monkeypatch.setenv("YIZHAN_EMBED_ORIGINS", "https://app.example.com, http://10.0.0.5:8080")
    assert Settings().embed_origins == ["https://app.example.com", "http://10.0.0.5:8080"]
    monkeypatch.setenv("YIZHAN_EMBED_ORIGINS", '["*"]')
    assert Settings().embed_origins == ["*"]
    monkeypatch.setenv("YIZHAN_EMBED_ORIGINS", "https://ok.example 'unsafe-inline'")
    with pytest.raises(ValidationError, match="scheme://host"):
        Settings()


@pytest.mark.parametrize(("word", "level"), [
    ("community", "community"), ("Village", "community"), ("村", "community"), (" 社区 ", "community"),
    ("industrial park", "street"), ("乡镇", "street"), ("county", "district"), ("网格", "grid")])
def test_union_levels_are_read_under_the_names_data_files_give_them(word: str, level: str) -> None:
    from geo.vocab import UnionLevel

    assert UnionLevel.parse(word) is UnionLevel(level)


def test_an_unknown_union_level_names_the_levels_and_their_other_words() -> None:
    from geo.vocab import UnionLevel

    with pytest.raises(ValueError, match=r"level 'hamlet' is not one of city, district, street, "
                                         r"community, grid \(other words .*village.*村"):
        UnionLevel.parse("hamlet")
