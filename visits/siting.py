"""Where the next stations should go: the n candidate sites that bring the most workplaces
(weighted by their members) newly within reach of a station.

The choice is greedy with lazy evaluation (a candidate's gain can only shrink as others are
picked, so a stale gain is an upper bound and only the top of the queue is ever recomputed),
then improved by swapping single picks while that covers more.
`exact` solves the same instance as an integer program (SciPy's HiGHS), for the benchmark's
ratio; `exhaustive` tries every combination, for tests on small instances."""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import h3
from sqlalchemy import Connection, func, select, text

from geo.jurisdiction import Jurisdiction
from geo.models import Station, Union, Workplace
from membership.tables import Member
from membership.vocab import MemberStatus
from visits.circle import within_reach
from visits.tables import VisitCount

U, W, M = Union.__table__, Workplace.__table__, Member.__table__
S, VC = Station.__table__, VisitCount.__table__
CANDIDATE_RES = 9  # about 0.1 km², edge about 170 m
MAX_N = 50
MAX_CANDIDATES = 200_000
RATE_DAYS = 28  # the visits that the groups' rates are taken from
EXACT_BUDGET_S = 3.0  # the integer program's time on a request; beyond it, the greedy picks
EXACT_MAX_PAIRS = 200_000  # beyond this many candidate-workplace pairs, building it alone is slow


@dataclass(frozen=True)
class Candidate:
    label: str  # an H3 cell or the name in the candidates' file
    lon: float
    lat: float


@dataclass(frozen=True)
class Instance:
    """Demand points (uncovered workplaces) with weights; for each candidate, the demand points
    it would bring within reach. `covered_weight` is what stations already reach."""
    candidates: list[Candidate]
    sets: list[frozenset[int]]
    weights: list[float]
    covered_weight: float

    @property
    def total_weight(self) -> float:
        return self.covered_weight + sum(self.weights)


def _gain(s: frozenset[int], covered: set[int], weights: Sequence[float]) -> float:
    return sum(weights[j] for j in s if j not in covered)


def greedy(sets: Sequence[frozenset[int]], weights: Sequence[float], n: int
           ) -> list[tuple[int, float]]:
    """(candidate, gain) in the order picked: the largest gain, ties to the lowest index; stops
    early when nothing more can be gained."""
    heap = [(-_gain(s, set(), weights), i) for i, s in enumerate(sets)]
    heapq.heapify(heap)
    covered: set[int] = set()
    picks: list[tuple[int, float]] = []
    while heap and len(picks) < n:
        _, i = heapq.heappop(heap)
        fresh = (-_gain(sets[i], covered, weights), i)
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)  # no longer the best: back in, at its true gain
            continue
        if fresh[0] == 0:
            break
        picks.append((i, -fresh[0]))
        covered |= sets[i]
    return picks


def improve(sets: Sequence[frozenset[int]], weights: Sequence[float], chosen: Sequence[int]
            ) -> list[int]:
    """Swap a chosen candidate for another while that covers more (local search after the
    greedy choice, which alone fell to 0.957 of the optimum on real candidates). Each round
    finds the best single swap: dropping i loses what only i covers; adding c gains what is
    uncovered in c, plus what in c only i covered."""
    picked = list(chosen)
    by_point: dict[int, list[int]] = {}
    for c, s in enumerate(sets):
        for j in s:
            by_point.setdefault(j, []).append(c)
    for _ in range(10 * max(1, len(picked))):
        count: dict[int, int] = {}
        for i in picked:
            for j in sets[i]:
                count[j] = count.get(j, 0) + 1
        base = [sum(weights[j] for j in s if j not in count) for s in sets]
        outside = sorted((c for c in range(len(sets)) if c not in set(picked)),
                         key=lambda c: (-base[c], c))
        best: tuple[float, int, int] | None = None  # (improvement, position, candidate)
        for pos, i in enumerate(picked):
            only = [j for j in sets[i] if count[j] == 1]
            loss = sum(weights[j] for j in only)
            bonus: dict[int, float] = {}
            for j in only:
                for c in by_point[j]:
                    if c != i:
                        bonus[c] = bonus.get(c, 0.0) + weights[j]
            options = [(base[c] + b - loss, c) for c, b in bonus.items() if c not in picked]
            if outside:
                options.append((base[outside[0]] - loss, outside[0]))
            for gain, c in options:
                if gain > 1e-9 and (best is None or (gain, -c) > (best[0], -best[2])):
                    best = (gain, pos, c)
        if best is None:
            break
        picked[best[1]] = best[2]
    return picked


def ordered(sets: Sequence[frozenset[int]], weights: Sequence[float], chosen: Sequence[int]
            ) -> list[tuple[int, float]]:
    """The chosen candidates in greedy order (largest gain first), each with its gain."""
    subsets = [sets[i] for i in chosen]
    return [(chosen[k], g) for k, g in greedy(subsets, weights, len(chosen))]


def choose(sets: Sequence[frozenset[int]], weights: Sequence[float], n: int,
           exact_budget_s: float = EXACT_BUDGET_S) -> tuple[list[tuple[int, float]], str]:
    """At most n picks in greedy order with their gains, and how they were found: greedy then
    improved by swaps; replaced by the integer program's answer when that, within its time
    budget, covers more (on real candidates the swaps alone stopped at 0.957 of the optimum)."""
    first = [i for i, _ in greedy(sets, weights, n)]
    picked, method = improve(sets, weights, first), "greedy"
    if exact_budget_s > 0 and sum(len(s) for s in sets) <= EXACT_MAX_PAIRS:
        best, chosen, proven = exact(sets, weights, n, exact_budget_s)
        if best > value(sets, weights, picked) + 1e-9:
            picked, method = chosen, "exact" if proven else "exact-within-time"
    return ordered(sets, weights, picked), method


def value(sets: Sequence[frozenset[int]], weights: Sequence[float], chosen: Sequence[int]
          ) -> float:
    return sum(weights[j] for j in set().union(*(sets[i] for i in chosen))) if chosen else 0.0


def exhaustive(sets: Sequence[frozenset[int]], weights: Sequence[float], n: int
               ) -> tuple[float, tuple[int, ...]]:
    """The best value of at most n candidates, by trying every combination."""
    k = min(n, len(sets))
    best: tuple[float, tuple[int, ...]] = (0.0, ())
    for combo in itertools.combinations(range(len(sets)), k):
        v = value(sets, weights, combo)
        if v > best[0]:
            best = (v, combo)
    return best


def exact(sets: Sequence[frozenset[int]], weights: Sequence[float], n: int,
          time_limit_s: float = 60.0, relaxed: bool = False) -> tuple[float, list[int], bool]:
    """The optimum of at most n candidates as a mixed integer program (maximum coverage):
    (value, chosen, proven optimal). Only candidates and demand that matter enter it. With
    `relaxed`, the linear relaxation: its value bounds the optimum from above (chosen is then
    empty), where the integer program does not finish."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    useful = [i for i, s in enumerate(sets) if s]
    demand = sorted(set().union(*(sets[i] for i in useful))) if useful else []
    if not demand:
        return 0.0, [], True
    col = {j: k for k, j in enumerate(demand)}
    nx, ny = len(useful), len(demand)
    a = lil_matrix((ny + 1, nx + ny))
    for k, i in enumerate(useful):
        for j in sets[i]:
            a[col[j], k] = -1.0  # y_j ≤ Σ x_c over the candidates c that reach j
        a[ny, k] = 1.0  # Σ x ≤ n
    for k in range(ny):
        a[k, nx + k] = 1.0
    upper = np.zeros(ny + 1)
    upper[ny] = n
    cost = np.concatenate([np.zeros(nx), -np.array([weights[j] for j in demand])])
    result = milp(cost, constraints=LinearConstraint(a.tocsr(), -np.inf, upper),
                  integrality=np.zeros(nx + ny) if relaxed else
                  np.concatenate([np.ones(nx), np.zeros(ny)]),
                  bounds=Bounds(0, 1), options={"time_limit": time_limit_s})
    if result.x is None:  # nothing feasible found in time
        return 0.0, [], False
    if relaxed:
        return float(-result.fun), [], result.status == 0
    chosen = [useful[k] for k in range(nx) if result.x[k] > 0.5]
    return value(sets, weights, chosen), chosen, result.status == 0


# From the database ---------------------------------------------------------------------------

def cell_candidates(conn: Connection, union_id: int) -> list[Candidate]:
    """The centres of the H3 cells (CANDIDATE_RES) whose centre lies in the union's area."""
    area = conn.execute(select(func.ST_AsGeoJSON(U.c.area)).where(U.c.id == union_id)).scalar()
    if area is None:
        return []
    cells = h3.geo_to_cells(json.loads(area), CANDIDATE_RES)
    if len(cells) > MAX_CANDIDATES:
        raise ValueError(f"the union's area holds {len(cells)} candidate cells, more than "
                         f"{MAX_CANDIDATES}; ask for a smaller union or give candidate places")
    out = []
    for c in sorted(cells):
        lat, lon = h3.cell_to_latlng(c)
        out.append(Candidate(c, lon, lat))
    return out


def group_rates(conn: Connection, path: str, since: datetime) -> dict[str, float]:
    """Visits per member of each occupation group at the subtree's stations since `since`,
    relative to the mean over the groups that have both: 2.0 means a member of that group
    visits twice as often as the average. Groups without visits or members are left out."""
    within = Jurisdiction(path)
    visits: dict[str, int] = {g: int(n) for g, n in conn.execute(
        select(VC.c.occupation_group, func.sum(VC.c.visits))
        .select_from(VC.join(S, S.c.id == VC.c.station_id))
        .where(VC.c.hour >= since, within.location(S.c.location))
        .group_by(VC.c.occupation_group))}
    members: dict[str, int] = {g: int(n) for g, n in conn.execute(
        select(M.c.occupation_group, func.count()).where(
            within.union(M.c.union_id), M.c.status == MemberStatus.ACTIVE.value)
        .group_by(M.c.occupation_group))}
    raw = {g: float(visits[g]) / members[g] for g in visits if members.get(g)}
    mean = sum(raw.values()) / len(raw) if raw else 0.0
    return {g: r / mean for g, r in raw.items()} if mean else {}


def instance(conn: Connection, union_id: int, candidates: list[Candidate], metres: float,
             since: datetime | None = None) -> Instance:
    """The union's workplaces (matched to its subtree), each weighing 1 plus its active
    members, a member weighing their group's relative visit rate (from the visits since
    `since`; 1 where it is not known); those with no operational station within `metres` are
    the demand."""
    path = conn.execute(select(func.ltree2text(U.c.path)).where(U.c.id == union_id)).scalar_one()
    rates = group_rates(conn, path, since) if since else {}
    in_subtree = U.c.path.op("<@")(func.text2ltree(path))
    extra: dict[int, float] = {}
    for wid, group, count in conn.execute(
            select(M.c.workplace_id, M.c.occupation_group, func.count())
            .select_from(M.join(W, W.c.id == M.c.workplace_id)
                         .join(U, U.c.id == W.c.matched_union_id))
            .where(in_subtree, M.c.status == MemberStatus.ACTIVE.value)
            .group_by(M.c.workplace_id, M.c.occupation_group)):
        extra[wid] = extra.get(wid, 0.0) + count * rates.get(group, 1.0)
    rows = [(wid, 1 + extra.get(wid, 0.0), near) for wid, near in conn.execute(
        select(W.c.id, within_reach(W.c.location, metres, None))
        .select_from(W.join(U, U.c.id == W.c.matched_union_id))
        .where(in_subtree).order_by(W.c.id))]
    covered_weight = float(sum(weight for _, weight, near in rows if near))
    demand = [(wid, float(weight)) for wid, weight, near in rows if not near]
    index = {wid: k for k, (wid, _) in enumerate(demand)}
    sets: list[set[int]] = [set() for _ in candidates]
    if demand and candidates:
        lat_max = max(abs(c.lat) for c in candidates) + 0.1
        dy = metres / 110_000 * 1.01
        dx = dy / math.cos(math.radians(min(lat_max, 89.0)))
        pairs = conn.execute(text(
            "SELECT t.i, w.id FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) "
            "WITH ORDINALITY AS t(x, y, i) "
            "JOIN workplaces w ON w.location && ST_Expand(ST_SetSRID(ST_MakePoint(t.x, t.y), "
            "4326), :dx, :dy) AND ST_DWithin(w.location::geography, "
            "ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)::geography, :m) "
            "WHERE w.id = ANY(CAST(:ids AS bigint[]))"),
            {"xs": [c.lon for c in candidates], "ys": [c.lat for c in candidates], "dx": dx,
             "dy": dy, "m": metres, "ids": [wid for wid, _ in demand]})
        for i, wid in pairs:
            sets[int(i) - 1].add(index[wid])
    return Instance(candidates, [frozenset(s) for s in sets], [w for _, w in demand],
                    covered_weight)


def suggest(inst: Instance, n: int, exact_budget_s: float = EXACT_BUDGET_S) -> dict[str, Any]:
    """The greedy picks, each with what it adds and the coverage after it."""
    picks, method = choose(inst.sets, inst.weights, n, exact_budget_s)
    total, running, out = inst.total_weight, inst.covered_weight, []
    for rank, (i, gain) in enumerate(picks, 1):
        running += gain
        c = inst.candidates[i]
        out.append({"rank": rank, "label": c.label, "lon": round(c.lon, 6),
                    "lat": round(c.lat, 6), "adds": gain,
                    "coverage_after": None if not total else round(running / total, 4)})
    return {"candidates": len(inst.candidates), "demand_workplaces": len(inst.weights),
            "weight_total": total, "weight_covered_before": inst.covered_weight,
            "coverage_before": None if not total else round(inst.covered_weight / total, 4),
            "method": method, "picks": out}


def read_candidates(geojson: dict[str, Any]) -> list[Candidate]:
    """Candidate places from a GeoJSON FeatureCollection: a point (or a shape's centre) each,
    named by its name property (else its position in the file). ValueError says what is wrong."""
    from shapely.geometry import shape

    if geojson.get("type") != "FeatureCollection":
        raise ValueError("the candidates must be a GeoJSON FeatureCollection")
    out = []
    for k, feature in enumerate(geojson.get("features") or [], 1):
        try:
            point = shape(feature["geometry"]).representative_point()
        except Exception:
            raise ValueError(f"feature {k} has no usable geometry") from None
        props = feature.get("properties") or {}
        out.append(Candidate(str(props.get("name") or f"#{k}"), point.x, point.y))
    if not out:
        raise ValueError("the candidates' file holds no features")
    return out
