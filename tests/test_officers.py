"""Officer accounts and their jurisdiction: login, lock-out and revocation; every officer
endpoint tried across jurisdictions (another area's rows are 404, never listed); reports,
stale stations, the dashboard and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from officers import accounts, tokens
from officers.vocab import Role
from tests.conftest import SECRET_KEY, bearer

PASSWORD = "grid-officer-pass"
IN_K1 = (121.15, 31.15)  # community K1, in street S1, in district D1
IN_D1_ONLY = (121.05, 31.3)  # D1 outside its street S1: the district itself handles it
IN_D2 = (121.3, 31.3)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def make_officer(engine: Engine, username: str, union_code: str | None,
                 role: Role = Role.OFFICER) -> None:
    with engine.begin() as conn:
        accounts.create(conn, username, username, role, union_code, PASSWORD)


@dataclass
class Area:
    """One application, member, station, workplace, report and worker's request in an area."""

    application: int
    member: int  # enrolled from a second application, approved
    approved: int
    station: int
    workplace: int
    report: int
    request: int


def populate(client: TestClient, admin: dict[str, str], point: tuple[float, float],
             tag: str) -> Area:
    lon, lat = point

    def apply(phone: str) -> int:
        response = client.post("/applications", json={
            "name": f"工人{tag}", "phone": phone, "occupation_group": "courier",
            "workplace": {"name": f"快递站{tag}", "address": "路 1 号", "lon": lon, "lat": lat},
            "consent": True})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    digits = {"k1": "1", "d1": "2", "d2": "3"}[tag]
    application = apply(f"1390000000{digits}")
    second = apply(f"1370000000{digits}")
    approved = client.post(f"/applications/{second}/approve", headers=admin)
    station = client.post("/stations", headers=admin,
                          json={"name": f"驿站{tag}", "lon": lon, "lat": lat})
    workplace = client.post("/workplaces", headers=admin,
                            json={"name": f"单位{tag}", "lon": lon + 0.001, "lat": lat})
    report = client.post(f"/stations/{station.json()['id']}/reports", json={"kind": "no_water"})
    request = client.post("/requests", json={"category": "wages", "description": "欠薪",
                                             "workplace": {"lon": lon, "lat": lat}})
    assert {approved.status_code, station.status_code, workplace.status_code,
            report.status_code, request.status_code} <= {200, 201}, (
        approved.text, station.text, workplace.text, request.text)
    return Area(application, approved.json()["member_id"], second, station.json()["id"],
                workplace.json()["id"], report.json()["id"], request.json()["id"])


@pytest.fixture
def world(client: TestClient, admin: dict[str, str], tree: dict[str, int],
          engine: Engine) -> Iterator[dict[str, Area]]:
    for username, code in (("off-d1", "D1"), ("off-d2", "D2"), ("off-k1", "K1")):
        make_officer(engine, username, code)
    yield {"k1": populate(client, admin, IN_K1, "k1"),
           "d1": populate(client, admin, IN_D1_ONLY, "d1"),
           "d2": populate(client, admin, IN_D2, "d2")}


# Every endpoint that takes an officer's login, and how to call it on one area's rows. The test
# below fails when an endpoint is added without being listed here.
def by_id(a: Area) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"/applications/{a.application}", None),
        ("POST", f"/applications/{a.application}/contact", None),
        ("POST", f"/applications/{a.application}/approve", None),
        ("POST", f"/applications/{a.application}/reject", {"reason": "x"}),
        ("POST", f"/applications/{a.application}/forward", {"to_union_code": "C", "reason": "x"}),
        ("GET", f"/requests/{a.request}", None),
        ("POST", f"/requests/{a.request}/acknowledge", None),
        ("POST", f"/requests/{a.request}/notes", {"text": "x"}),
        ("POST", f"/requests/{a.request}/hand-over", {"to_union_code": "C", "reason": "x"}),
        ("POST", f"/requests/{a.request}/close", {"outcome": "solved", "text": "x"}),
        ("GET", f"/members/{a.member}", None),
        ("POST", f"/members/{a.member}/transfer", {"left_job": True}),
        ("GET", f"/workplaces/{a.workplace}", None),
        ("PATCH", f"/workplaces/{a.workplace}", {"name": "改名"}),
        ("DELETE", f"/workplaces/{a.workplace}", None),
        ("PATCH", f"/stations/{a.station}", {"opening_hours": "24/7"}),
        ("POST", f"/stations/{a.station}/verify", None),
        ("DELETE", f"/stations/{a.station}", None),
        ("POST", f"/reports/{a.report}/resolve", {"resolution": "x"}),
    ]


LISTS = {  # list endpoint -> how its items name their ids, and which Area field they are
    "/applications": ("applications", "application"),
    "/members": ("members", "member"),
    "/workplaces": ("workplaces", "workplace"),
    "/officer/stations": ("features", "station"),
    "/reports": ("reports", "report"),
    "/requests": ("requests", "request"),
}
OWN = {("GET", "/auth/me"), ("POST", "/auth/password"), ("GET", "/officer/dashboard"),
       ("GET", "/officer/coverage.geojson"), ("GET", "/officer/audit"),
       # counts and cells only, tried across jurisdictions in test_request_handling.py
       ("GET", "/requests/counts"), ("GET", "/requests/cells.geojson")}
ADMIN_ONLY = {("POST", "/unions"), ("PATCH", "/unions/{union_id}"),
              ("DELETE", "/unions/{union_id}")}
CREATES = {("POST", "/stations"), ("POST", "/workplaces")}
ELSEWHERE = {("GET", "/tiles/workplaces/{z}/{x}/{y}.mvt"),  # across jurisdictions in test_tiles.py
             # and in test_ogc.py: workplaces are listed and read within the jurisdiction only
             ("GET", "/ogc/collections"), ("GET", "/ogc/collections/{collection_id}"),
             ("GET", "/ogc/collections/{collection_id}/items"),
             ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"),
             ("GET", "/ogc/collections/{collection_id}/queryables"),
             ("GET", "/unions/qa"),  # a union outside the subtree is a 404: test_union_qa.py
             ("GET", "/officer/below"),  # another area's union is a 404: test_console_below.py
             # keys, visit figures, service circle and siting: test_visits.py,
             # test_service_circle.py and test_siting.py try them across jurisdictions
             ("GET", "/officer/operator-keys"), ("POST", "/officer/operator-keys"),
             ("DELETE", "/officer/operator-keys/{key_id}"), ("GET", "/officer/visits"),
             ("GET", "/officer/service-circle"), ("GET", "/officer/service-circle.geojson"),
             ("GET", "/officer/siting")}


def template(path: str) -> str:
    """/applications/7/contact -> /applications/{application_id}/contact"""
    names = {"applications": "application_id", "members": "member_id",
             "workplaces": "workplace_id", "stations": "station_id", "reports": "report_id",
             "requests": "request_id"}
    parts = path.strip("/").split("/")
    return "/" + "/".join(f"{{{names[parts[0]]}}}" if p.isdigit() else p for p in parts)


def test_every_officer_endpoint_is_tried_across_jurisdictions(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    secured = {(method.upper(), path) for path, ops in spec["paths"].items()
               for method, op in ops.items() if "security" in op}
    tried = {(m, template(p)) for m, p, _ in by_id(Area(1, 1, 1, 1, 1, 1, 1))}
    tried |= {("GET", p) for p in LISTS} | OWN | ADMIN_ONLY | CREATES | ELSEWHERE
    assert secured == tried


def test_another_areas_rows_are_404_and_never_listed(
        client: TestClient, engine: Engine, world: dict[str, Area]) -> None:
    d2 = bearer(engine, "off-d2")
    for method, path, body in by_id(world["k1"]) + by_id(world["d1"]):
        response = client.request(method, path, headers=d2, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert "no " in response.json()["message"]  # the same answer as for no row at all
    for path, (key, field) in LISTS.items():
        listed = {item["id"] for item in client.get(path, headers=d2).json()[key]}
        expected = {getattr(world["d2"], field)}
        assert listed == expected | ({world["d2"].approved} if field == "application" else set())
    # Nothing was changed by the refused calls.
    admin_view = client.get(f"/applications/{world['k1'].application}",
                            headers=bearer(engine, "test-admin")).json()
    assert admin_view["status"] == "submitted" and admin_view["union"]["code"] == "K1"


def test_an_officer_sees_the_whole_subtree_and_nothing_above(
        client: TestClient, engine: Engine, world: dict[str, Area]) -> None:
    d1, k1 = bearer(engine, "off-d1"), bearer(engine, "off-k1")
    open_ = {"status": "submitted"}
    apps = {a["id"] for a in client.get("/applications", headers=d1, params=open_).json()[
        "applications"]}
    assert apps == {world["k1"].application, world["d1"].application}
    apps = {a["id"] for a in client.get("/applications", headers=k1, params=open_).json()[
        "applications"]}
    assert apps == {world["k1"].application}
    assert client.get(f"/applications/{world['d1'].application}", headers=k1).status_code == 404
    detail = client.get(f"/applications/{world['k1'].application}", headers=k1).json()
    assert detail["phone"] == "+8613900000001"  # the full number on the detail view only
    listed = client.get("/applications", headers=k1, params=open_).json()["applications"]
    assert listed[0]["phone"] == "139****0001"
    stations = client.get("/officer/stations", headers=d1).json()["features"]
    assert {s["id"] for s in stations} == {world["k1"].station, world["d1"].station}


def test_unions_are_written_by_admins_only(client: TestClient, engine: Engine,
                                           world: dict[str, Area]) -> None:
    d1 = bearer(engine, "off-d1")
    refused = client.post("/unions", headers=d1, json={"code": "G9", "name": "g", "level": "grid",
                                                       "parent_code": "K1"})
    assert refused.status_code == 403 and "admin" in refused.json()["message"]


def test_writes_must_stay_inside_the_jurisdiction(client: TestClient, engine: Engine,
                                                  world: dict[str, Area]) -> None:
    k1 = bearer(engine, "off-k1")
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM stations")).scalar_one()
    outside = client.post("/stations", headers=k1, json={"name": "x", "lon": IN_D2[0],
                                                         "lat": IN_D2[1]})
    assert outside.status_code == 422 and "jurisdiction" in outside.json()["message"]
    inside = client.post("/stations", headers=k1, json={"name": "x", "lon": 121.19, "lat": 31.1})
    assert inside.status_code == 201
    moved = client.patch(f"/stations/{inside.json()['id']}", headers=k1,
                         json={"lon": IN_D2[0], "lat": IN_D2[1]})
    assert moved.status_code == 422
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stations")).scalar_one() == before + 1
        assert conn.execute(text("SELECT ST_X(location) FROM stations WHERE id = :id"),
                            {"id": inside.json()["id"]}).scalar_one() == 121.19
    wp = client.patch(f"/workplaces/{world['k1'].workplace}", headers=k1,
                      json={"lon": IN_D2[0], "lat": IN_D2[1]})
    assert wp.status_code == 422
    for union in ("D2", "S1"):  # another area, and the officer's own parent: not theirs to name
        named = client.patch(f"/workplaces/{world['k1'].workplace}", headers=k1,
                             json={"own_union_code": union})
        assert named.status_code == 422 and "only an admin" in named.json()["message"]
        created = client.post("/workplaces", headers=k1, json={
            "name": "x", "lon": 121.15, "lat": 31.15, "own_union_code": union})
        assert created.status_code == 422
    fixed = client.patch(f"/workplaces/{world['k1'].workplace}", headers=k1,
                         json={"lon": 121.16, "lat": 31.16})
    assert fixed.status_code == 200 and fixed.json()["matched_union"]["code"] == "K1"


def fail_until_locked(client: TestClient, engine: Engine, username: str) -> list[Any]:
    """Wrong passwords until the lock, skipping each wait; the answers, in order."""
    answers = []
    for _ in range(accounts.LOCK_AFTER):
        with engine.begin() as conn:
            conn.execute(text("UPDATE login_failures SET last_failed_at = now() - interval "
                              "'1 hour' WHERE username = :u"), {"u": username})
        answers.append(login(client, username, "wrong-password"))
    return answers


def test_login_slowdown_lockout_and_revocation(client: TestClient, engine: Engine,
                                               tree: dict[str, int]) -> None:
    make_officer(engine, "grid-a", "K1")
    good = login(client, "grid-a")
    assert good.status_code == 200 and good.json()["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {good.json()['access_token']}"}
    assert client.get("/auth/me", headers=headers).json()["union"]["code"] == "K1"
    for name in ("grid-a", "nobody-here"):  # a name that does not exist answers alike
        for _ in range(accounts.FREE_FAILURES):
            wrong = login(client, name, "wrong-password")
            assert wrong.status_code == 401
            assert wrong.json()["message"] == "wrong username or password"
        slowed = login(client, name)  # even the right password waits its turn
        assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
        assert f"wait {slowed.headers['Retry-After']} s" in slowed.json()["message"]
    answers = [r.status_code for r in fail_until_locked(client, engine, "grid-a")]
    assert answers == [401] * (accounts.LOCK_AFTER - accounts.FREE_FAILURES) + [429] * 3
    locked = login(client, "grid-a")
    assert locked.status_code == 429 and "locked" in locked.json()["message"]
    with engine.connect() as conn:
        refusals = conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'grid-a' "
                                     "AND action = 'login_refused'")).scalar_one()
    assert refusals == 2 + accounts.LOCK_AFTER + 3  # every refusal of an existing account
    with engine.begin() as conn:
        accounts.set_password(conn, "grid-a", "a-new-password-9")  # unlocks, revokes tokens
    assert client.get("/auth/me", headers=headers).status_code == 401
    fresh = login(client, "grid-a", "a-new-password-9")
    assert fresh.status_code == 200
    headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    with engine.begin() as conn:
        accounts.disable(conn, "grid-a")
    gone = client.get("/auth/me", headers=headers)
    assert gone.status_code == 401 and "disabled" in gone.json()["message"]
    refused = login(client, "grid-a", "a-new-password-9")  # the right password tells nothing
    assert refused.status_code == 401 and refused.json()["message"] == "wrong username or password"


def test_a_lock_holds_only_for_the_address_it_came_from(engine: Engine, tree: dict[str, int]
                                                        ) -> None:
    make_officer(engine, "grid-c", "K1")
    with engine.begin() as conn:
        for _ in range(accounts.LOCK_AFTER):
            conn.execute(text("UPDATE login_failures SET last_failed_at = now() - interval "
                              "'1 hour'"))
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(conn, "grid-c", "wrong-password", "attacker")
        with pytest.raises(accounts.LoginRefused, match="locked"):
            accounts.authenticate(conn, "grid-c", PASSWORD, "attacker")
        assert accounts.authenticate(conn, "grid-c", PASSWORD, "the officer").username == "grid-c"


def test_expired_forged_and_malformed_tokens_are_refused(client: TestClient, engine: Engine,
                                                         admin_account: str) -> None:
    with engine.connect() as conn:
        officer = accounts.by_username(conn, admin_account)
    assert officer is not None
    expired = tokens.issue(SECRET_KEY, officer.id, officer.token_version, minutes=-1)
    forged = tokens.issue("another-key", officer.id, officer.token_version, minutes=30)
    for token, words in ((expired, "expired"), (forged, "not valid"), ("x.y.z", "not valid")):
        response = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and words in response.json()["message"]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_change_own_password(client: TestClient, engine: Engine, tree: dict[str, int]) -> None:
    make_officer(engine, "grid-b", "K1")
    headers = {"Authorization": f"Bearer {login(client, 'grid-b').json()['access_token']}"}
    weak = client.post("/auth/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and "10 to 200" in weak.json()["message"]
    wrong = client.post("/auth/password", headers=headers,
                        json={"current_password": "not-it-at-all", "new_password": "x" * 3 + "yz12345"})
    assert wrong.status_code == 403
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'grid-b' AND "
                                 "action = 'password_change_refused'")).scalar_one() == 1
    same = client.post("/auth/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": PASSWORD})
    assert same.status_code == 422 and "differ" in same.json()["message"]
    done = client.post("/auth/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "brand-new-pass-1"})
    assert done.status_code == 204
    assert client.get("/auth/me", headers=headers).status_code == 401  # log in again
    assert login(client, "grid-b", "brand-new-pass-1").status_code == 200


def test_reports_stale_stations_and_verification(client: TestClient, engine: Engine,
                                                 world: dict[str, Area]) -> None:
    k1 = bearer(engine, "off-k1")
    stale = client.get("/officer/stations", headers=k1, params={"stale": True}).json()
    assert [(s["id"], s["properties"]["stale"], s["properties"]["open_reports"])
            for s in stale["features"]] == [(world["k1"].station, True, 1)]
    future = client.patch(f"/stations/{world['k1'].station}", headers=k1,
                          json={"last_verified_at": "2999-01-01T00:00:00Z"})
    assert future.status_code == 422 and "future" in future.json()["message"]
    closed = client.patch(f"/stations/{world['k1'].station}", headers=k1,
                          json={"status": "temporarily_closed"})
    assert closed.json()["properties"]["status"] == "temporarily_closed"
    assert client.get("/officer/stations", headers=k1, params={"stale": True}).json()["total"] == 0
    client.patch(f"/stations/{world['k1'].station}", headers=k1, json={"status": "operational"})
    verified = client.post(f"/stations/{world['k1'].station}/verify", headers=k1)
    assert verified.status_code == 200 and verified.json()["properties"]["last_verified_at"]
    assert client.get("/officer/stations", headers=k1, params={"stale": True}).json()["total"] == 0
    reports = client.get("/reports", headers=k1).json()["reports"]
    assert [(r["id"], r["kind"]) for r in reports] == [(world["k1"].report, "no_water")]
    done = client.post(f"/reports/{world['k1'].report}/resolve", headers=k1,
                       json={"resolution": "水已送到"})
    assert done.status_code == 200 and done.json()["resolved_at"]
    again = client.post(f"/reports/{world['k1'].report}/resolve", headers=k1,
                        json={"resolution": "again"})
    assert again.status_code == 409 and "水已送到" in again.json()["message"]
    assert client.get("/reports", headers=k1).json()["total"] == 0
    assert client.get("/reports", headers=k1, params={"resolved": True}).json()["total"] == 1


def test_reports_are_checked_and_rate_limited(client: TestClient, admin: dict[str, str],
                                              world: dict[str, Area]) -> None:
    gone = client.post("/stations", headers=admin, json={"name": "旧站", "lon": 121.3, "lat": 31.3})
    client.delete(f"/stations/{gone.json()['id']}", headers=admin)
    removed = client.post(f"/stations/{gone.json()['id']}/reports", json={"kind": "closed"})
    assert removed.status_code == 409 and "removed" in removed.json()["message"]
    path = f"/stations/{world['d2'].station}/reports"
    bad_kind = client.post(path, json={"kind": "on_fire"})
    assert bad_kind.status_code == 422 and "no_water" in bad_kind.json()["message"]
    bad_url = client.post(path, json={"kind": "broken", "photo_url": "javascript:alert(1)"})
    assert bad_url.status_code == 422
    assert client.post("/stations/999999/reports", json={"kind": "broken"}).status_code == 404
    # populate() sent three reports from this address; the 409 and the 404 above count too
    codes = [client.post(path, json={"kind": "crowded"}).status_code for _ in range(10)]
    assert 201 in codes and codes[-1] == 429
    limited = client.post(path, json={"kind": "crowded"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_dashboard_counts_the_jurisdiction(client: TestClient, engine: Engine,
                                           world: dict[str, Area]) -> None:
    d1 = client.get("/officer/dashboard", headers=bearer(engine, "off-d1")).json()
    assert d1["members"] == {"total": 2, "active": 2, "between_jobs": 0}  # every status, 0 too
    assert d1["applications"] == {"open": 2, "overdue": 0}
    assert d1["stations"]["by_status"]["operational"] == 2 and d1["stations"]["stale"] == 2
    assert d1["reports_unresolved"] == 2
    coverage = d1["coverage"]
    # Each workplace is 95 m from its area's station: none is beyond 1 km, all beyond 50 m.
    assert coverage["workplaces"] == 2 and coverage["workplaces_beyond"] == 0
    near = client.get("/officer/dashboard", headers=bearer(engine, "off-d1"),
                      params={"walk_m": 50}).json()["coverage"]
    assert near["workplaces_beyond"] == 2 and sum(c["workplaces"] for c in near["cells"]) == 2
    geojson = client.get("/officer/coverage.geojson", headers=bearer(engine, "off-d1"),
                         params={"walk_m": 50, "res": 9})
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = geojson.json()["features"]
    assert sum(f["properties"]["workplaces_beyond"] for f in features) == 2
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    bad = client.get("/officer/dashboard", headers=bearer(engine, "off-d1"),
                     params={"walk_m": "nan"})
    assert bad.status_code == 422


def test_audit_log_records_who_what_and_where_and_is_append_only(
        client: TestClient, engine: Engine, world: dict[str, Area]) -> None:
    k1, d2 = bearer(engine, "off-k1"), bearer(engine, "off-d2")
    client.get(f"/applications/{world['k1'].application}", headers=k1,
               params={}, )
    client.post(f"/applications/{world['k1'].application}/contact", headers=k1)
    entries = client.get("/officer/audit", headers=k1, params={"object_type": "application"}
                         ).json()["entries"]
    mine = [(e["actor"], e["action"], e["object_id"]) for e in entries if e["actor"] == "off-k1"]
    assert mine == [("off-k1", "contact", world["k1"].application),
                    ("off-k1", "read", world["k1"].application)]
    assert all(e["ip"] == "testclient" for e in entries if e["actor"] == "off-k1")
    assert {e["actor"] for e in entries} >= {"applicant", "test-admin"}
    seen_by_d2 = client.get("/officer/audit", headers=d2).json()["entries"]
    assert seen_by_d2 and all(e["object_id"] != world["k1"].application or
                              e["object_type"] != "application" for e in seen_by_d2)
    moved = client.post(f"/members/{world['k1'].member}/transfer", headers=bearer(engine, "off-d1"),
                        json={"workplace": {"name": "新单位", "lon": IN_D2[0], "lat": IN_D2[1]}})
    assert moved.status_code == 200 and moved.json()["union"]["code"] == "D2"
    arrivals = client.get("/officer/audit", headers=d2, params={"action": "transfer_in"}).json()
    assert [(e["object_id"], e["actor"]) for e in arrivals["entries"]] == [
        (world["k1"].member, "off-d1")]
    with engine.connect() as conn:
        k1_union = conn.execute(text("SELECT union_id FROM applications WHERE id = :i"),
                                {"i": world["k1"].application}).scalar_one()
    sent = client.post(f"/applications/{world['k1'].application}/forward", headers=k1,
                       json={"to_union_code": "D2", "reason": "在 D2 工作"})
    assert sent.status_code == 200 and sent.json()["union"]["code"] == "D2"
    received = client.get("/officer/audit", headers=d2, params={"action": "forward_in"}).json()
    assert [(e["object_id"], e["actor"], e["detail"]) for e in received["entries"]] == [
        (world["k1"].application, "off-k1", {"from_union_id": k1_union})]
    sending = client.get("/officer/audit", headers=k1, params={"action": "forward"}).json()
    assert [e["object_id"] for e in sending["entries"]] == [world["k1"].application]
    with engine.connect() as conn:
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def test_officers_command_line(database_url: str, client: TestClient, tree: dict[str, int]
                               ) -> None:
    from typer.testing import CliRunner

    from yizhan.cli import app

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["officers", *args], input=stdin,
                                    env={"YIZHAN_DATABASE_URL": database_url})
        return result.exit_code, result.output

    code, out = run("create", "li", "--union-code", "K1", "--name", "李网格员")
    assert code == 0 and "created officer li for union K1" in out
    password = out.split("password: ")[1].strip()
    assert login(client, "li", password).status_code == 200
    assert run("create", "li", "--union-code", "K1")[1].strip().endswith("username 'li' is taken")
    assert "no such union" in run("create", "zhao", "--union-code", "NOPE")[1]
    assert "bound to no union" in run("create", "zhao", "--role", "admin", "--union-code", "K1")[1]
    assert "10 to 200" in run("reset-password", "li", "--password-stdin", stdin="short\n")[1]
    assert run("reset-password", "li", "--password-stdin", stdin="li-new-password\n")[0] == 0
    assert login(client, "li", password).status_code == 401
    assert login(client, "li", "li-new-password").status_code == 200
    assert run("disable", "li")[0] == 0
    assert login(client, "li", "li-new-password").status_code == 401
    listed = run("list")[1].splitlines()
    assert listed[0] == "username\trole\tunion\tstate"
    assert "li\tofficer\tK1 K1 工会\tdisabled" in listed
    assert run("enable", "nobody")[0] == 1
