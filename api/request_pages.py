"""The worker's pages for requests, in one language each (Chinese, or English with lang=en): the
form at /request, and the status link's page with the rating form once the request is closed.
Both work without scripts; the form's one script only fills in the phone's position. They are
drawn from the same views as the JSON answers, so they can show nothing more."""

from __future__ import annotations

import json
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from api.geojson import json_response
from api.html import NO_SCRIPTS, page, prefers_html
from api.routers.applications import PRIVATE
from maps.page import distance_text
from membership.worker_requests.tables import MAX_DESCRIPTION
from membership.worker_requests.vocab import Category, Outcome

CATEGORY = {
    "zh": {Category.WAGES: "欠薪（工资被拖欠或克扣）", Category.INJURY: "工伤",
           Category.CONTRACT: "劳动合同", Category.DISMISSAL: "被辞退",
           Category.SAFETY: "安全隐患", Category.HEAT_AND_WEATHER: "高温和恶劣天气",
           Category.REST_AND_FACILITIES: "休息、用餐和充电的地方", Category.OTHER: "其他"},
    "en": {Category.WAGES: "Unpaid or withheld wages", Category.INJURY: "A work injury",
           Category.CONTRACT: "A contract", Category.DISMISSAL: "Dismissal",
           Category.SAFETY: "Safety", Category.HEAT_AND_WEATHER: "Heat and weather",
           Category.REST_AND_FACILITIES: "A place to rest, eat or charge",
           Category.OTHER: "Something else"},
}
OUTCOME = {
    "zh": {Outcome.SOLVED: "已解决", Outcome.PARTLY_SOLVED: "部分解决",
           Outcome.NOT_SOLVED: "未能解决", Outcome.REFERRED: "已转交劳动仲裁、法院等部门处理"},
    "en": {Outcome.SOLVED: "Solved", Outcome.PARTLY_SOLVED: "Partly solved",
           Outcome.NOT_SOLVED: "Not solved",
           Outcome.REFERRED: "Referred to the body that decides it (labour arbitration, a court)"},
}
T = {
    "zh": {
        "form_title": "我要维权 · 提诉求", "status_title": "求助进度",
        "intro": "您的求助只发给负责您工作地点的工会。除非您同意，工会不会告诉您的单位是谁反映的。",
        "category": "问题类别", "choose": "请选择", "description": "发生了什么，或您需要什么",
        "where": "您在哪里工作", "where_note": "由覆盖您主要工作地点的工会受理。",
        "workplace_name": "单位名称（选填）", "address": "地址（选填）",
        "lon": "工作地点经度", "lat": "工作地点纬度", "locate": "使用我当前的位置",
        "near_station": "我在这个驿站附近工作", "contact": "怎么联系您",
        "contact_note": "手机号不填即为匿名提交：工会联系不到您，只能通过提交后得到的链接查看进度。",
        "name": "姓名（选填）", "phone": "手机号（选填）", "member_no": "会员号（选填，会员填写）",
        "may_name": "工会可以向单位说明是我反映的（不勾选，工会不会告诉单位）",
        "submit": "提交", "other_lang": "English", "error": "没有提交：",
        "station_here": "您是从驿站“{name}”打开本页的。",
        "station_missing": "没有编号为 {id} 的驿站（二维码可能已过期），您仍然可以提交。",
        "locating": "正在获取您的位置…", "located": "已填入您当前的位置（误差约 {m} 米）。",
        "no_location": "无法获取位置，请手动填写经纬度。",
        "number": "编号", "submitted_at": "提交时间", "about": "问题类别", "you": "联系人",
        "anonymous": "匿名（工会无法联系您，请保存本链接）", "handled_by": "负责工会",
        "union_phone": "工会电话", "union_address": "工会地址", "answer_by": "答复期限",
        "escalated_to": "上级督办", "outcome": "办理结果", "history": "办理记录",
        "keep": "请保存此链接，但不要转发给别人：拿到链接的人都能看到本页。",
        "estimated": "（预计：那一年的节假日安排尚未公布）",
        "rate": "您的评价", "solved_q": "您的问题解决了吗？", "yes": "解决了", "no": "没有解决",
        "stars": "给工会的办理打分（1 到 5 分）", "send": "提交评价",
        "your_rating": "您的评价：{rating} 分，{solved}。", "said_solved": "问题已解决",
        "said_not_solved": "问题没有解决", "again": "再提一个求助或诉求",
        "ask": "我要维权 · 提诉求",
    },
    "en": {
        "form_title": "Ask the union for help", "status_title": "Your request",
        "intro": "Your request goes only to the union that covers where you work. Unless you "
                 "allow it, the union does not tell your employer who asked.",
        "category": "What it is about", "choose": "Choose one",
        "description": "What happened, or what you need", "where": "Where you work",
        "where_note": "The union covering where you mostly work handles it.",
        "workplace_name": "Workplace name (optional)", "address": "Address (optional)",
        "lon": "Longitude of your workplace", "lat": "Latitude of your workplace",
        "locate": "Use my current location", "near_station": "I work near this station",
        "contact": "How to reach you",
        "contact_note": "Leave the phone out to ask anonymously: the union cannot call you, and "
                        "the link you get after sending is the only way to follow it.",
        "name": "Name (optional)", "phone": "Mobile (optional)",
        "member_no": "Member number (optional, for members)",
        "may_name": "The union may tell my employer that I asked (unticked, it never does)",
        "submit": "Send", "other_lang": "中文", "error": "Not sent: ",
        "station_here": "You opened this page from the station “{name}”.",
        "station_missing": "There is no station {id} (the QR code may be out of date); you can "
                           "still ask.",
        "locating": "Finding your position…",
        "located": "Your current position is filled in (within about {m} m).",
        "no_location": "Your position could not be found: type the coordinates.",
        "number": "Number", "submitted_at": "Sent", "about": "About", "you": "Contact",
        "anonymous": "Anonymous (the union cannot reach you: keep this link)",
        "handled_by": "Union", "union_phone": "Union's phone", "union_address": "Union's address",
        "answer_by": "Answer by", "escalated_to": "Followed up by", "outcome": "Outcome",
        "history": "History",
        "keep": "Keep this link, and keep it to yourself: anyone who has it can see this page.",
        "estimated": " (estimated: that year's public holidays are not announced yet)",
        "rate": "Your rating", "solved_q": "Was your problem solved?", "yes": "Yes",
        "no": "No", "stars": "Rate how the union handled it (1 to 5)", "send": "Send rating",
        "your_rating": "Your rating: {rating} of 5; {solved}.",
        "said_solved": "you said it was solved", "said_not_solved": "you said it was not solved",
        "again": "Ask for help again", "ask": "Ask the union for help",
    },
}
STATUS = {
    "zh": {"submitted": "已提交，等待工会受理", "acknowledged": "工会正在处理",
           "closed": "已办结"},
    "en": {"submitted": "Sent: waiting for the union to take it up",
           "acknowledged": "The union is handling it", "closed": "Closed"},
}
NEXT = {
    "zh": {"open": "工会应在 {deadline} 前办结并答复您。",
           "overdue": "工会应在 {deadline} 前答复您，但还没有办结。现由上级工会“{union}”督办，"
                      "期限是 {current}。",
           "late": "工会应在 {deadline} 前答复您，但还没有办结。请拨打下面的工会电话询问。",
           "closed": "办理结果见下面的记录。如有疑问请联系工会；您也可以再提一个。"},
    "en": {"open": "The union should close it and answer you by {deadline}.",
           "overdue": "The union should have answered by {deadline} and has not. “{union}”, one "
                      "level up, now follows it, by {current}.",
           "late": "The union should have answered by {deadline} and has not. Call the union at "
                   "the number below.",
           "closed": "The outcome is in the history below. Ask the union if anything is unclear; "
                     "you can also ask again."},
}
ACTION = {
    "zh": {"submitted": "您提交了求助", "acknowledged": "工会已受理",
           "update": "工会的进展", "handed_over": "从“{from_}”转交给“{to}”",
           "escalated": "超过期限，转由上级“{to}”督办，期限 {deadline}",
           "closed": "办结：{outcome}", "rated": "您评价了办理"},
    "en": {"submitted": "You asked", "acknowledged": "The union took it up",
           "update": "An update from the union", "handed_over": "Handed over from “{from_}” to “{to}”",
           "escalated": "Past the deadline: “{to}”, one level up, follows it, by {deadline}",
           "closed": "Closed: {outcome}", "rated": "You rated the handling"},
}
ROUTE = {
    "zh": {"area": "覆盖您工作地点的工会",
           "gap_fallback": "您的工作地点不在任何下级工会的区域内，由上级工会受理",
           "nearest_fallback": "没有工会的区域覆盖您的工作地点，由最近的工会受理（相距 {d}）",
           "own_union": "您单位自己的工会", "membership": "您会籍所在的工会",
           "forwarded": "由工会转交到这里"},
    "en": {"area": "The union whose area covers your workplace",
           "gap_fallback": "Your workplace lies in no smaller union's area, so the union above it "
                           "handles it",
           "nearest_fallback": "No union's area covers your workplace; the nearest union, {d} "
                               "away, handles it",
           "own_union": "Your employer's own union", "membership": "The union of your membership",
           "forwarded": "Handed over here by a union"},
}


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _row(term: str, value: str) -> str:
    return f"<dt>{escape(term)}</dt><dd>{value}</dd>"


def _switch(lang: str, path: str, query: dict[str, Any]) -> str:
    other = "en" if lang == "zh" else "zh"
    link = f"{path}?{urlencode({**query, 'lang': other})}"
    return f'<p class="note"><a href="{escape(link)}" lang="{other}">{T[lang]["other_lang"]}</a></p>'


def _contact(contact: dict[str, Any], lang: str) -> str:
    """A name with the phone in brackets after it; the phone alone, unbracketed, without one."""
    name, phone = (contact["name"] or "").strip(), contact["phone"]
    if not name or not phone:
        return name or phone or ""
    return f"{name}（{phone}）" if lang == "zh" else f"{name} ({phone})"


def _date(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _union_rows(lang: str, union: dict[str, Any], route: dict[str, Any]) -> list[str]:
    t = T[lang]
    why = ROUTE[lang].get(route["reason"], "")
    if route["distance_m"] is not None:
        why = why.format(d=distance_text(route["distance_m"], lang))
    rows = [_row(t["handled_by"], f"<strong>{escape(union['name'])}</strong><br>"
                                  f'<span class="note">{escape(why)}</span>')]
    if union["contact_phone"]:
        phone = escape(union["contact_phone"])
        rows.append(_row(t["union_phone"], f'<a href="tel:{phone}">{phone}</a>'))
    if union["contact_address"]:
        rows.append(_row(t["union_address"], escape(union["contact_address"])))
    return rows


def _event(lang: str, e: dict[str, Any], outcome: str | None, zone: ZoneInfo) -> str:
    words = ACTION[lang].get(e["action"], e["action"]).format(
        from_=e["from_union"] or "", to=e["to_union"] or "",
        deadline=_date(e["deadline"]) if e["deadline"] else "",
        outcome=OUTCOME[lang][Outcome(outcome)] if outcome else "")
    said = f'<br><span class="said">{escape(e["text"])}</span>' if e["text"] else ""
    return (f'<li class="{escape(e["action"])}"><time>{_local(e["at"], zone)}</time> '
            f"{escape(words)}{said}</li>")


def _rating_form(lang: str, action: str) -> str:
    t = T[lang]
    stars = "".join(f'<label class="inline"><input type="radio" name="rating" value="{n}" '
                    f'required> {n}</label>' for n in range(1, 6))
    return (f'<h2>{t["rate"]}</h2><form id="rating" method="post" action="{escape(action)}">'
            f'<fieldset><legend>{t["solved_q"]}</legend>'
            f'<label class="inline"><input type="radio" name="solved" value="true" required> '
            f'{t["yes"]}</label><label class="inline"><input type="radio" name="solved" '
            f'value="false"> {t["no"]}</label></fieldset>'
            f'<fieldset><legend>{t["stars"]}</legend>{stars}</fieldset>'
            f'<button type="submit">{t["send"]}</button></form>')


def status_page(view: dict[str, Any], lang: str, token: str, zone: ZoneInfo,
                error: str | None = None) -> str:
    """`view` is the worker's JSON view of the request; `error` a refused rating, said at the
    rating form."""
    t = T[lang]
    status, closed = view["status"], view["status"] == "closed"
    deadline = _date(view["deadline"])
    escalation = view["escalation"]
    if closed:
        state, next_text = "closed", NEXT[lang]["closed"]
    elif view["overdue"] and escalation:
        state = "overdue"
        next_text = NEXT[lang]["overdue"].format(deadline=deadline, union=escalation["union"]["name"],
                                                 current=_date(view["current_deadline"]))
    elif view["overdue"]:
        state, next_text = "overdue", NEXT[lang]["late"].format(deadline=deadline)
    else:
        state, next_text = status, NEXT[lang]["open"].format(deadline=deadline)
        if view["deadline_estimated"]:
            next_text += t["estimated"]
    contact = view["contact"]
    who = t["anonymous"] if contact is None else _contact(contact, lang)
    rows = [_row(t["number"], str(view["id"])),
            _row(t["about"], escape(CATEGORY[lang][Category(view["category"])])),
            _row(t["description"], f'<span class="said">{escape(view["description"])}</span>'),
            _row(t["you"], escape(who.strip())),
            _row(t["submitted_at"], _local(view["submitted_at"], zone)),
            *([] if closed else [_row(t["answer_by"], deadline)]),
            *_union_rows(lang, view["union"], view["route"])]
    if escalation and not closed:
        rows.append(_row(t["escalated_to"], f"<strong>{escape(escalation['union']['name'])}"
                                            f"</strong> · {_date(view['current_deadline'])}"))
    if closed:
        rows.append(_row(t["outcome"], escape(OUTCOME[lang][Outcome(view["outcome"])])))
    history = "".join(_event(lang, e, view["outcome"], zone) for e in view["events"])
    query = {"token": token, "lang": lang}
    rating = f'<p id="error" role="alert" class="status rejected">{escape(error)}</p>' if error else ""
    if view["can_rate"]:
        rating += _rating_form(lang, f"/request/{view['id']}/feedback?{urlencode(query)}")
    elif view["feedback"]:
        fb = view["feedback"]
        said = t["your_rating"].format(rating=fb["rating"],
                                       solved=t["said_solved"] if fb["solved"] else
                                       t["said_not_solved"])
        rating += f'<p id="rated">{escape(said)}</p>'
    switch = _switch(lang, f"/requests/{view['id']}", {"token": token})
    body = (f"{switch}"
            f"<h1>{t['status_title']}</h1>\n"
            f'<p class="status {state}" id="status">{escape(STATUS[lang][status])}</p>\n'
            f"<p>{escape(next_text)}</p>\n<dl>{''.join(rows)}</dl>\n{rating}\n"
            f'<h2>{t["history"]}</h2>\n<ol class="history">{history}</ol>\n'
            f'<p class="note">{t["keep"]}</p>\n'
            f'<p><a href="/request?lang={lang}">{t["again"]}</a></p>')
    return page(t["status_title"], body, lang)


_LOCATE = """<script>
(function () {
  var form = document.getElementById("form"), where = document.getElementById("where");
  var t = %s;
  var button = document.getElementById("locate");
  button.hidden = false;
  button.onclick = function () {
    if (!window.isSecureContext || !navigator.geolocation) { where.textContent = t.no; return; }
    where.textContent = t.finding;
    navigator.geolocation.getCurrentPosition(function (p) {
      form.lon.value = p.coords.longitude.toFixed(6);
      form.lat.value = p.coords.latitude.toFixed(6);
      where.textContent = t.found.replace("{m}", Math.round(p.coords.accuracy));
    }, function () { where.textContent = t.no; },
    {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  };
})();
</script>"""


def _field(label: str, control: str, hint: str = "") -> str:
    note = f'<span class="note">{escape(hint)}</span>' if hint else ""
    return f"<label>{escape(label)} {note}{control}</label>"


def form_page(lang: str, values: dict[str, str], station: tuple[int, str | None] | None,
              error: str | None, idempotency_key: str) -> str:
    """The request form; `values` what was sent before (after an error), `station` (id, name)
    where it was opened, the name None for a station that does not exist."""
    t = T[lang]

    def value(name: str) -> str:
        given = values.get(name, "")
        return f' value="{escape(given)}"' if given else ""

    chosen = values.get("category", "")
    options = [f'<option value="">{t["choose"]}</option>'] + [
        f'<option value="{c.value}"{" selected" if c.value == chosen else ""}>'
        f"{escape(CATEGORY[lang][c])}</option>" for c in Category]
    station_html, near = "", ""
    if station is not None:
        station_id, name = station
        if name is None:
            station_html = (f'<p id="station-missing" class="warning">'
                            f'{escape(t["station_missing"].format(id=station_id))}</p>')
        else:
            station_html = (f'<p id="station" class="note" data-station-id="{station_id}">'
                            f'{escape(t["station_here"].format(name=name))}</p>')
            # Ticked on a new form: a rider who scanned the station's code most likely works
            # near it; typed coordinates take precedence (api.routers.request_page._body).
            checked = " checked" if values.get("near_station") or not values else ""
            near = (f'<input type="hidden" name="station" value="{station_id}">'
                    f'<label><input type="checkbox" name="near_station" value="on"{checked}> '
                    f'{t["near_station"]}</label>')
    alert = (f'<p id="error" role="alert" class="status rejected">{t["error"]}{escape(error)}</p>'
             if error else "")
    may = " checked" if values.get("may_name_to_employer") else ""
    script = _LOCATE % json.dumps({"finding": t["locating"], "found": t["located"],
                                   "no": t["no_location"]}, ensure_ascii=False)
    query = {"station": station[0]} if station else {}
    body = (f"{_switch(lang, '/request', query)}<h1>{t['form_title']}</h1>\n"
            f'<p class="note">{t["intro"]}</p>\n{station_html}{alert}'
            f'<form id="form" method="post" action="/request?lang={lang}" novalidate>'
            f'<input type="hidden" name="idempotency_key" value="{escape(idempotency_key)}">'
            + _field(t["category"], f'<select name="category" required>{"".join(options)}</select>')
            + _field(t["description"], f'<textarea name="description" rows="5" required '
                                       f'maxlength="{MAX_DESCRIPTION}">'
                                       f'{escape(values.get("description", ""))}</textarea>')
            + f'<h2>{t["where"]}</h2><p class="note">{t["where_note"]}</p>{near}'
            + f'<button type="button" id="locate" class="locate" hidden>📍 {t["locate"]}</button>'
              f'<p id="where" class="note" role="status"></p>'
            + _field(t["lon"], f'<input name="lon" inputmode="decimal" autocomplete="off"{value("lon")}>')
            + _field(t["lat"], f'<input name="lat" inputmode="decimal" autocomplete="off"{value("lat")}>')
            + _field(t["workplace_name"], f'<input name="workplace_name" maxlength="200"'
                                          f'{value("workplace_name")}>')
            + _field(t["address"], f'<input name="address" maxlength="500"{value("address")}>')
            + f'<h2>{t["contact"]}</h2><p class="note">{t["contact_note"]}</p>'
            + _field(t["phone"], f'<input name="phone" type="tel" inputmode="tel" autocomplete="tel" '
                                 f'maxlength="32"'
                                 f'{value("phone")}>')
            + _field(t["name"], f'<input name="name" maxlength="100" autocomplete="name"{value("name")}>')
            + _field(t["member_no"], f'<input name="member_no" maxlength="20"{value("member_no")}>')
            + f'<label><input type="checkbox" name="may_name_to_employer" value="on"{may}> '
              f'{t["may_name"]}</label>'
            + f'<button type="submit">{t["submit"]}</button></form>\n{script}')
    return page(t["form_title"], body, lang)


def status_response(view: dict[str, Any], lang: str, token: str, zone: ZoneInfo,
                    error: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The status page, never cached nor sent on (the token is in the URL), with no script."""
    return HTMLResponse(status_page(view, lang, token, zone, error), status_code, headers={
        **PRIVATE, "Content-Security-Policy": f"{NO_SCRIPTS}; frame-ancestors 'none'"})


def worker_response(request: Request, zone: ZoneInfo, view: dict[str, Any], token: str,
                    lang: str) -> Response:
    """The page to a browser, the same view as JSON to everyone else."""
    if prefers_html(request):
        return status_response(view, lang, token, zone)
    return json_response(view, headers=PRIVATE)
