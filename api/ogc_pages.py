"""The /ogc resources as small HTML pages for a person at a browser (f=html, or a browser's
Accept): drawn from the very documents the JSON answers hold. Chinese unless lang=en; the items
and an item on a map with the vendored Leaflet, whose script reads the features from the page."""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import urlsplit

from api.html import page
from geo.vocab import AMENITY_LABELS_ZH, Amenity
from maps.assets import LEAFLET

SCRIPT = "yizhan/ogc-items.js"
WORDS: dict[str, dict[str, str]] = {
    "zh": {"landing": "驿站开放数据（OGC API - Features）", "collections": "数据集",
           "conformance": "符合的标准", "api": "API 定义（OpenAPI）", "docs": "API 文档",
           "items": "要素列表", "queryables": "可筛选的属性", "json": "JSON 格式",
           "matched": "共 {n} 条，本页第 {a}–{b} 条", "none": "没有符合条件的要素。",
           "next": "下一页", "prev": "上一页", "id": "编号", "back": "返回数据集",
           "all": "全部数据集", "other": "English", "empty": "（空）", "extent": "范围（经纬度）",
           "intro": "这里的数据也可用 QGIS、GDAL 等 GIS 软件读取：连接地址即本页地址。",
           "map": "地图"},
    "en": {"landing": "yizhan open data (OGC API - Features)", "collections": "Collections",
           "conformance": "Conformance classes", "api": "API definition (OpenAPI)",
           "docs": "API documentation", "items": "Items", "queryables": "Queryable properties",
           "json": "As JSON", "matched": "{n} in all; this page shows {a} to {b}",
           "none": "No feature matches.", "next": "Next page", "prev": "Previous page",
           "id": "Id", "back": "Back to the collection", "all": "All collections",
           "other": "中文", "empty": "(empty)", "extent": "Extent (lon/lat)",
           "intro": "GIS software such as QGIS and GDAL reads this data too: connect it to this "
                    "page's address.", "map": "Map"},
}
TITLES_ZH = {"stations": "户外劳动者驿站", "unions": "区域工会", "workplaces": "工作单位"}
DESCRIPTIONS_ZH = {"stations": "驿站：饮水、遮阳、如厕、充电等；已撤销的驿站默认不列出。",
                   "unions": "网格化社区工会及其上级工会，含各自覆盖的区域。",
                   "workplaces": "户外劳动者的用人单位及其所属工会；仅限工会干部查看本辖区。"}
DESCRIPTIONS_EN = {"stations": "Rest stations for outdoor workers: water, shade, toilets, "
                                "chargers; removed stations are left out unless asked for."}
LABELS_ZH = {"external_id": "外部编号", "name": "名称", "address": "地址", "amenities": "设施",
             "opening_hours": "开放时间", "timezone": "时区", "status": "状态", "operator": "运营方",
             "phone": "电话", "last_verified_at": "最近核实", "updated_at": "更新时间",
             "code": "代码", "level": "层级", "parent_id": "上级工会编号", "area_m2": "面积（平方米）",
             "contact_address": "联系地址", "contact_phone": "联系电话", "uscc": "统一社会信用代码",
             "own_union_id": "本单位工会编号", "matched_union_id": "所属区域工会编号",
             "match_status": "匹配情况"}
LABELS_EN = {"external_id": "External id", "name": "Name", "address": "Address",
             "amenities": "Amenities", "opening_hours": "Opening hours", "timezone": "Time zone",
             "status": "Status", "operator": "Operator", "phone": "Phone",
             "last_verified_at": "Last checked", "updated_at": "Updated", "code": "Code",
             "level": "Level", "parent_id": "Parent union id", "area_m2": "Area (m²)",
             "contact_address": "Contact address", "contact_phone": "Contact phone",
             "uscc": "Unified social credit code", "own_union_id": "Own union id",
             "matched_union_id": "Area union id", "match_status": "Match"}
CODES = {  # a code's words: (Chinese, English)
    "status": {"operational": ("开放", "Open"), "temporarily_closed": ("暂停开放", "Temporarily closed"),
               "planned": ("筹建中", "Planned"), "removed": ("已撤销", "Removed")},
    "level": {"city": ("市级", "City"), "district": ("区级", "District"),
              "street": ("街道（乡镇、园区）", "Street, town or park"),
              "community": ("社区（村）", "Community or village"), "grid": ("网格", "Grid")},
}
LIST_COLUMNS = {"stations": ["name", "status", "address"], "unions": ["code", "name", "level"],
                "workplaces": ["name", "address", "match_status"]}
CSS = """<style>
body{max-width:60rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
#yz-map{height:360px;margin:1rem 0}
nav a{margin-right:1rem}
code{font-size:.85rem;word-break:break-all}
</style>"""


def _w(lang: str, key: str) -> str:
    return WORDS[lang][key]


def label(name: str, lang: str) -> str:
    return (LABELS_ZH if lang == "zh" else LABELS_EN).get(name, name)


def value_text(name: str, value: Any, lang: str) -> str:
    """A property's value as the page says it: codes in words, amenities by name."""
    if value is None or value == "":
        return _w(lang, "empty")
    if name in CODES and value in CODES[name]:
        return CODES[name][value][0 if lang == "zh" else 1]
    if name == "amenities":
        known = {a.value for a in Amenity}
        words = [AMENITY_LABELS_ZH[Amenity(a)] if lang == "zh" and a in known else a.replace("_", " ")
                 for a in str(value).split(",")]
        return ("、" if lang == "zh" else ", ").join(words)
    return str(value)


def with_html(href: str, lang: str) -> str:
    """A link to the same resource as a page in this language (a JSON link's query kept)."""
    parts = urlsplit(href)
    query = [p for p in parts.query.split("&") if p and not p.startswith(("f=", "lang="))]
    query += ["f=html", f"lang={lang}"]
    return f"{parts.path}?{'&'.join(query)}"


def with_json(href: str) -> str:
    parts = urlsplit(href)
    query = [p for p in parts.query.split("&") if p and not p.startswith(("f=", "lang="))]
    return f"{parts.path}?{'&'.join([*query, 'f=json'])}"


def _nav(lang: str, here: str, extra: str = "") -> str:
    other = "en" if lang == "zh" else "zh"
    return (f'<nav><a href="{escape(with_html("/ogc", lang))}">{_w(lang, "landing")}</a>'
            f'<a href="{escape(with_html("/ogc/collections", lang))}">{_w(lang, "all")}</a>'
            f'{extra}<a href="{escape(with_html(here, other))}" lang="{other}">'
            f'{_w(lang, "other")}</a></nav>\n')


def _page(title: str, body: str, lang: str, head: str = "") -> str:
    return page(title, body, "zh-CN" if lang == "zh" else "en", CSS + head)


def landing(doc: dict[str, Any], lang: str) -> str:
    links = {link["rel"]: link["href"] for link in doc["links"]}
    items = [(with_html(links["data"], lang), _w(lang, "collections")),
             (with_html(links["conformance"], lang), _w(lang, "conformance")),
             (urlsplit(links["service-desc"]).path, _w(lang, "api")),
             (urlsplit(links["service-doc"]).path, _w(lang, "docs")),
             (with_json("/ogc"), _w(lang, "json"))]
    listed = "".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for h, t in items)
    title = _w(lang, "landing")
    return _page(title, f"{_nav(lang, '/ogc')}<h1>{escape(title)}</h1>\n"
                        f'<p class="note">{_w(lang, "intro")}</p>\n<ul>{listed}</ul>', lang)


def conformance(doc: dict[str, Any], lang: str) -> str:
    listed = "".join(f"<li><code>{escape(uri)}</code></li>" for uri in doc["conformsTo"])
    title = _w(lang, "conformance")
    return _page(title, f"{_nav(lang, '/ogc/conformance')}<h1>{title}</h1>\n<ul>{listed}</ul>\n"
                        f'<p><a href="/ogc/conformance?f=json">{_w(lang, "json")}</a></p>', lang)


def collection_title(c: dict[str, Any], lang: str) -> str:
    return TITLES_ZH.get(c["id"], c["title"]) if lang == "zh" else str(c["title"])


def _collection_links(c: dict[str, Any], lang: str) -> str:
    here = f"/ogc/collections/{c['id']}"
    return (f'<a href="{escape(with_html(here + "/items", lang))}">{_w(lang, "items")}</a> · '
            f'<a href="{escape(here)}/queryables">{_w(lang, "queryables")}</a> · '
            f'<a href="{escape(with_json(here))}">{_w(lang, "json")}</a>')


def collections(doc: dict[str, Any], lang: str) -> str:
    rows = "".join(
        f"<tr><td><a href=\"{escape(with_html('/ogc/collections/' + c['id'], lang))}\">"
        f"{escape(collection_title(c, lang))}</a><br><code>{escape(c['id'])}</code></td>"
        f"<td>{escape(_description(c, lang))}<br>{_collection_links(c, lang)}</td></tr>"
        for c in doc["collections"])
    title = _w(lang, "collections")
    return _page(title, f"{_nav(lang, '/ogc/collections')}<h1>{title}</h1>\n<table>{rows}</table>",
                 lang)


def _description(c: dict[str, Any], lang: str) -> str:
    words = DESCRIPTIONS_ZH if lang == "zh" else DESCRIPTIONS_EN
    return str(words.get(c["id"], c["description"]))


def collection(c: dict[str, Any], lang: str) -> str:
    box = c["extent"]["spatial"]["bbox"][0]
    title = collection_title(c, lang)
    here = f"/ogc/collections/{c['id']}"
    return _page(title, f"{_nav(lang, here)}<h1>{escape(title)}</h1>\n"
                        f"<p>{escape(_description(c, lang))}</p>\n"
                        f"<dl><dt>{_w(lang, 'extent')}</dt><dd>"
                        f"{', '.join(f'{n:.4f}' for n in box)}</dd></dl>\n"
                        f"<p>{_collection_links(c, lang)}</p>", lang)


def _map(features: list[dict[str, Any]], static_base: str, tiles: dict[str, str]) -> tuple[str, str]:
    """The map's element and the page's head additions; the features go in as JSON data."""
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False
                      ).replace("</", "<\\/")
    head = f'<link rel="stylesheet" href="{static_base}/{LEAFLET}/leaflet.css">\n'
    attributes = "".join(f' data-{k}="{escape(v)}"' for k, v in tiles.items())
    body = (f'<div id="yz-map"{attributes}></div>\n'
            f'<script type="application/json" id="yz-features">{data}</script>\n'
            f'<script src="{static_base}/{LEAFLET}/leaflet.js"></script>\n'
            f'<script src="{static_base}/{SCRIPT}"></script>\n')
    return body, head


def _feature_name(feature: dict[str, Any]) -> str:
    props = feature["properties"]
    return str(props.get("name") or props.get("code") or feature["id"])


def items(c: dict[str, Any], doc: dict[str, Any], shown: list[dict[str, Any]], offset: int,
          lang: str, static_base: str, tiles: dict[str, str]) -> str:
    """A page of items: how many, a map of them, a table, and the paging links. `shown` are the
    same features with geometries as the base map draws them."""
    here = f"/ogc/collections/{c['id']}/items"
    features = doc["features"]
    names = [n for n in LIST_COLUMNS.get(c["id"], []) if any(n in f["properties"] for f in features)]
    header = "".join(f"<th>{escape(label(n, lang))}</th>" for n in names)
    rows = "".join(
        f"<tr><td><a href=\"{escape(with_html(here + '/' + str(f['id']), lang))}\">{f['id']}</a></td>"
        + "".join(f"<td>{escape(value_text(n, f['properties'].get(n), lang))}</td>" for n in names)
        + "</tr>" for f in features)
    links = {link["rel"]: link["href"] for link in doc["links"]}
    paging = " ".join(f'<a rel="{rel}" href="{escape(with_html(links[rel], lang))}">'
                      f"{_w(lang, rel)}</a>" for rel in ("prev", "next") if rel in links)
    count = _w(lang, "matched").format(n=doc["numberMatched"], a=offset + 1 if features else 0,
                                       b=offset + len(features))
    for_map = [{**f, "properties": {"name": _feature_name(f)}} for f in shown]
    map_html, head = _map(for_map, static_base, tiles)
    title = f"{collection_title(c, lang)} · {_w(lang, 'items')}"
    table = (f"<table><tr><th>{_w(lang, 'id')}</th>{header}</tr>{rows}</table>" if features
             else f"<p>{_w(lang, 'none')}</p>")
    home = with_html("/ogc/collections/" + c["id"], lang)
    back = f'<a href="{escape(home)}">{_w(lang, "back")}</a>'
    return _page(title, f"{_nav(lang, links['self'], back)}<h1>{escape(title)}</h1>\n"
                        f'<p id="yz-count">{escape(count)}</p>\n{map_html}{table}\n'
                        f"<p>{paging} <a href=\"{escape(with_json(links['self']))}\">"
                        f"{_w(lang, 'json')}</a></p>", lang, head)


def item(c: dict[str, Any], feature: dict[str, Any], shown: dict[str, Any], lang: str,
         static_base: str, tiles: dict[str, str]) -> str:
    here = f"/ogc/collections/{c['id']}/items/{feature['id']}"
    rows = "".join(f"<dt>{escape(label(k, lang))}</dt><dd>{escape(value_text(k, v, lang))}</dd>"
                   for k, v in feature["properties"].items())
    map_html, head = _map([{**shown, "properties": {"name": _feature_name(feature)}}],
                          static_base, tiles)
    title = f"{collection_title(c, lang)} · {_feature_name(feature)}"
    listed = with_html(f"/ogc/collections/{c['id']}/items", lang)
    back = f'<a href="{escape(listed)}">{_w(lang, "items")}</a>'
    return _page(title, f"{_nav(lang, here, back)}<h1>{escape(title)}</h1>\n{map_html}"
                        f"<dl>{rows}</dl>\n<p><a href=\"{escape(with_json(here))}\">"
                        f"{_w(lang, 'json')}</a></p>", lang, head)
