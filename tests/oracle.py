"""An independent answer to "which stations are nearest": brute force with pyproj's geodesic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyproj import Geod

WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class OracleStation:
    id: int
    lon: float
    lat: float
    status: str = "operational"
    amenities: frozenset[str] = frozenset()
    open_now: bool | None = None


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(WGS84.inv(lon1, lat1, lon2, lat2)[2])


def brute_force_nearest(
    stations: Iterable[OracleStation],
    lon: float,
    lat: float,
    k: int,
    *,
    amenities: Iterable[str] = (),
    include_closed: bool = False,
    radius_m: float | None = None,
    open_now: bool = False,
) -> list[tuple[OracleStation, float]]:
    usable = {"operational", "temporarily_closed"} if include_closed else {"operational"}
    wanted = set(amenities)
    ranked = []
    for s in stations:
        if s.status not in usable or not wanted <= s.amenities or (open_now and not s.open_now):
            continue
        d = geodesic_m(lon, lat, s.lon, s.lat)
        if radius_m is None or d <= radius_m:
            ranked.append((s, d))
    ranked.sort(key=lambda pair: (pair[1], pair[0].id))
    return ranked[:k]


def assert_same_ranking(
    got: list[tuple[int, float]], expected: list[tuple[OracleStation, float]],
    by_id: dict[int, OracleStation], lon: float, lat: float, tol_m: float = 1e-6,
) -> None:
    """Equal up to ties: same length, same distances in order, and every station returned is at
    the distance the oracle gives it (so a swap can only be between equally distant stations)."""
    assert len(got) == len(expected), (got, [(s.id, d) for s, d in expected])
    assert len({i for i, _ in got}) == len(got), "a station appears twice"
    for (got_id, got_d), (exp, exp_d) in zip(got, expected, strict=True):
        assert abs(got_d - exp_d) <= tol_m, (got_id, got_d, exp.id, exp_d)
        s = by_id[got_id]
        assert abs(geodesic_m(lon, lat, s.lon, s.lat) - got_d) <= tol_m
        if got_id != exp.id:
            assert abs(got_d - exp_d) <= tol_m  # a tie, resolved differently
