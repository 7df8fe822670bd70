"""rows/s of `yizhan import stations` and `yizhan import workplaces` beside a baseline: the same
files imported by another checkout's code (say, a worktree of main), in the same run.

    .venv/bin/python -m bench.imports URL --baseline ../wt-main [--rows 20000,200000]

Each file is bench/scale.py's: external_id, name, lon, lat at rider points of the database at
URL (a synthetic one, loaded by `yizhan seed synthetic`). Each import runs in a process of its
own, with the checkout's directory first on its path; its rows are deleted and the table
vacuumed after it. Every import is run twice, the second time on the rows it just wrote (the
figure of a re-import that changes nothing).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.scale import import_csv, rider_points

RUN = """
import json, sys, time
from pathlib import Path
from sqlalchemy import text
from geo.crs import Crs
from geo.db import make_engine
from seed.station_import import import_file
from seed.workplace_import import import_workplaces

kind, path, url = sys.argv[1:]
engine = make_engine(url, pool_size=2)
run = import_file if kind == "stations" else import_workplaces
seconds = []
try:
    for _ in range(2):
        start = time.perf_counter()
        result = run(engine, Path(path), Crs.WGS84)
        seconds.append(time.perf_counter() - start)
finally:
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {kind} WHERE external_id LIKE 'bench-%'"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {kind}"))
print(json.dumps({"seconds": seconds, "read": result.read}))
"""


def timed(checkout: Path, kind: str, path: Path, url: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", RUN, kind, str(path), url], cwd=checkout,
                          capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--rows", default="20000,200000")
    parser.add_argument("--kinds", default="stations,workplaces")
    args = parser.parse_args()
    rng = random.Random(2026)
    points = rider_points(args.url, 2000, rng)
    here = Path(__file__).resolve().parents[1]
    print(f"{'':34} {'baseline':>16} {'this checkout':>16} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(r) for r in args.rows.split(",")):
            for kind in args.kinds.split(","):
                path = Path(tmp) / f"{kind}.csv"
                import_csv(path, kind, n, points, rng)
                base, new = (timed(c, kind, path, args.url) for c in (args.baseline, here))
                for label, i in (("", 0), (", again", 1)):
                    print(f"{kind} {n:,} rows{label:8} {n / base[i]:>11,.0f} rows/s "
                          f"{n / new[i]:>11,.0f} rows/s {base[i] / new[i]:>6.2f}×", flush=True)


if __name__ == "__main__":
    main()
