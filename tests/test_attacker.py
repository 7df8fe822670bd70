"""The service tried as an attacker would (issue 23): a foreign page cannot spend the officers'
login budget; public answers do not tell who else is in the database; officers write only
inside their jurisdiction; anonymous actors' addresses are kept only as keyed hashes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.officer_login import LOGINS_PER_WINDOW
from tests.conftest import bearer
from tests.test_officers import IN_D2, IN_K1, login, make_officer

FOREIGN = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_a_foreign_page_cannot_spend_the_officers_login_budget(
        client: TestClient, engine: Engine, tree: dict[str, int]) -> None:
    make_officer(engine, "grid-x", "K1")
    guess = {"username": "grid-x", "password": "a-guess"}
    for headers in (FOREIGN, {"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "same-site"}):
        for _ in range(LOGINS_PER_WINDOW):
            refused = client.post("/auth/token", data=guess, headers=headers)
            assert refused.status_code == 403, headers
        assert "another site's page" in refused.json()["message"]
    # Someone behind the same address tries other names: that spends nothing of grid-x's.
    for n in range(LOGINS_PER_WINDOW + 1):
        assert login(client, f"nobody-{n}", "x").status_code in (401, 429)
    own_page = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    good = client.post("/auth/token", data={"username": "grid-x", "password": "grid-officer-pass"},
                       headers=own_page)
    assert good.status_code == 200, good.text
    with engine.connect() as conn:  # the refused posts were not even seen as tries
        assert conn.execute(text("SELECT count(*) FROM login_failures WHERE username = "
                                 "'grid-x'")).scalar_one() == 0
    # The other public posts that count per address refuse foreign pages the same way.
    assert client.post("/applications", json={}, headers=FOREIGN).status_code == 403
    assert client.post("/stations/1/reports", json={"kind": "closed"},
                       headers=FOREIGN).status_code == 403


def _application(lon: float, lat: float, phone: str, **extra: Any) -> dict[str, Any]:
    return {"name": "工人", "phone": phone, "occupation_group": "courier",
            "workplace": {"name": "快递站", "lon": lon, "lat": lat}, "consent": True, **extra}


def _public(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer to the applicant, without what differs between any two applications."""
    return {k: v for k, v in answer.items()
            if k not in ("id", "status_url", "submitted_at", "phone")}


def test_an_application_tells_nothing_about_who_else_is_in_the_database(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    member_phone, open_phone, new_phone = "13800000001", "13800000002", "13800000003"
    enrolled = client.post("/applications", json=_application(*IN_K1, member_phone)).json()
    assert client.post(f"/applications/{enrolled['id']}/approve", headers=admin).status_code == 200
    first = client.post("/applications", json=_application(*IN_K1, open_phone)).json()

    answers = {phone: client.post("/applications", json=_application(*IN_K1, phone))
               for phone in (member_phone, open_phone, new_phone)}
    assert {a.status_code for a in answers.values()} == {201}
    bodies = [_public(a.json()) for a in answers.values()]
    assert bodies[0] == bodies[1] == bodies[2] and bodies[0]["status"] == "submitted"
    links = {phone: client.get(a.json()["status_url"].split("testserver", 1)[1])
             for phone, a in answers.items()}
    views = [{k: v for k, v in _public(r.json()).items() if k != "events"} | {
        "events": [e["action"] for e in r.json()["events"]]} for r in links.values()]
    assert views[0] == views[1] == views[2]

    # The officers see what the applicant does not: the merge and the membership.
    queue = {a["id"]: a for a in client.get("/applications", headers=admin,
                                            params={"limit": 500}).json()["applications"]}
    again_member, again_open, new = (queue[a.json()["id"]] for a in answers.values())
    assert again_member["duplicates"]["already_member"] is True
    assert again_member["status"] == "submitted"
    assert again_open["status"] == "merged"
    assert again_open["duplicates"]["merged_into"] == first["id"]
    assert queue[first["id"]]["duplicates"]["merged"] == [again_open["id"]]
    assert new["duplicates"] == {"merged_into": None, "merged": [], "already_member": False}
    history = client.get(f"/applications/{first['id']}", headers=admin).json()["events"]
    assert [e["action"] for e in history] == ["submitted", "resubmitted"]
    path = first["status_url"].split("testserver", 1)[1]
    page = client.get(path, headers={"Accept": "text/html"})  # the first applicant is told
    assert page.status_code == 200 and "已并入本申请" in page.text
    english = client.get(f"{path}&lang=en", headers={"Accept": "text/html"})
    assert english.status_code == 200 and "same phone or ID number" in english.text
    with engine.connect() as conn:  # still one open application per phone
        assert conn.execute(text("SELECT count(*) FROM applications WHERE phone = :p AND status "
                                 "IN ('submitted', 'contacted')"),
                            {"p": "+86" + open_phone}).scalar_one() == 1

    # The hourly limit is the same for everyone: no 409 for known numbers once it is used up.
    used = 5
    for n in range(10 - used):
        assert client.post("/applications",
                           json=_application(*IN_K1, f"1390000{n:04d}")).status_code == 201
    over = [client.post("/applications", json=_application(*IN_K1, phone)).status_code
            for phone in (member_phone, open_phone, "13900009999")]
    assert over == [429, 429, 429]


def test_an_officer_writes_workplaces_only_inside_their_jurisdiction(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    make_officer(engine, "grid-w", "D1")
    officer = bearer(engine, "grid-w")
    (k1_lon, k1_lat), (d2_lon, d2_lat) = IN_K1, IN_D2
    # Location in D2, union the officer's own: before, 201, and D2's officers then saw it.
    sneaked = client.post("/workplaces", headers=officer, json={
        "name": "越界", "lon": d2_lon, "lat": d2_lat, "own_union_code": "K1"})
    assert sneaked.status_code == 422 and "outside your jurisdiction" in sneaked.json()["message"]
    home = client.post("/workplaces", headers=officer, json={
        "name": "本区", "lon": k1_lon, "lat": k1_lat, "own_union_code": "K1"})
    assert home.status_code == 201, home.text
    moved = client.patch(f"/workplaces/{home.json()['id']}", headers=officer,
                         json={"lon": d2_lon, "lat": d2_lat})
    assert moved.status_code == 422 and "outside your jurisdiction" in moved.json()["message"]
    renamed = client.patch(f"/workplaces/{home.json()['id']}", headers=officer,
                           json={"name": "本区 2"})
    assert renamed.status_code == 200
    with engine.connect() as conn:  # nothing half-written
        names = conn.execute(text("SELECT name, ST_X(location) FROM workplaces ORDER BY id")).all()
    assert [tuple(n) for n in names] == [("本区 2", k1_lon)]
    admin_made = client.post("/workplaces", headers=admin, json={
        "name": "总部在外", "lon": d2_lon, "lat": d2_lat, "own_union_code": "K1"})
    assert admin_made.status_code == 201  # admins aside


def test_stored_workplaces_stay_hidden_from_who_cannot_list_them(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    secret = client.post("/workplaces", headers=admin, json={
        "name": "机密仓库", "address": "保密路 1 号", "lon": IN_D2[0], "lat": IN_D2[1]}).json()
    # The public: a stored workplace and a missing one are answered alike, and by no name.
    answers = [client.post("/applications", json={**_application(*IN_K1, "13700000001"),
                                                  "workplace": None, "workplace_id": wid})
               for wid in (secret["id"], 99999)]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()
    assert "机密仓库" not in answers[0].text
    # An officer of K1: a transfer to D2's workplace is answered as one that does not exist.
    make_officer(engine, "grid-t", "K1")
    officer = bearer(engine, "grid-t")
    made = client.post("/applications", json=_application(*IN_K1, "13700000002")).json()
    member = client.post(f"/applications/{made['id']}/approve", headers=admin).json()["member_id"]
    tries = [client.post(f"/members/{member}/transfer", headers=officer,
                         json={"workplace_id": wid}) for wid in (secret["id"], 99999)]
    assert [t.status_code for t in tries] == [422, 422]
    assert tries[0].json()["message"].replace(str(secret["id"]), "N") == \
        tries[1].json()["message"].replace("99999", "N")
    assert "机密仓库" not in tries[0].text and "保密路" not in tries[0].text
    own = client.post("/workplaces", headers=officer, json={
        "name": "本区单位", "lon": IN_K1[0], "lat": IN_K1[1]}).json()
    to_own = client.post(f"/members/{member}/transfer", headers=officer,
                         json={"workplace_id": own["id"]})
    assert to_own.status_code == 200 and to_own.json()["workplace"]["name"] == "本区单位"


def test_anonymous_actors_are_audited_by_keyed_hashes_only(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    from membership import identity
    from tests.conftest import SECRET_KEY

    with engine.connect() as conn:  # other tests' entries may come from other clients and keys
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()
    agent = {"User-Agent": "Mozilla/5.0 (Linux; Android 14; rider-phone)"}
    made = client.post("/applications", json=_application(*IN_K1, "13600000001"), headers=agent)
    assert made.status_code == 201
    client.get(made.json()["status_url"].split("testserver", 1)[1], headers=agent)
    station = client.post("/stations", headers=admin, json={
        "name": "驿站", "lon": IN_K1[0], "lat": IN_K1[1]}).json()
    assert client.post(f"/stations/{station['id']}/reports", json={"kind": "closed"},
                       headers=agent).status_code == 201
    hashed = identity.keyed_hash(SECRET_KEY, "client", "testclient").hex()[:32]  # as rate limits
    entries = client.get("/officer/audit", headers=admin, params={"limit": 500}).json()["entries"]
    public = [e for e in entries if e["actor"] in ("applicant", "public") and e["id"] > before]
    assert {(e["actor"], e["action"]) for e in public} >= {
        ("applicant", "submit"), ("applicant", "read"), ("public", "create")}
    for entry in public:
        assert entry["ip"] == hashed, entry
        assert entry["user_agent"] and "Mozilla" not in entry["user_agent"], entry
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT ip, user_agent FROM audit_log WHERE actor IN "
                                   "('applicant', 'public') AND id > :before"),
                              {"before": before}).all()
    assert stored and all(ip == hashed and "Android" not in ua for ip, ua in stored)
    officers = [e for e in entries if e["actor"] == "test-admin" and e["id"] > before]
    assert officers and all(e["ip"] == "testclient" for e in officers)  # staff stay in clear


def test_another_areas_external_ids_cannot_be_probed(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    client.post("/workplaces", headers=admin, json={
        "name": "外区", "external_id": "erp-7", "lon": IN_D2[0], "lat": IN_D2[1]})
    make_officer(engine, "grid-e", "K1")
    officer = bearer(engine, "grid-e")
    given = [client.post("/workplaces", headers=officer, json={
        "name": "本区", "external_id": eid, "lon": IN_K1[0], "lat": IN_K1[1]})
        for eid in ("erp-7", "erp-8")]  # before: 409 for the other area's, 201 for a new one
    assert [g.status_code for g in given] == [422, 422]
    assert given[0].json() == given[1].json()
    assert "leave it out" in given[0].json()["message"]
    made = client.post("/workplaces", headers=officer, json={
        "name": "本区", "lon": IN_K1[0], "lat": IN_K1[1]})
    assert made.status_code == 201 and made.json()["external_id"].startswith("api-")
    renamed = client.patch(f"/workplaces/{made.json()['id']}", headers=officer,
                           json={"external_id": "erp-7"})
    assert renamed.status_code == 422
    again = client.post("/workplaces", headers=admin, json={
        "name": "外区", "external_id": "erp-7", "lon": IN_D2[0], "lat": IN_D2[1]})
    assert again.status_code == 409  # an admin sees every workplace anyway
