"""The SQL of the matching rules, shared by matching points (geo.unions) and re-matching stored
workplaces (geo.rematch)."""

FALLBACK_M = 2_000.0  # a point covered by no area gets the nearest union within this distance

# The coverage of a cell `c.cell` (any resolution) as rows `uc (union_id, interior)`: its block's
# rows, kept where the cell's bit is set (migration 0015 explains the layout).
COVERAGE_OF_CELL = """JOIN LATERAL (
        SELECT b.union_id, (b.interior >> h3_slot(c.cell)) & 1 = 1 AS interior
        FROM union_cell_blocks b
        WHERE b.block = h3_block(c.cell) AND (b.cells >> h3_slot(c.cell)) & 1 = 1
    ) uc ON true"""


def store_cells(source: str) -> str:
    """The statement that adds the coverage cells of query `source` (cell, union_id, interior),
    in which no union may have rows yet, to `union_cell_blocks`."""
    return f"""INSERT INTO union_cell_blocks (block, union_id, cells, interior)
SELECT h3_block(c.cell), c.union_id, bit_or(1::bigint << h3_slot(c.cell)),
       bit_or(CASE WHEN c.interior THEN 1::bigint << h3_slot(c.cell) ELSE 0 END)
FROM ({source}) c GROUP BY 1, 2"""

_COVERING = """
    SELECT h.id, h.union_id, h.interior, h.rank, u.area_m2, u.code,
           NOT h.interior AND NOT ST_Contains(u.area, h.location) AS on_border
    FROM {source} h JOIN unions u ON u.id = h.union_id
    WHERE h.interior OR ST_Covers(u.area, h.location)"""


def best_match_ctes(target: str) -> str:
    """Common table expressions ending in `best (id, union_id, interior, on_border, gap)`: the
    union each row of `target` (id, location, h3_cells) is matched to by the rules of
    `geo.unions.match_many`, without listing every covering union.

    Only the deepest level a point's cells reach is tested first; the levels above are tested
    only for points in a gap of that level. Border candidates are tested in the order of their
    union, so that PostGIS reuses each area's prepared geometry row after row.
    """
    return f"""
target AS MATERIALIZED ({target}),
hits AS MATERIALIZED (
    SELECT t.id, t.location, uc.union_id, uc.interior, u.level_rank AS rank
    FROM target t, unnest(t.h3_cells) AS c(cell)
    {COVERAGE_OF_CELL} JOIN unions u ON u.id = uc.union_id
),
deepest AS MATERIALIZED (
    SELECT h.* FROM hits h JOIN (SELECT id, max(rank) AS rank FROM hits GROUP BY id) d
        USING (id, rank)
    ORDER BY h.union_id
),
covering_deepest AS MATERIALIZED ({_COVERING.format(source="deepest")}
),
in_gap AS MATERIALIZED (  -- points in a gap of the deepest level their cells reach
    SELECT * FROM hits h WHERE NOT EXISTS (SELECT FROM covering_deepest c WHERE c.id = h.id)
),
best AS (
    SELECT DISTINCT ON (c.id) c.id, c.union_id, c.interior, c.on_border,
           EXISTS (SELECT 1 FROM unions k WHERE k.parent_id = c.union_id AND k.area IS NOT NULL)
               AS gap
    FROM (SELECT * FROM covering_deepest
          UNION ALL {_COVERING.format(source="in_gap")}) c
    ORDER BY c.id, c.rank DESC, c.on_border, c.area_m2, c.code
)"""


# For each target row `t` that `best` left without a union (`b.id IS NULL`), the nearest union
# within :fallback_m metres as `n (id, d)`. Geodesic distances to whole areas (a city's outline
# has thousands of vertices) are what cost, so only areas whose box meets a lon/lat box holding
# everything within :fallback_m of the point are measured (degrees per metre taken at the box's
# poleward edge), and each is first clipped to that box: the distance to the clipped part is exact
# up to :fallback_m, and larger beyond. The search is bounded by the distance to the area nearest
# in the plane (any area's distance bounds the nearest one's, and this one's is close to it;
# measuring five such candidates cost more than the looser bound ever saved). Near a pole or
# across the antimeridian the box is the band of latitude round the globe, a superset, and whole
# areas are measured. The box is one expression of the point, so that the areas' GiST index finds
# the candidates: written as an OR of boxes it was a scan of every union for each uncovered
# point (27 ms a point at national scale).
_PER_METRE = """SELECT 1 / 110000.0 AS lat, 1 / (111000.0 * cos(radians(least(89.0,
                 abs(ST_Y(t.location)) + :fallback_m / 110000.0)))) AS lon"""
_NEAR_PART = """(CASE WHEN reach.local THEN ST_ClipByBox2D(u.area, ST_Expand(t.location,
                 :fallback_m * reach.lon, :fallback_m * reach.lat)) ELSE u.area END)::geography"""


def _near_boxes(r: str) -> str:
    """`u.area` meets the box holding everything within `r` metres of the point."""
    return f"""u.area && CASE
            WHEN reach.local THEN ST_Expand(t.location, {r} * reach.lon, {r} * reach.lat)
            ELSE ST_MakeEnvelope(-180, greatest(-90, ST_Y(t.location) - {r} * reach.lat),
                                 180, least(90, ST_Y(t.location) + {r} * reach.lat), 4326)
            END"""


NEAREST_LATERAL = f"""
LEFT JOIN LATERAL (
    WITH reach AS (
        SELECT m.lon, m.lat, abs(ST_Y(t.location)) + :fallback_m * m.lat < 89
                             AND abs(ST_X(t.location)) + :fallback_m * m.lon < 180 AS local
        FROM ({_PER_METRE}) m
    ),
    bound AS (  -- reach's columns reach the subquery as parameters, so its box is an index key
        SELECT least((
            SELECT ST_Distance({_NEAR_PART}, t.location::geography)
            FROM unions u
            WHERE b.id IS NULL AND :fallback_m > 0 AND u.area IS NOT NULL
              AND {_near_boxes(":fallback_m")}
            ORDER BY u.area <-> t.location LIMIT 1), :fallback_m) + 0.001 AS r
        FROM reach
    )
    SELECT c.id, c.d FROM (
        SELECT u.id, u.level_rank, u.code, ST_Distance({_NEAR_PART}, t.location::geography) AS d
        FROM reach, bound, unions u
        WHERE b.id IS NULL AND :fallback_m > 0 AND {_near_boxes("bound.r")}
    ) c
    WHERE c.d <= :fallback_m
    ORDER BY c.d, c.level_rank DESC, c.code
    LIMIT 1
) n ON true"""
