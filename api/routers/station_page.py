"""A station's public page (/s/{id}), which the poster's QR code opens: name, hours, amenities,
whether it is open now, navigation links, and one button "I'm here" (签到). The button posts a
plain form (no script) to the same core as POST /stations/{id}/visits."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.client_limits import refuse_cross_site
from api.console.messages import GROUP
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError, NotFound
from api.html import Lang, page
from api.routers.visits import tap
from geo import stations
from geo.hours import in_words, open_at
from geo.navigation import navigation_links
from geo.vocab import AMENITY_LABELS_EN, AMENITY_LABELS_ZH, Amenity, StationStatus
from membership.vocab import OccupationGroup

router = APIRouter(tags=["visits"])
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Station id")]
T = {
    "zh": {"title": "驿站", "hours": "开放时间", "unknown_hours": "未公布", "open": "现在开放",
           "closed": "现在不开放", "maybe": "现在是否开放不确定", "amenities": "服务",
           "none": "未登记", "go": "导航前往", "here": "我到了（签到）",
           "group": "您的职业（可不选）", "no_group": "不说", "counted": "签到成功，谢谢！",
           "again": "您刚才已经签到过了，{m} 分钟内只记一次。",
           "privacy": "签到不记录姓名和电话，只统计驿站的使用人数。",
           "join": "申请入会", "ask": "向工会求助", "other": "English", "removed":
           "这个驿站已经撤销了。请打开附近站点地图找别的驿站。",
           "not_operational": "这个驿站暂时不开放。", "address": "地址"},
    "en": {"title": "Station", "hours": "Opening hours", "unknown_hours": "not published",
           "open": "Open now", "closed": "Closed now", "maybe": "Not known whether open now",
           "amenities": "Services", "none": "none listed", "go": "Get there",
           "here": "I'm here (check in)", "group": "Your work (optional)",
           "no_group": "Rather not say", "counted": "Checked in, thank you!",
           "again": "You checked in a moment ago; within {m} minutes it counts once.",
           "privacy": "Checking in records no name or phone: it only counts how many people "
                      "use the station.",
           "join": "Join the union", "ask": "Ask the union for help", "other": "中文",
           "removed": "This station has been removed. Open the map of nearby stations to find "
                      "another.",
           "not_operational": "This station is closed for now.", "address": "Address"},
}


def _amenity(lang: str, value: str) -> str:
    return (AMENITY_LABELS_ZH if lang == "zh" else AMENITY_LABELS_EN)[Amenity(value)]


@router.get("/s/{station_id}", response_class=HTMLResponse)
def station_page(engine: ReadEngineDep, settings: SettingsDep, station_id: StationId,
                 lang: Lang = "zh",
                 done: Annotated[Literal["counted", "again"] | None, Query(
                     description="What the last check-in did")] = None) -> HTMLResponse:
    """The station's page for riders: what it offers, whether it is open, how to get there,
    and the 签到 button."""
    with engine.connect() as conn:
        s = stations.get(conn, station_id)
    if s is None:
        raise NotFound("station", station_id)
    t = T[lang]
    q = "" if lang == "zh" else "?lang=en"
    state = open_at(s.opening_hours, datetime.now(UTC), s.timezone, settings.holiday_country)
    now = t["maybe"] if state is None else t["open"] if state else t["closed"]
    hours = in_words(s.opening_hours, lang) if s.opening_hours else t["unknown_hours"]
    amenities = "、".join(_amenity(lang, a) for a in s.amenities) if lang == "zh" else \
        ", ".join(_amenity(lang, a) for a in s.amenities)
    links = navigation_links(s.lon, s.lat, s.name)
    nav = " · ".join(f'<a href="{escape(url)}">{name}</a>' for name, url in (
        ("OpenStreetMap", links["osm"]), ("高德" if lang == "zh" else "Amap", links["amap"]),
        ("百度" if lang == "zh" else "Baidu", links["baidu"])))
    parts = [f"<h1>{escape(s.name)}</h1>"]
    if s.address:
        parts.append(f"<p>{t['address']}：{escape(s.address)}</p>" if lang == "zh" else
                     f"<p>{t['address']}: {escape(s.address)}</p>")
    if done == "counted":
        parts.append(f'<p id="done" class="note" role="status">{t["counted"]}</p>')
    elif done == "again":
        parts.append(f'<p id="done" class="note" role="status">'
                     f'{t["again"].format(m=settings.visit_window_minutes)}</p>')
    sep = "：" if lang == "zh" else ": "
    parts += [f"<dl><dt>{t['hours']}</dt><dd>{escape(hours)}</dd>"
              f"<dt>{t['amenities']}</dt><dd>{escape(amenities) or t['none']}</dd></dl>",
              f'<p id="now"><strong>{now}</strong></p>',
              f"<p>{t['go']}{sep}{nav}</p>"]
    if s.status == StationStatus.REMOVED.value:
        parts.append(f'<p class="warning">{t["removed"]}</p>')
    else:
        if s.status != StationStatus.OPERATIONAL.value:
            parts.append(f'<p class="warning">{t["not_operational"]}</p>')
        options = "".join(f'<option value="{g.value}">{GROUP[g.value][0 if lang == "zh" else 1]}'
                          "</option>" for g in OccupationGroup)
        parts.append(
            f'<form method="post" action="/s/{s.id}/visit{q}">'
            f'<label for="group">{t["group"]}</label> '
            f'<select id="group" name="occupation_group"><option value="">{t["no_group"]}'
            f"</option>{options}</select> "
            f'<button type="submit">{t["here"]}</button></form>'
            f'<p class="note">{t["privacy"]}</p>')
    join = f"/join?station={s.id}" + ("" if lang == "zh" else "&lang=en")
    ask = f"/request?station={s.id}" + ("" if lang == "zh" else "&lang=en")
    other = f"/s/{s.id}" + ("?lang=en" if lang == "zh" else "")
    parts.append(f'<p><a href="{escape(join)}">{t["join"]}</a> · '
                 f'<a href="{escape(ask)}">{t["ask"]}</a> · '
                 f'<a href="{escape(other)}" lang="{"en" if lang == "zh" else "zh"}">'
                 f'{t["other"]}</a></p>')
    return HTMLResponse(page(f"{s.name} · {t['title']}", "\n".join(parts), lang),
                        headers={"Cache-Control": "no-store"})


@router.post("/s/{station_id}/visit", dependencies=[Depends(refuse_cross_site)])
def station_page_visit(request: Request, engine: EngineDep, settings: SettingsDep,
                       secret: SecretKeyDep, station_id: StationId,
                       occupation_group: Annotated[str, Form()] = "",
                       lang: Lang = "zh") -> RedirectResponse:
    """The 签到 button: counted as POST /stations/{id}/visits, then back to the page."""
    group = None
    if occupation_group:
        try:
            group = OccupationGroup(occupation_group)
        except ValueError:
            raise ApiError(422, "occupation_group: choose one from the list, or none") from None
    counted = tap(request, engine, settings, secret, station_id, group)
    query = f"done={'counted' if counted else 'again'}" + ("" if lang == "zh" else "&lang=en")
    return RedirectResponse(f"/s/{station_id}?{query}", status_code=303)
