"""An applicant withdraws their application through their status link, which erases their
personal data (officers/erasure.py). The status page offers it as a form that POSTs: a GET never
changes anything, and no other site can send the form without the link's secret token."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.auth import public_actor
from api.deps import EngineDep, SecretKeyDep
from api.errors import ApiError, NotFound
from api.geojson import json_response
from api.html import Lang
from api.routers.applications import PRIVATE, ApplicationId
from membership import applications, identity
from membership.applications import WrongState
from officers.audit import Actor
from officers.erasure import withdraw

router = APIRouter(prefix="/applications", tags=["applications"])
FORM = "application/x-www-form-urlencoded"
CONFIRM = ("tick “我确认撤回申请并删除我的个人信息 · I withdraw my application and want my "
           "personal data erased” to withdraw")
CONFIRM_PAGE = ("请勾选“我确认撤回申请并删除我的个人信息”后再撤回。",
                "Tick “I withdraw my application and want my personal data erased” to withdraw.")


async def _form(request: Request) -> dict[str, str] | None:
    """The status page's form, if this is it."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return None
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


@router.post("/{application_id}/withdraw", responses={
    303: {"description": "From the status page's form: back to the status page"},
    409: {"description": "The application was approved: the applicant is a member"}})
def withdraw_application(
        engine: EngineDep, secret: SecretKeyDep, application_id: ApplicationId,
        form: Annotated[dict[str, str] | None, Depends(_form)],
        applicant: Annotated[Actor, Depends(public_actor("applicant"))],
        token: Annotated[str | None, Query(max_length=64, description="From the status link")]
        = None, lang: Lang = "zh") -> Response:
    """Withdraw your application (not once approved) with your status link's token: the union
    stops handling it, and your name, phone number, ID number and the workplace you typed in are
    erased at once; an anonymous record that an application was made and withdrawn stays. A
    second withdrawal changes nothing. From the status page's form (fields `token` and
    `confirm=yes`) the answer is a redirect back to the page."""
    token = token or (form or {}).get("token")
    if not token:
        raise ApiError(401, "give the token from your status link (?token=…)", PRIVATE)
    if form is not None and form.get("confirm") != "yes":
        raise ApiError(422, CONFIRM, PRIVATE, CONFIRM_PAGE)
    try:
        with engine.begin() as conn:
            app = applications.get(conn, application_id, lock=True)
            if app is None or not identity.token_matches(secret, app.id, app.token_salt, token):
                raise NotFound("application", application_id, PRIVATE)  # a wrong token learns nothing
            withdraw(conn, app, applicant)
    except WrongState as exc:
        raise ApiError(409, str(exc), PRIVATE) from None
    if form is not None:
        back = urlencode({"token": token} | ({"lang": "en"} if lang == "en" else {}))
        return RedirectResponse(f"/applications/{application_id}?{back}", 303, PRIVATE)
    return json_response({"id": application_id, "status": "withdrawn", "message": (
        "the application is withdrawn and your personal data erased")}, headers=PRIVATE)
