"""/ogc as small pages for a person at a browser: chosen by f=html or a browser's Accept (JSON
stays the default for everyone else), in Chinese unless lang=en, every value in words, the same
features the JSON answer holds, and nothing loaded from elsewhere but the base map's tiles."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.test_ogc import ITEMS, stations  # noqa: F401 (a fixture)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def visible_text(html: str) -> str:
    body = html.split("<body>", 1)[1]
    body = re.sub(r"<script.*?</script>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("path", ["/ogc", "/ogc/conformance", "/ogc/collections",
                                  "/ogc/collections/stations", ITEMS.format("stations"),
                                  ITEMS.format("unions") + "?level=district"])
@pytest.mark.usefixtures("stations")
def test_each_resource_is_a_page_for_a_browser_and_json_for_the_rest(client: TestClient,
                                                                     path: str) -> None:
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200 and "json" in answer.headers["content-type"], headers
    for lang, headers, params in (("zh-CN", {"Accept": BROWSER}, {}), ("zh-CN", {}, {"f": "html"}),
                                  ("en", {"Accept": BROWSER}, {"lang": "en"})):
        page = client.get(path, headers=headers, params=params)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        words = visible_text(page.text)
        assert not re.search(r"\bNone\b|\(\s*\)|（\s*）|\{|\}", words), words
        if lang == "en" and "items" not in path:  # items show the data's names as they are
            assert not re.search(r"[\u4e00-\u9fff]", words.replace("中文", "")), words


@pytest.mark.usefixtures("stations")
def test_the_items_page_lists_what_the_json_holds_in_words(client: TestClient) -> None:
    url = ITEMS.format("stations") + "?limit=4&sortby=-name&filter=status%3D%27operational%27"
    data = client.get(url).json()
    page = client.get(url + "&f=html").text
    ids = re.findall(r'<a href="/ogc/collections/stations/items/(\d+)\?f=html&amp;lang=zh">', page)
    assert [int(i) for i in ids] == [f["id"] for f in data["features"]]
    assert f"共 {data['numberMatched']} 条，本页第 1–4 条" in page
    assert "开放" in visible_text(page) and "operational" not in visible_text(page)
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert found, "the page links to the next one"
    following = found.group(1).replace("&amp;", "&")
    assert "f=html" in following and "sortby=-name" in following and "offset=4" in following
    english = client.get(url + "&f=html&lang=en").text
    assert "Open" in visible_text(english) and "Next page" in english
    one = client.get(f"{ITEMS.format('stations')}/{data['features'][0]['id']}?f=html&lang=en").text
    assert data["features"][0]["properties"]["name"] in one and "Amenities" in one


@pytest.mark.parametrize(("params", "words"), [
    ({"f": "xml"}, "f: 'xml' is not offered; use json or html"),
    ({"f": "html", "lang": "fr"}, "lang: 'fr' is not offered; use zh or en"),
])
def test_a_bad_f_or_lang_is_an_ogc_exception(client: TestClient, params: dict[str, str],
                                             words: str) -> None:
    for path in ("/ogc", ITEMS.format("stations")):
        answer = client.get(path, params=params)
        assert answer.status_code == 400 and answer.json()["description"] == words
