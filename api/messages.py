"""What a rider or applicant reads when something they sent cannot be used: each field named as
the pages label it, and what to type instead, in Chinese and English. API clients read the
English `message`; pages map each error's `code` and field to these words: the error pages here,
the join form's script from the same table (sent into the page as JSON)."""

from __future__ import annotations

from typing import Any

from geo.crs import swap_hint
from geo.vocab import Amenity

Words = tuple[str, str]  # (Chinese, English)

# A field as the page labels it, and what to type there.
FIELDS: dict[str, tuple[Words, Words]] = {
    "lat": (("纬度", "Latitude"), ("介于 -90 和 90 之间的数字，例如 31.2335",
                                  "a number from -90 to 90, such as 31.2335")),
    "lon": (("经度", "Longitude"), ("介于 -180 和 180 之间的数字，例如 121.4751",
                                   "a number from -180 to 180, such as 121.4751")),
    "crs": (("坐标系", "Coordinate system"), ("以下之一：wgs84（GPS）、gcj02（高德、腾讯）、bd09（百度）",
                                           "wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu)")),
    "k": (("站点数", "Number of stations"), ("介于 1 和 50 之间的整数", "a whole number from 1 to 50")),
    "radius_m": (("搜索半径（米）", "Radius (m)"), ("大于 0、不超过 50000 的数字",
                                               "a number above 0, at most 50000")),
    "amenity": (("服务", "Amenity"), ("以下之一：" + "、".join(Amenity),
                                     "one of " + ", ".join(Amenity))),
    "open_now": (("只看营业中", "Open now only"), ("以下之一：true、false", "true or false")),
    "open_24_7": (("24 小时开放", "Open 24 hours"), ("以下之一：true、false", "true or false")),
    "include_closed": (("包括暂停开放的站点", "Include closed stations"),
                       ("以下之一：true、false", "true or false")),
    "zoom": (("缩放级别", "Zoom"), ("介于 1 和 19 之间的整数", "a whole number from 1 to 19")),
    "lang": (("语言", "Language"), ("以下之一：zh、en", "zh or en")),
    "at": (("时间", "Time"), ("日期和时间，例如 2026-05-01T12:00", "a date and time, such as "
                                                          "2026-05-01T12:00")),
    "walk_m": (("步行距离（米）", "Walking distance (m)"), ("介于 50 和 10000 之间的数字",
                                                      "a number from 50 to 10000")),
    "res": (("网格大小", "Cell size"), ("介于 7 和 10 之间的整数", "a whole number from 7 to 10")),
    "station": (("驿站编号", "Station number"), ("驿站二维码里的编号（正整数）",
                                             "the number in the station's QR code (a positive "
                                             "whole number)")),
    "union_id": (("工会编号", "Union number"), ("正整数", "a positive whole number")),
    "application_id": (("申请编号", "Application number"), ("状态链接里的编号",
                                                        "the number in your status link")),
    "token": (("状态链接", "Status link"), ("提交申请后得到的完整链接",
                                        "the whole link you were given when you applied")),
    # The join form: labelled as in api/pages/join.html.
    "name": (("姓名", "Name"), ("您的姓名", "your name")),
    "phone": (("手机号", "Mobile"), ("中国大陆的 11 位手机号，例如 13812345678",
                                   "an 11-digit mainland China mobile number, such as 13812345678")),
    "id_number": (("身份证号", "ID card number"), ("居民身份证号（18 位，最后一位可以是 X），"
                                                  "或者不填", "the 18 characters of a resident ID "
                                                  "card (the last may be X), or nothing")),
    "occupation_group": (("职业群体", "Occupation"), ("列表中的一项", "one from the list")),
    "workplace.name": (("工作单位", "Workplace"), ("单位或站点的名称，最多 200 字",
                                               "the name of the employer or site, up to 200 "
                                               "characters")),
    "workplace.address": (("地址", "Address"), ("最多 500 字，或者不填",
                                              "up to 500 characters, or nothing")),
    "workplace.lon": (("工作地点经度", "Longitude"), ("介于 -180 和 180 之间的数字，例如 121.4751；"
                                                   "也可以点“使用我当前的位置”",
                                                   "a number from -180 to 180, such as 121.4751; "
                                                   "or tap “Use my current location”")),
    "workplace.lat": (("工作地点纬度", "Latitude"), ("介于 -90 和 90 之间的数字，例如 31.2335；"
                                                  "也可以点“使用我当前的位置”",
                                                  "a number from -90 to 90, such as 31.2335; "
                                                  "or tap “Use my current location”")),
    "consent": (("隐私说明", "Privacy notice"), ("请阅读并勾选同意", "read it and tick the box")),
    "workplace": (("工作单位", "Workplace"), ("名称和位置", "its name and position")),
}
MESSAGES: dict[str, Words] = {
    "missing": ("请填写“{label}”：{hint}。", "{label} is missing: give {hint}."),
    "invalid": ("{label}填写有误，请填写{hint}。", "{label} cannot be used: give {hint}."),
    "repeated": ("{label}只能给一次。", "Give {label} only once."),
    "swapped": ("{label}超出范围：纬度和经度是否填反了？请填写{hint}。",
                "{label} is out of range: did you swap latitude and longitude? Give {hint}."),
}
# Codes the API gives where pydantic's type says less than the rule that refused the value.
SWAPPED, REPEATED = "swapped_lat_lon", "repeated_parameter"
# A refusal that is not about one field, by HTTP status.
STATUS: dict[int, Words] = {
    401: ("链接不完整：请打开您提交申请后得到的完整链接。",
          "The link is incomplete: open the whole link you were given when you applied."),
    404: ("没有找到。", "Nothing was found."),
    409: ("这个手机号或身份证号已有一份正在办理的申请，或已是会员：请等待工会联系，或直接联系工会。",
          "This mobile or ID number already has an application in progress, or is a member's: "
          "wait for the union's call, or contact the union."),
    413: ("发送的内容太长。", "What was sent is too long."),
    422: ("填写的内容有误，请检查后再提交。", "Something in what was sent cannot be used: check "
                                                  "it and try again."),
    429: ("尝试次数太多，请一小时后再试。", "Too many tries: try again in an hour."),
    503: ("服务暂时无法使用，请稍后再试（不会重复提交）。",
          "The service is not available just now: try again later (you will not apply twice)."),
}
NOT_FOUND: dict[str, Words] = {
    "station": ("没有编号为 {key} 的驿站。", "There is no station {key}."),
    "union": ("没有编号为 {key} 的工会。", "There is no union {key}."),
    "application": ("没有找到这份申请。", "No such application was found."),
}
# A union with no phone on record: whom the applicant asks instead.
ASK_ABOVE: Words = ("这个工会还没有登记电话，请联系它的上级工会：",
                    "This union has no phone on record; ask the union above it:")
NO_CONTACT: Words = ("这个工会还没有登记电话。请到就近的驿站，或到您工作地点所在的街道工会询问。",
                     "This union has no phone on record: ask at a rest station nearby, or at the "
                     "street union where you work.")
OTHER: Words = ("无法完成，请稍后再试；如仍不行请联系工会。",
                "This could not be done: try again later, or contact the union.")


def field_name(loc: list[Any]) -> str:
    """'workplace.lat' for body field ['body', 'workplace', 'lat']; 'amenity' for the query's
    ['query', 'amenity', 0] (a repeated parameter's position says nothing to a rider)."""
    if loc and loc[0] in ("query", "path", "header"):
        return str(loc[1]) if len(loc) > 1 else ""
    return ".".join(str(part) for part in loc[1:])


def field_words(name: str, lang: int) -> tuple[str, str]:
    """The label and what to type of field `name`, in Chinese (`lang` 0) or English (1)."""
    (labels, hints) = FIELDS.get(name, FIELDS.get(name.rsplit(".", 1)[-1], ((name, name),
                                                                            ("", ""))))
    return labels[lang], hints[lang]


def code(error: dict[str, Any], lon_beside: object) -> str:
    """The machine-readable code of one validation error: pydantic's type, or yizhan's where it
    knows more (a latitude out of range beside a longitude that would pass as one)."""
    loc = [str(part) for part in error.get("loc", ())]
    kind = str(error.get("type", ""))
    if loc and swap_hint(loc[-1], kind, lon_beside):
        return SWAPPED
    return kind


def field_message(name: str, error_code: str, lang: int) -> str:
    label, hint = field_words(name, lang)
    key = ("missing" if error_code == "missing" else "swapped" if error_code == SWAPPED
           else "repeated" if error_code == REPEATED else "invalid")
    return MESSAGES[key][lang].format(label=label, hint=hint)


def status_message(status: int, lang: int, what: str | None = None, key: object = None) -> str:
    if status == 404 and what in NOT_FOUND:
        return NOT_FOUND[what][lang].format(key=key)
    return STATUS.get(status, OTHER)[lang]


def as_json(lang: int) -> dict[str, Any]:
    """The table for a page's script, in Chinese (`lang` 0) or English (1): fields, messages by
    kind, refusals by status."""
    return {"fields": {name: (label[lang], hint[lang]) for name, (label, hint) in FIELDS.items()},
            "messages": {kind: words[lang] for kind, words in MESSAGES.items()},
            "status": {status: words[lang] for status, words in STATUS.items()},
            "other": OTHER[lang], "swapped": SWAPPED, "repeated": REPEATED,
            "ask_above": ASK_ABOVE[lang], "no_contact": NO_CONTACT[lang],
            "contact": ("{name}（{phone}）", "{name} ({phone})")[lang]}
