"""An applicant's personal data goes when they withdraw, and after the retention period once
rejected or withdrawn (China's Personal Information Protection Law); an anonymous record and
the audit of each erasure, without values, stay."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.test_applications import ID_NUMBER, PHONE, apply
from tests.test_import_cli import invoke
from tests.test_status_link import BROWSER, status_path

PERSONAL = "SELECT name, phone, id_hash, id_masked, workplace_name, workplace_address, erased_at " \
           "FROM applications WHERE id = :id"


def stored(engine: Engine, application_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(PERSONAL), {"id": application_id}).one()


def erasures(engine: Engine, application_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT actor, action, detail FROM audit_log WHERE object_type = 'application' "
            "AND object_id = :id AND action IN ('withdraw', 'erase') "
            "AND at >= (SELECT created_at FROM applications WHERE id = :id) ORDER BY id"),
            {"id": application_id})]


def test_withdrawing_through_the_status_link_erases_the_applicant(
        client: TestClient, tree: dict[str, int], engine: Engine, admin: dict[str, str]) -> None:
    answer = apply(client, id_number=ID_NUMBER, headers={"Idempotency-Key": "withdraw-test-1"}).json()
    app_id, path = answer["id"], status_path(answer)
    token = path.split("token=")[1]
    client.post(f"/applications/{app_id}/contact", headers=admin, json={"note": "王小明 13812345678 已联系"})

    assert client.post(f"/applications/{app_id}/withdraw").status_code == 401
    assert client.post(f"/applications/{app_id}/withdraw", params={"token": "0" * 32}).status_code == 404
    assert client.get(f"/applications/{app_id}/withdraw", params={"token": token}).status_code == 405
    assert stored(engine, app_id).erased_at is None  # none of those changed anything

    withdrawn = client.post(f"/applications/{app_id}/withdraw", params={"token": token})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.headers["cache-control"] == "no-store"
    row = stored(engine, app_id)
    assert row[:6] == (None,) * 6 and row.erased_at is not None
    with engine.connect() as conn:
        history = conn.execute(text("SELECT actor, action, status, reason FROM application_events "
                                    "WHERE application_id = :id ORDER BY id"), {"id": app_id}).all()
        keys = conn.execute(text("SELECT count(*) FROM idempotency_keys WHERE application_id = :id"),
                            {"id": app_id}).scalar_one()
    assert [h.action for h in history] == ["submitted", "contacted", "withdrawn"]
    assert history[-1] == ("applicant", "withdrawn", "withdrawn", None)
    assert all(h.reason is None for h in history)  # the officer's note named the applicant
    assert keys == 0  # the retry key's hash of the request held the name and phone
    audit = erasures(engine, app_id)
    assert [(a["actor"], a["action"]) for a in audit] == [("applicant", "withdraw"),
                                                          ("applicant", "erase")]
    assert audit[1]["detail"]["why"] == "withdrawn" and "phone" in audit[1]["detail"]["fields"]
    assert PHONE not in str(audit) and "王小明" not in str(audit)

    mine = client.get(path).json()
    assert mine["status"] == "withdrawn" and mine["name"] is None and mine["phone"] is None
    page = client.get(path, headers={"Accept": BROWSER}).text
    english = client.get(f"{path}&lang=en", headers={"Accept": BROWSER}).text
    assert "您已撤回申请" in page and "You withdrew your application" in english
    assert "<dd>已删除</dd>" in page and "<dd>Erased</dd>" in english
    for shown in (page, english):
        assert "None" not in shown and "王小明" not in shown
        assert "<form" not in shown  # nothing left to withdraw
    officer_view = client.get(f"/applications/{app_id}", headers=admin).json()
    assert officer_view["name"] is None and officer_view["status"] == "withdrawn"

    again = client.post(f"/applications/{app_id}/withdraw", params={"token": token})
    assert again.status_code == 200 and len(erasures(engine, app_id)) == 2
    # The same person may apply again: a withdrawn application is not an open one.
    assert apply(client, id_number=ID_NUMBER).status_code == 201


def test_the_status_page_withdraws_with_a_confirmed_form(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    answer = apply(client).json()
    app_id, path = answer["id"], status_path(answer)
    token = path.split("token=")[1]
    page = client.get(path, headers={"Accept": BROWSER})
    assert f'action="/applications/{app_id}/withdraw"' in page.text and 'method="post"' in page.text
    assert "form-action 'self'" in page.headers["content-security-policy"]

    form = {"token": token}
    unconfirmed = client.post(f"/applications/{app_id}/withdraw", data=form,
                              headers={"Accept": BROWSER})
    assert unconfirmed.status_code == 422
    assert unconfirmed.headers["content-type"].startswith("text/html")
    assert "我确认撤回申请并删除我的个人信息" in unconfirmed.text
    assert stored(engine, app_id).name == "王小明"

    done = client.post(f"/applications/{app_id}/withdraw", data={**form, "confirm": "yes"},
                       headers={"Accept": BROWSER}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == path
    assert "您已撤回申请" in client.get(path, headers={"Accept": BROWSER}).text
    assert stored(engine, app_id).name is None


def test_an_english_status_page_withdraws_in_english(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    answer = apply(client).json()
    app_id, path = answer["id"], status_path(answer)
    page = client.get(f"{path}&lang=en", headers={"Accept": BROWSER}).text
    assert f'action="/applications/{app_id}/withdraw?lang=en"' in page
    assert "I withdraw my application and want my personal data erased" in page
    form = {"token": path.split("token=")[1]}
    unconfirmed = client.post(f"/applications/{app_id}/withdraw?lang=en", data=form,
                              headers={"Accept": BROWSER})
    assert unconfirmed.status_code == 422 and '<html lang="en">' in unconfirmed.text
    assert "Tick “I withdraw" in unconfirmed.text and "请勾选" not in unconfirmed.text
    done = client.post(f"/applications/{app_id}/withdraw?lang=en", data={**form, "confirm": "yes"},
                       headers={"Accept": BROWSER}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{path}&lang=en"
    assert stored(engine, app_id).name is None


def test_an_approved_application_is_not_withdrawn(
        client: TestClient, tree: dict[str, int], engine: Engine, admin: dict[str, str]) -> None:
    answer = apply(client).json()
    token = status_path(answer).split("token=")[1]
    client.post(f"/applications/{answer['id']}/approve", headers=admin)
    page = client.get(status_path(answer), headers={"Accept": BROWSER}).text
    assert "<form" not in page
    refused = client.post(f"/applications/{answer['id']}/withdraw", params={"token": token})
    assert refused.status_code == 409 and "member" in refused.json()["message"]
    assert stored(engine, answer["id"]).name == "王小明"


def test_purge_erases_rejected_and_withdrawn_applications_after_the_retention(
        client: TestClient, tree: dict[str, int], engine: Engine, admin: dict[str, str],
        database_url: str) -> None:
    ids = {}
    for label, phone in (("old_rejected", "13800000001"), ("new_rejected", "13800000002"),
                         ("old_open", "13800000003"), ("old_approved", "13800000004")):
        ids[label] = apply(client, phone=phone).json()["id"]
    for label in ("old_rejected", "new_rejected"):
        client.post(f"/applications/{ids[label]}/reject", headers=admin, json={"reason": "不在本区"})
    client.post(f"/applications/{ids['old_approved']}/approve", headers=admin)
    with engine.begin() as conn:  # decided 200 days ago
        conn.execute(text("UPDATE applications SET updated_at = now() - interval '200 days' "
                          "WHERE id = ANY(:ids)"),
                     {"ids": [ids["old_rejected"], ids["old_open"], ids["old_approved"]]})

    code, out = invoke(database_url, "data", "purge")  # the default retention: 180 days
    assert code == 0, out
    assert "erased the personal data of 1 rejected or withdrawn application(s)" in out
    assert stored(engine, ids["old_rejected"]).name is None
    for label in ("new_rejected", "old_open", "old_approved"):
        assert stored(engine, ids[label]).name == "王小明", label
    audit = erasures(engine, ids["old_rejected"])
    assert [(a["actor"], a["action"], a["detail"]["why"]) for a in audit] == [
        ("cli", "erase", "retention")]
    assert "1380000000" not in str(audit)

    code, out = invoke(database_url, "data", "purge")  # daily: nothing new to do
    assert code == 0 and "of 0 rejected" in out
    assert len(erasures(engine, ids["old_rejected"])) == 1
    code, out = invoke(database_url, "data", "purge", "--days", "1")
    assert code == 0 and "of 0 rejected" in out  # the new one was rejected today
