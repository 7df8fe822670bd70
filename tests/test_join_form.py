"""The join form a station's QR code opens: the station is where the form was found, never
silently the workplace; an unknown station still lets the rider apply; a station that is not a
number is refused, as a page for a browser. (Its script is tried in Chromium, in
test_map_browser.)"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.test_api_stations import make
from tests.test_status_link import BROWSER


def test_the_station_is_offered_not_filled_in(client: TestClient, admin: dict[str, str]) -> None:
    station = make(client, admin, name="人民广场<b>驿站</b>", address="西藏中路 & 九江路")
    lon, lat = station["geometry"]["coordinates"]
    form = client.get("/join", params={"station": station["id"]})
    assert form.status_code == 200, form.text
    assert "人民广场&lt;b&gt;驿站&lt;/b&gt;" in form.text and "西藏中路 &amp; 九江路" in form.text
    assert f'data-station-id="{station["id"]}" data-lon="{lon}" data-lat="{lat}"' in form.text
    assert 'id="near-station-choice" hidden' in form.text  # shown by the script for a station
    assert '<input name="phone" type="tel" required inputmode="tel" autocomplete="tel"' in form.text
    assert re.search(r'<input name="lon" inputmode="decimal"', form.text)
    assert not re.search(r"<input[^>]*value=", form.text)  # no field comes filled in
    assert "{{" not in form.text and 'id="station-missing"' not in form.text


def test_an_unknown_station_says_so_and_the_form_stays(client: TestClient) -> None:
    form = client.get("/join", params={"station": 99999})
    assert form.status_code == 200
    assert "没有编号为 99999 的驿站" in form.text and "您仍然可以申请" in form.text
    assert 'id="station"' not in form.text and 'id="form"' in form.text
    english = client.get("/join", params={"station": 99999, "lang": "en"}).text
    assert "There is no station 99999" in english and "you can still apply" in english
    plain = client.get("/join").text
    assert 'id="station"' not in plain and 'id="station-missing"' not in plain and "{{" not in plain


@pytest.mark.parametrize(("query", "hint"), [
    ("station=abc", "Input should be a valid integer"),
    ("station=1.5", "Input should be a valid integer"),
    ("station=0", "greater than or equal to 1"),
    ("station=1&station=2", "given 2 times"),
])
def test_a_station_that_is_not_an_id_is_refused(client: TestClient, query: str, hint: str) -> None:
    as_json = client.get(f"/join?{query}")
    assert as_json.status_code == 422 and as_json.headers["content-type"] == "application/json"
    message = as_json.json()["message"]
    assert message.startswith("query parameter 'station': ") and hint in message, message
    as_page = client.get(f"/join?{query}", headers={"Accept": BROWSER})
    assert as_page.status_code == 422 and as_page.headers["content-type"].startswith("text/html")
    said = ("驿站编号只能给一次", "Give Station number only once") if "times" in hint else (
        "驿站编号填写有误", "Station number cannot be used")
    assert said[0] in as_page.text and said[1] not in as_page.text
    assert "query parameter" not in as_page.text  # the API's words are for API clients
    assert '<a href="/join">' in as_page.text  # the form without a station is one tap away
    english = client.get(f"/join?{query}&lang=en", headers={"Accept": BROWSER})
    assert english.status_code == 422 and said[1] in english.text and said[0] not in english.text
    assert '<a href="/join?lang=en">' in english.text and '<html lang="en">' in english.text


CHINESE = re.compile(r"[\u4e00-\u9fff]")
SCRIPT = re.compile(r"<script.*?</script>", re.S)


def test_the_form_is_in_one_language(client: TestClient, admin: dict[str, str]) -> None:
    """Chinese by default, English with lang=en: the labels, the occupations, the script's words,
    and the links to the other language, to the request form and (in the script) to the status
    page keep the language."""
    station = make(client, admin, name="Bund Rest")
    zh = client.get("/join", params={"station": station["id"]}).text
    shown = SCRIPT.sub("", zh)
    assert "姓名" in shown and "外卖骑手" in shown and "Name" not in shown and "Mobile" not in shown
    assert "已填入您当前的位置" in zh and "Your current position" not in zh and '"link_suffix": ""' in zh
    assert f'href="/join?station={station["id"]}&amp;lang=en" lang="en">English</a>' in zh
    assert f'href="/request?station={station["id"]}"' in zh
    en = client.get("/join", params={"station": station["id"], "lang": "en"}).text
    assert '<html lang="en">' in en and "Food-delivery rider" in en and "Mobile" in en
    assert not CHINESE.search(en.replace("中文", "")), CHINESE.findall(en)
    assert f'href="/request?station={station["id"]}&amp;lang=en"' in en
    assert '"link_suffix": "&lang=en"' in en
    assert client.get("/join", params={"lang": "fr"}).status_code == 422


def test_every_message_spaces_chinese_from_latin_and_digits() -> None:
    """'请填写 11 位' reads; '请填写11 位' does not: no Chinese character runs into a digit or a
    Latin letter in any message a page can show."""
    from api.messages import FIELDS, MESSAGES, REPEATED, SWAPPED, field_message

    for name in FIELDS:
        for code in ("missing", "float_parsing", SWAPPED, REPEATED):
            said = field_message(name, code, 0)
            assert not re.search(r"[\u4e00-\u9fff][0-9A-Za-z-]|[0-9A-Za-z][\u4e00-\u9fff]", said), said
    assert set(MESSAGES) == {"missing", "invalid", "repeated", "swapped"}
