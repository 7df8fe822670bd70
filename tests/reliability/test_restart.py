"""The database killed and restarted under load: requests in flight get 503s, the service
recovers by itself, and every accepted application is stored exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.restart import measure


@pytest.mark.parametrize("pgbouncer", [False, True], ids=["direct", "through-pgbouncer"])
def test_a_database_restart_under_load_loses_and_doubles_nothing(tmp_path: Path,
                                                                 pgbouncer: bool) -> None:
    report = measure(tmp_path / "state", seconds=9, workers=8, pgbouncer=pgbouncer)
    print("\n".join(report.lines()))
    assert report.answers["201"] > 20
    assert report.answers["503"] + sum(n for k, n in report.answers.items()
                                       if k.startswith("connection")) > 0  # it did go down
    assert set(report.accepted.values()) == report.stored  # nothing lost, nothing extra
    assert len(report.stored) == len(report.accepted)  # one application per phone
    assert report.given_up == 0
    if pgbouncer:
        assert (report.pooled_transactions or 0) >= report.answers["201"]
    assert report.recovery_s is not None and report.recovery_s < 10
    assert set(report.answers) <= {"200", "201", "503"} | {
        k for k in report.answers if k.startswith("connection")}
