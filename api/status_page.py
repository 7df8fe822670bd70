"""The applicant's status link as a page for a phone: drawn from the very view the JSON answer
holds, so that it can show nothing more; in Chinese, or in English with lang=en."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from api.html import page
from api.messages import ASK_ABOVE, NO_CONTACT
from maps.page import distance_text
from officers.erasure import WITHDRAWABLE

STATUS = {
    "submitted": ("已提交，等待工会联系您", "Submitted: waiting for the union to contact you"),
    "contacted": ("工会已与您联系", "The union has contacted you"),
    "approved": ("申请已通过，您已是工会会员", "Approved: you are a member of the union"),
    "rejected": ("申请未通过", "Not approved"),
    "withdrawn": ("您已撤回申请", "You withdrew your application"),
}
NEXT = {
    "submitted": ("工会将在 {deadline} 前联系您（提交后 15 个工作日内），请留意来电。",
                  "The union will contact you by {deadline} (within 15 working days of applying): "
                  "watch for their call."),
    "overdue": ("工会应在 {deadline} 前联系您，但还没有联系。请拨打下面的工会电话询问。",
                "The union should have contacted you by {deadline} and has not yet. Call the union "
                "at the number below."),
    "contacted": ("工会正在为您办理入会，办好后本页会显示“申请已通过”。",
                  "The union is handling your membership; this page will say “Approved” once it "
                  "is done."),
    "approved": ("欢迎加入工会！换工作时，您的会籍会转到新工作地点所在的工会。",
                 "Welcome to the union. When you change jobs, your membership moves to the union "
                 "where you then work."),
    "rejected": ("原因见下面的办理记录。如有疑问请联系工会；您也可以重新申请。",
                 "The reason is in the history below. Ask the union if anything is unclear; you "
                 "may also apply again."),
    "withdrawn": ("您的姓名、电话、身份证号和填写的工作单位已删除，只保留一条不记名的申请记录。"
                  "工会不会再联系您。您可以随时重新申请。",
                  "Your name, phone number, ID number and the workplace you gave have been "
                  "erased; only a record without your name that an application was made is kept. "
                  "The union will not contact you about it. You may apply again at any time."),
}
ESTIMATED = ("（预计：那一年的节假日安排尚未公布）",
             " (estimated: that year's public holidays are not announced yet)")
ROUTE = {
    "area": ("覆盖您工作地点的工会", "The union whose area covers your workplace"),
    "gap_fallback": ("您的工作地点不在任何下级工会的区域内，由覆盖它的上级工会受理",
                     "Your workplace lies in no smaller union's area, so the union above it handles "
                     "it"),
    "nearest_fallback": ("没有工会的区域覆盖您的工作地点，由最近的工会受理（相距 {zh}）",
                         "No union's area covers your workplace; the nearest union, {en} away, "
                         "handles it"),
    "own_union": ("您单位自己的工会", "Your employer's own union"),
    "forwarded": ("由工会转交到这里", "Forwarded here by a union"),
}
ACTION = {
    "submitted": ("提交申请", "You applied"),
    "contacted": ("工会已联系您", "The union contacted you"),
    "forwarded": ("转交给另一工会", "Forwarded to another union"),
    "approved": ("通过，成为会员", "Approved: you became a member"),
    "rejected": ("未通过", "Not approved"),
    "resubmitted": ("又收到一份电话或身份证号相同的申请，已并入本申请",
                    "Another application with the same phone or ID number came in and was merged "
                    "into this one"),
    "withdrawn": ("撤回申请", "You withdrew the application"),
}
ERASED = ("已删除", "Erased")
LABELS = {
    "title": ("入会申请进度", "Your application"), "id": ("申请编号", "Application"),
    "applicant": ("申请人", "Applicant"), "workplace": ("工作单位", "Workplace"),
    "submitted": ("提交时间", "Submitted"), "contact_by": ("最迟联系日期", "Contact by"),
    "union": ("负责工会", "Union"), "phone": ("工会电话", "Phone"),
    "address": ("工会地址", "Address"), "whom": ("联系谁", "Whom to ask"),
    "reason": ("原因：", "Reason: "), "history": ("办理记录", "History"),
    "again": ("重新申请", "Apply again"), "other_lang": ("English", "中文"),
    "keep": ("请保存此链接，但不要转发给别人：拿到链接的人都能看到本页。",
             "Keep this link, and keep it to yourself: anyone who has it can see this page."),
    "ask": ("需要工会帮助？我要维权 · 提诉求", "Need the union's help? Ask for it here"),
    "withdraw": ("撤回申请", "Withdraw"),
    "withdraw_note": ("撤回后，工会不再办理您的申请，您的姓名、电话、身份证号和填写的工作单位会立即删除，"
                      "无法恢复。",
                      "If you withdraw, the union stops handling your application, and your name, "
                      "phone number, ID number and the workplace you gave are erased at once, for "
                      "good."),
    "confirm": ("我确认撤回申请并删除我的个人信息",
                "I withdraw my application and want my personal data erased"),
    "withdraw_button": ("撤回申请", "Withdraw my application"),
}


class _Say:
    """The page's words in its language: `say(pair)` picks and escapes."""

    def __init__(self, lang: str) -> None:
        self.i = 1 if lang == "en" else 0
        self.lang = "en" if lang == "en" else "zh"

    def __call__(self, words: tuple[str, str]) -> str:
        return escape(words[self.i])

    def label(self, key: str) -> str:
        return self(LABELS[key])

    def link(self, path: str) -> str:
        """`path` in the page's language."""
        if self.lang == "zh":
            return path
        return path + ("&" if "?" in path else "?") + "lang=en"


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _row(term: str, value: str) -> str:
    return f"<dt>{term}</dt><dd>{value}</dd>"


def _route(route: dict[str, Any], say: _Say) -> str:
    words = ROUTE.get(route["reason"], (route["reason"], route["reason"]))
    text = words[say.i]
    if route["distance_m"] is not None:
        text = text.format(zh=distance_text(route["distance_m"], "zh"),
                           en=distance_text(route["distance_m"], "en"))
    return escape(text)


def _union(union: dict[str, Any], route: dict[str, Any], say: _Say) -> str:
    rows = [_row(say.label("union"), f"<strong>{escape(union['name'])}</strong><br>"
                                     f'<span class="note">{_route(route, say)}</span>')]
    if union["contact_phone"]:
        phone = escape(union["contact_phone"])
        rows.append(_row(say.label("phone"), f'<a href="tel:{phone}">{phone}</a>'))
    if union["contact_address"]:
        rows.append(_row(say.label("address"), escape(union["contact_address"])))
    if not union["contact_phone"]:
        rows.append(_row(say.label("whom"), _ask(union.get("ask_instead"), say)))
    return "".join(rows)


def _ask(above: dict[str, Any] | None, say: _Say) -> str:
    """For a union with no phone on record: the union above it that has one, or where to go."""
    if above is None:
        return say(NO_CONTACT)
    phone = escape(above["contact_phone"])
    return (f"{say(ASK_ABOVE)}<br><strong>{escape(above['name'])}</strong> "
            f'<a href="tel:{phone}">{phone}</a>')


def _event(event: dict[str, Any], zone: ZoneInfo, say: _Say) -> str:
    words = ACTION.get(event["action"], (event["action"], event["action"]))
    reason = f"<br>{say.label('reason')}{escape(event['reason'])}" if event["reason"] else ""
    return f"<li><time>{_local(event['at'], zone)}</time> {say(words)}{reason}</li>"


def _withdraw_form(application_id: int, token: str, say: _Say) -> str:
    action = escape(say.link(f"/applications/{application_id}/withdraw"))
    return (f'<form method="post" action="{action}" class="withdraw">\n'
            f'<h2>{say.label("withdraw")}</h2>\n'
            f'<input type="hidden" name="token" value="{escape(token)}">\n'
            f"<p>{say.label('withdraw_note')}</p>\n"
            '<label><input type="checkbox" name="confirm" value="yes" required> '
            f"{say.label('confirm')}</label>\n"
            f'<button type="submit">{say.label("withdraw_button")}</button>\n</form>\n')


def status_page(view: dict[str, Any], zone: ZoneInfo, token: str | None = None,
                lang: str = "zh") -> str:
    """`view` is the applicant's JSON view of their application, shown in `lang`; with the status
    link's `token` the page offers to withdraw it."""
    say = _Say(lang)
    status: str = view["status"]
    waiting = status == "submitted"
    deadline: date = view["deadline"]
    state = "overdue" if waiting and view["overdue"] else status
    next_step = NEXT[state][say.i].format(deadline=deadline.isoformat())
    if waiting and view["deadline_estimated"]:
        next_step += ESTIMATED[say.i]
    applicant = say(ERASED) if view["name"] is None else escape(
        ("{name}（{phone}）", "{name} ({phone})")[say.i].format(name=view["name"],
                                                             phone=view["phone"]))
    rows = [_row(say.label("id"), str(view["id"])),
            _row(say.label("applicant"), applicant),
            _row(say.label("workplace"), escape(view["workplace"]["name"]) if
                 view["workplace"]["name"] else say(ERASED)),
            _row(say.label("submitted"), _local(view["submitted_at"], zone)),
            *([_row(say.label("contact_by"), deadline.isoformat())] if waiting else []),
            _union(view["union"], view["route"], say)]
    again = (f'<p><a href="{escape(say.link("/join"))}">{say.label("again")}</a></p>'
             if status in ("rejected", "withdrawn") else "")
    withdrawable = status in {s.value for s in WITHDRAWABLE}
    withdraw = _withdraw_form(view["id"], token, say) if token and withdrawable else ""
    history = "".join(_event(e, zone, say) for e in view["events"])
    other = "zh" if say.lang == "en" else "en"
    switch = ""
    if token:
        query = urlencode({"token": token} | ({"lang": other} if other == "en" else {}))
        switch = (f'<p class="note"><a href="/applications/{view["id"]}?{escape(query)}" '
                  f'lang="{other}">{say.label("other_lang")}</a></p>\n')
    title = LABELS["title"][say.i]
    body = (f"{switch}<h1>{escape(title)}</h1>\n"
            f'<p class="status {state}" id="status">{say(STATUS[status])}</p>\n'
            f"<p>{escape(next_step)}</p>\n{again}"
            f"<dl>{''.join(rows)}</dl>\n"
            f'<h2>{say.label("history")}</h2>\n<ol class="history">{history}</ol>\n{withdraw}'
            f'<p class="note">{say.label("keep")}</p>\n'
            f'<p><a href="{escape(say.link("/request"))}">{say.label("ask")}</a></p>')
    return page(title, body, say.lang)
