"""Data errors in union areas that an officer should see on a map: overlaps and gaps between
siblings, children sticking out of their parent, slivers, and areas repaired on import."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

MIN_PROBLEM_M2 = 1.0  # smaller pieces are rounding noise, not data errors
SLIVER_THINNESS = 0.05  # 4πA/P²: 1 for a disc, near 0 for a thin strip

_PIECES = """
WITH scope AS (
    SELECT * FROM unions
    WHERE area IS NOT NULL
      AND (CAST(:root AS bigint) IS NULL
           OR path <@ (SELECT path FROM unions WHERE id = CAST(:root AS bigint)))
),
sibling_overlaps AS (
    SELECT 'overlap' AS kind, ARRAY[a.code, b.code] AS codes, p.code AS parent,
           ST_CollectionExtract(ST_Intersection(a.area, b.area), 3) AS geom
    FROM scope a JOIN scope b ON a.id < b.id AND a.level = b.level
        AND a.parent_id IS NOT DISTINCT FROM b.parent_id AND a.area && b.area
        AND ST_Relate(a.area, b.area, '2********')
    LEFT JOIN unions p ON p.id = a.parent_id
),
gaps AS (
    SELECT 'gap' AS kind, ARRAY[p.code] AS codes, p.code AS parent,
           ST_CollectionExtract(ST_Difference(p.area, ST_Union(c.area)), 3) AS geom
    FROM scope p JOIN unions c ON c.parent_id = p.id AND c.area IS NOT NULL
    GROUP BY p.id, p.code, p.area
),
outside AS (
    SELECT 'outside_parent' AS kind, ARRAY[c.code] AS codes, p.code AS parent,
           ST_CollectionExtract(ST_Difference(c.area, p.area), 3) AS geom
    FROM scope c JOIN unions p ON p.id = c.parent_id AND p.area IS NOT NULL
    WHERE NOT ST_CoveredBy(c.area, p.area)
),
repaired AS (
    SELECT 'repaired' AS kind, ARRAY[s.code] AS codes, NULL AS parent, s.area AS geom
    FROM scope s WHERE s.repaired
),
pieces AS (
    SELECT kind, codes, parent, (ST_Dump(geom)).geom AS geom
    FROM (SELECT * FROM sibling_overlaps UNION ALL SELECT * FROM gaps
          UNION ALL SELECT * FROM outside) found
    WHERE NOT ST_IsEmpty(geom)
)
SELECT kind, codes, parent, ST_AsGeoJSON(geom, 7) AS geojson,
       ST_Area(geom::geography) AS area_m2,
       4 * pi() * ST_Area(geom::geography)
           / NULLIF(ST_Perimeter(geom::geography) ^ 2, 0) AS thinness
FROM pieces
WHERE ST_Area(geom::geography) >= :min_m2
UNION ALL
SELECT kind, codes, parent, ST_AsGeoJSON(geom, 7), ST_Area(geom::geography), NULL FROM repaired
ORDER BY 1, 5 DESC
"""


def report(conn: Connection, root_id: int | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of problems (under `root_id`'s subtree when given), with
    counts by kind."""
    rows = conn.execute(text(_PIECES), {"root": root_id, "min_m2": MIN_PROBLEM_M2}).all()
    features = []
    for kind, codes, parent, geojson, area_m2, thinness in rows:
        features.append({
            "type": "Feature",
            "geometry": json.loads(geojson),
            "properties": {
                "kind": kind, "unions": list(codes), "parent": parent,
                "area_m2": round(float(area_m2), 1),
                "sliver": thinness is not None and float(thinness) < SLIVER_THINNESS,
            },
        })
    counts: dict[str, int] = {}
    for f in features:
        counts[f["properties"]["kind"]] = counts.get(f["properties"]["kind"], 0) + 1
    slivers = sum(1 for f in features if f["properties"]["sliver"])
    return {"type": "FeatureCollection", "counts": counts | {"sliver": slivers},
            "features": features}
