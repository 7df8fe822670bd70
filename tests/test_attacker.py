"""The service tried as an attacker would (issue 23): a foreign page cannot spend the officers'
login budget; public answers do not tell who else is in the database; officers write only
inside their jurisdiction; anonymous actors' addresses are kept only as keyed hashes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.routers.auth import LOGINS_PER_WINDOW
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
