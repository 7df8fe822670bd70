"""The join form a station's QR code opens, in one language (Chinese, or English with lang=en):
its words, the station it was found at, and the table its script says things from."""

from __future__ import annotations

import json
import re
from html import escape
from importlib.resources import files
from urllib.parse import urlencode

from api import messages
from api.console.messages import GROUP
from api.html import page
from geo.stations import StationRecord

FORM = (files("api") / "pages" / "join.html").read_text("utf-8")
PLACE = re.compile(r"\{\{(\w+)\}\}")
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "申请加入工会", "other_lang": "English",
        "intro": "您的申请只发送给负责您工作地点的工会，不会告知您的单位。",
        "ask": "已经入会或只想求助？我要维权 · 提诉求",
        "name": "姓名", "phone": "手机号", "id_number": "身份证号（选填）",
        "occupation_group": "职业群体", "workplace_name": "工作单位", "address": "地址",
        "where": "您在哪里工作",
        "where_note": "由覆盖您主要工作地点的工会受理，这里不一定是您扫码的驿站。",
        "near_station": "我在这个驿站附近工作", "locate": "使用我当前的位置",
        "typed_note": "或者填写经纬度（填写后以所填为准）。",
        "lon": "工作地点经度", "lat": "工作地点纬度",
        "consent": "我已阅读并同意隐私说明：所填信息仅用于工会联系和办理入会，身份证号只保存不可读的校验值。",
        "submit": "提交申请",
        "station_here": "您是在驿站“{name}”找到这张申请表的。",
        "station_missing": "没有编号为 {id} 的驿站（二维码可能已过期），您仍然可以申请。",
    },
    "en": {
        "title": "Join the union", "other_lang": "中文",
        "intro": "Your application goes only to the union that covers where you work; your "
                 "employer is not told.",
        "ask": "Already a member, or only need help? Ask the union for help",
        "name": "Name", "phone": "Mobile", "id_number": "ID card number (optional)",
        "occupation_group": "Occupation", "workplace_name": "Workplace", "address": "Address",
        "where": "Where you work",
        "where_note": "The union covering where you mostly work takes your application; that "
                      "need not be where you found this form.",
        "near_station": "I work near this station", "locate": "Use my current location",
        "typed_note": "Or type the coordinates (they then come first).",
        "lon": "Longitude", "lat": "Latitude",
        "consent": "I agree to the privacy notice: what I give is used only for the union to "
                   "contact me and handle my membership; of an ID number only a check value "
                   "that cannot be read back is kept.",
        "submit": "Apply",
        "station_here": "You found this form at the station “{name}”.",
        "station_missing": "There is no station {id} (the QR code may be out of date); you can "
                           "still apply.",
    },
}
# What the form's script says as it goes.
SCRIPT: dict[str, dict[str, str]] = {
    "zh": {
        "location_denied": "您没有允许本页使用位置。请在浏览器设置中允许，或手动填写经纬度。",
        "location_unknown": "无法确定您的位置。请到室外再试，或手动填写经纬度。",
        "location_slow": "获取位置超时。请再试一次，或手动填写经纬度。",
        "not_https": "此页面不是通过 https 打开的，浏览器不提供位置，请手动填写经纬度。",
        "locating": "正在获取您的位置…", "located": "已填入您当前的位置（误差约 {m} 米）。",
        "offline": "无法连接服务器，请稍后再提交（不会重复申请）。",
        "submitted": "已提交，申请编号 {id}。", "union": "负责工会：{union}",
        "contact_by": "最迟联系日期：{deadline}", "keep_link": "保存此链接查看进度",
    },
    "en": {
        "location_denied": "You did not let this page use your location: allow it in the "
                           "browser's settings, or type the coordinates.",
        "location_unknown": "Your position could not be found: try again outdoors, or type the "
                            "coordinates.",
        "location_slow": "Finding your position took too long: try again, or type the "
                         "coordinates.",
        "not_https": "This page was not opened over https, so the browser gives no location: "
                     "type the coordinates.",
        "locating": "Finding your position…",
        "located": "Your current position is filled in (within about {m} m).",
        "offline": "Could not reach the server: submit again later (you will not apply twice).",
        "submitted": "Submitted: your application number is {id}.", "union": "Union: {union}",
        "contact_by": "Contact by: {deadline}", "keep_link": "Keep this link to follow your "
                                                             "application",
    },
}


def _script_words(lang: str) -> str:
    """As JSON inside a script element: "<" escaped, so that no text in it can close it."""
    table = messages.as_json(1 if lang == "en" else 0) | {
        "page": SCRIPT[lang], "link_suffix": "&lang=en" if lang == "en" else ""}
    return json.dumps(table, ensure_ascii=False).replace("<", "\\u003c")


SCRIPT_WORDS = {lang: _script_words(lang) for lang in WORDS}  # the same for every request


def _station(station_id: int, found: StationRecord | None, lang: str) -> str:
    t = WORDS[lang]
    if found is None:
        return (f'<p id="station-missing" class="warning">'
                f'{escape(t["station_missing"].format(id=station_id))}</p>')
    address = f"<br>{escape(found.address)}" if found.address else ""
    return (f'<div id="station" data-station-id="{found.id}" data-lon="{found.lon}" '
            f'data-lat="{found.lat}"><p class="note">'
            f'{escape(t["station_here"].format(name=found.name))}{address}</p></div>')


def join_page(lang: str, station_id: int | None, found: StationRecord | None) -> str:
    """The form; `station_id` is the station whose QR code opened it (`found` when it exists)."""
    t = WORDS[lang]
    there = {"station": station_id} if station_id is not None else {}
    other = "en" if lang == "zh" else "zh"
    asked = there | ({"lang": "en"} if lang == "en" else {})
    ask = f"/request?{urlencode(asked)}" if asked else "/request"
    switch = (f'<p class="note"><a href="/join?{escape(urlencode(there | {"lang": other}))}" '
              f'lang="{other}">{t["other_lang"]}</a></p>')
    groups = "".join(f'<option value="{value}">{words[1 if lang == "en" else 0]}</option>'
                     for value, words in GROUP.items())
    filled = {**{key: escape(text) for key, text in t.items()}, "switch": switch,
              "station": _station(station_id, found, lang) if station_id is not None else "",
              "request_link": escape(ask), "groups": groups, "messages": SCRIPT_WORDS[lang]}
    return page(t["title"], PLACE.sub(lambda m: filled[m.group(1)], FORM), lang)
