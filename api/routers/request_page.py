"""The request form a worker opens from the join form, a status page or a station's page, and the
rating form on the status page. They post as plain forms (no script needed) to the same core as
POST /requests and POST /requests/{id}/feedback, and say what was wrong in the page's language."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.embedding import embedding_headers
from api.errors import ApiError
from api.html import Lang
from api.request_pages import CATEGORY, form_page, status_response
from api.routers.applications import IDEMPOTENCY_KEY
from api.routers.join import StationParam
from api.routers.worker_requests import (
    REQUESTS_PER_WINDOW,
    Feedback,
    give_feedback,
    read_for_worker,
    take,
)
from geo import stations
from membership.routing import NotRoutable
from membership.worker_requests.core import IdempotencyConflict, NewRequest, RequestRefused
from membership.worker_requests.handling import FeedbackRefused
from membership.worker_requests.tables import MAX_DESCRIPTION

router = APIRouter(tags=["requests"])
FormText = Annotated[str, Form()]
FIELDS = ("category", "description", "lon", "lat", "workplace_name", "address", "phone", "name",
          "member_no", "may_name_to_employer", "near_station", "station")
SAY = {
    "zh": {
        "category": "请从列表中选择问题类别：{allowed}。",
        "description_empty": f"请写下发生了什么，或您需要什么（1 到 {MAX_DESCRIPTION} 字）。",
        "description_long": f"问题描述最多 {MAX_DESCRIPTION} 字，现在是 {{n}} 字。"
                            "请写要点，工会会再联系您了解。",
        "where": "请填写工作地点的经度和纬度，或点“使用我当前的位置”。",
        "where_station": "请填写工作地点的经度和纬度，或点“使用我当前的位置”，或勾选“我在这个驿站附近工作”。",
        "number": "经度和纬度请填数字：经度在 -180 到 180 之间，纬度在 -90 到 90 之间，例如经度 121.4751、"
                  "纬度 31.2335。",
        "unroutable": "您填写的工作地点不在任何工会的服务范围内，2 公里内也没有工会。请检查经度和纬度。",
        "station": "没有这个驿站。请填写您工作地点的经度和纬度。",
        "phone": "手机号格式不对：请填写中国大陆手机号，例如 13812345678；也可以不填，匿名提交。",
        "contact": "填写姓名或会员号时，也请填写手机号；或者都不填，匿名提交。",
        "anonymous_named": "匿名提交时没有人可以告诉单位：请填写手机号，或不勾选最后一项。",
        "too_long": "“{field}”太长了：最多 {n} 个字。",
        "too_many": "提交太频繁：同一网络每小时最多 {n} 次。请 {s} 秒后再试。",
        "sent_already": "这张表已经提交过了。请重新打开本页，再提交新的求助。",
        "solved": "请选择问题是否解决了。", "rating": "请选择 1 到 5 分。",
        "not_closed": "工会还没有办结这个求助：办结后才能评价。",
        "already_rated": "您已经评价过了（{day}）。每个求助只能评价一次。",
    },
    "en": {
        "category": "Choose what it is about from the list: {allowed}.",
        "description_empty": f"Say what happened, or what you need (1 to {MAX_DESCRIPTION} "
                             "characters).",
        "description_long": f"The description has at most {MAX_DESCRIPTION} characters; this one "
                            "has {n}. Give the main points: the union will ask for more.",
        "where": "Give the longitude and latitude of your workplace, or tap “Use my current "
                 "location”.",
        "where_station": "Give the longitude and latitude of your workplace, tap “Use my current "
                         "location”, or tick “I work near this station”.",
        "number": "Longitude and latitude are numbers: longitude -180 to 180, latitude -90 to 90, "
                  "e.g. longitude 121.4751, latitude 31.2335.",
        "unroutable": "No union covers the place you gave, and none is within 2 km: check the "
                      "longitude and latitude.",
        "station": "There is no such station: give the longitude and latitude of your workplace.",
        "phone": "That is not a mobile number: give a mainland China mobile number such as "
                 "13812345678, or leave it out to ask anonymously.",
        "contact": "With a name or member number, give your phone too; or leave them all out to "
                   "ask anonymously.",
        "anonymous_named": "An anonymous request names nobody to the employer: give your phone, "
                           "or untick the last box.",
        "too_long": "“{field}” is too long: at most {n} characters.",
        "too_many": "Too many requests: at most {n} an hour from one network. Try again in {s} s.",
        "sent_already": "This form was sent already. Open the page again to send a new request.",
        "solved": "Say whether your problem was solved.", "rating": "Choose 1 to 5.",
        "not_closed": "The union has not closed this request yet: you can rate it once it has.",
        "already_rated": "You rated it already ({day}). A request is rated once.",
    },
}
LABELS = {"zh": {"name": "姓名", "workplace_name": "单位名称", "address": "地址", "member_no": "会员号"},
          "en": {"name": "Name", "workplace_name": "Workplace name", "address": "Address",
                 "member_no": "Member number"}}
LIMITS = {"name": 100, "workplace_name": 200, "address": 500, "member_no": 20}


def _station(engine: Any, station_id: int | None) -> tuple[int, str | None] | None:
    if station_id is None:
        return None
    with engine.connect() as conn:
        found = stations.get(conn, station_id)
    return station_id, found.name if found else None


@router.get("/request", response_class=HTMLResponse)
def request_form(engine: ReadEngineDep, settings: SettingsDep, station: StationParam = None,
                 lang: Lang = "zh") -> HTMLResponse:
    """The form to ask the union for help or raise a need, from a phone; `?station=<id>` says
    where it was opened, and offers (does not fill in) the station as where you work."""
    return HTMLResponse(form_page(lang, {}, _station(engine, station), None, str(uuid.uuid4())),
                        headers=embedding_headers(settings))


class Refused(Exception):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _body(values: dict[str, str]) -> dict[str, Any]:
    """The API's body from the form's fields, for NewRequest to judge."""
    body: dict[str, Any] = {"category": values["category"], "description": values["description"],
                            "may_name_to_employer": bool(values["may_name_to_employer"])}
    for key in ("phone", "name", "member_no"):
        if values[key].strip():
            body[key] = values[key]
    station = values["station"].strip()
    if station.isdigit() and len(station) < 19:
        body["station_id"] = int(station)
    # Where you work, one rule on both forms: coordinates typed (or filled from the phone's
    # position) first; else the station, while "I work near this station" stays ticked.
    if values["lon"].strip() or values["lat"].strip():
        body["workplace"] = {"lon": values["lon"].strip() or None,
                             "lat": values["lat"].strip() or None,
                             "name": values["workplace_name"].strip() or None,
                             "address": values["address"].strip() or None}
    elif values["near_station"] and "station_id" in body:
        body["near_station"] = True
    return body


def _explain(lang: str, error: ValidationError, values: dict[str, str], offered: bool) -> str:
    """The first thing wrong, in the page's language; `offered`: the page offers its station
    as where you work."""
    say = SAY[lang]
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    field = loc[-1] if loc else ""
    if loc[:1] == ["category"]:
        return say["category"].format(allowed="；".join(CATEGORY[lang].values()) if lang == "zh"
                                      else "; ".join(CATEGORY[lang].values()))
    if loc[:1] == ["description"]:
        text = values["description"].strip()
        return say["description_long"].format(n=len(text)) if text else say["description_empty"]
    if field in ("lon", "lat"):
        return say["number"]
    if loc[:1] == ["phone"]:
        return say["phone"]
    if field in LIMITS:
        return say["too_long"].format(field=LABELS[lang][field], n=LIMITS[field])
    message = str(first.get("msg", ""))
    if "without a phone" in message:
        return say["contact"]
    if "names nobody" in message:
        return say["anonymous_named"]
    return say["where_station" if offered else "where"]


@router.post("/request", response_class=HTMLResponse)
def send_form(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
              lang: Lang = "zh", category: FormText = "", description: FormText = "",
              lon: FormText = "", lat: FormText = "", workplace_name: FormText = "",
              address: FormText = "", phone: FormText = "", name: FormText = "",
              member_no: FormText = "", may_name_to_employer: FormText = "",
              near_station: FormText = "", station: FormText = "",
              idempotency_key: FormText = "") -> Response:
    """The form's answer: on to the new request's status page, or the form again, filled in as
    sent, saying what to change. The same rules and limits as POST /requests."""
    values = {"category": category, "description": description, "lon": lon, "lat": lat,
              "workplace_name": workplace_name, "address": address, "phone": phone,
              "name": name, "member_no": member_no,
              "may_name_to_employer": may_name_to_employer, "near_station": near_station,
              "station": station}
    say = SAY[lang]
    key = idempotency_key if IDEMPOTENCY_KEY.fullmatch(idempotency_key) else None
    try:
        try:
            body = NewRequest.model_validate(_body(values))
        except ValidationError as exc:
            station_id = int(station) if station.isdigit() and len(station) < 19 else None
            found = _station(engine, station_id)
            offered = found is not None and found[1] is not None
            raise Refused(_explain(lang, exc, values, offered)) from None
        try:
            _, _, url = take(request, engine, settings, secret, body, key)
        except NotRoutable:
            raise Refused(say["unroutable"]) from None
        except RequestRefused:
            raise Refused(say["station"]) from None
        except IdempotencyConflict:
            raise Refused(say["sent_already"], 409) from None
        except ApiError as exc:
            if exc.status != 429:
                raise
            retry = (exc.headers or {}).get("Retry-After", "60")
            raise Refused(say["too_many"].format(n=REQUESTS_PER_WINDOW, s=retry), 429) from None
    except Refused as refused:
        station_id = int(station) if station.isdigit() and len(station) < 19 else None
        html = form_page(lang, values, _station(engine, station_id), str(refused),
                         key or str(uuid.uuid4()))
        return HTMLResponse(html, refused.status, headers=embedding_headers(settings))
    return RedirectResponse(f"{url}&{urlencode({'lang': lang})}", 303,
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.post("/request/{request_id}/feedback", response_class=HTMLResponse)
def rate_form(request: Request, engine: EngineDep, settings: SettingsDep,
              request_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
              token: Annotated[str, Query(max_length=64)], lang: Lang = "zh",
              solved: FormText = "", rating: FormText = "") -> Response:
    """The status page's rating form: back to the page with the rating, or with what to change."""
    say, zone = SAY[lang], ZoneInfo(settings.timezone)
    error, status = None, 422
    if solved not in ("true", "false"):
        error = say["solved"]
    elif rating not in ("1", "2", "3", "4", "5"):
        error = say["rating"]
    else:
        try:
            give_feedback(engine, settings, request, request_id, token,
                          Feedback(solved=solved == "true", rating=int(rating)))
        except FeedbackRefused as exc:
            error, status = say[exc.reason], 409
    view = read_for_worker(engine, settings, request, request_id, token)
    if error is None:
        return RedirectResponse(f"/requests/{request_id}?{urlencode({'token': token, 'lang': lang})}",
                                303, headers={"Cache-Control": "no-store",
                                              "Referrer-Policy": "no-referrer"})
    if status == 409 and view["feedback"]:
        error = error.format(day=f"{view['feedback']['rated_at']:%Y-%m-%d}")
    return status_response(view, lang, token, zone, error, status)
