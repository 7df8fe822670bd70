"""Failover drill, short: the primary killed under join-application load and its synchronous
standby promoted; the API finds the new primary through its multi-host URL, and every
application answered 201 is on the promoted server, once."""

from __future__ import annotations

from pathlib import Path

from bench.failover import measure


def test_a_failover_under_load_loses_and_doubles_no_application(tmp_path: Path) -> None:
    drill = measure(tmp_path, seconds=8, workers=8)
    print("\n".join(drill.lines()))
    report = drill.report
    assert report.answers["201"] > 20
    assert report.first_after is not None  # the API wrote to the promoted standby by itself
    assert set(report.accepted.values()) == report.stored  # nothing lost, nothing extra
    assert len(report.stored) == len(report.accepted)  # one application per phone
    assert report.given_up == 0
    assert set(report.answers) <= {"200", "201", "503"} | {
        k for k in report.answers if k.startswith("connection")}
