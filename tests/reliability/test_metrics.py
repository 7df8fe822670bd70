"""/metrics in Prometheus's text format: requests by route template and status, latencies, and
the database pools."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    before = samples(client)
    for station_id in (123456, 654321):  # two ids, one series
        assert client.get(f"/stations/{station_id}").status_code == 404
    client.get("/stations/nearest", params={"lat": 31.2, "lon": 121.4})
    client.get("/no/such/path")
    after = samples(client)
    key = ("yizhan_requests_total", (("method", "GET"), ("route", "/stations/{station_id}"),
                                     ("status", "404")))
    assert after[key] - before.get(key, 0) == 2
    assert after[("yizhan_requests_total", (("method", "GET"), ("route", "unmatched"),
                                            ("status", "404")))] >= 1
    assert after[("yizhan_request_seconds_count", (("method", "GET"),
                                                   ("route", "/stations/nearest")))] >= 1
    assert not any("123456" in str(labels) for _, labels in after)
    pools = {dict(labels)["state"]: value for (name, labels), value in after.items()
             if name == "yizhan_db_pool_connections" and dict(labels)["pool"] == "read_engine"}
    assert set(pools) == {"in_use", "idle", "size"} and pools["size"] >= 1


def test_a_made_up_method_adds_no_series(client: TestClient) -> None:
    for method in ("FOOBAR1", "PROPFIND", "X" * 500):
        assert client.request(method, "/stations/1").status_code == 405
    methods = {dict(labels).get("method") for (name, labels) in samples(client)
               if name == "yizhan_requests_total"}
    assert "other" in methods and methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                              "OPTIONS", "other"}
