"""Members and membership transfers, for the officers of the member's union's jurisdiction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection

from api.auth import ActorDep, OfficerDep
from api.deps import EngineDep, PageLimit, PageOffset
from api.errors import ApiError, NotFound
from api.geojson import json_response
from api.routers.unions import brief
from geo import unions
from geo.crs import Crs
from membership import identity, members
from membership.members import MemberRecord
from membership.routing import NotRoutable, WorkplaceGiven
from membership.vocab import MemberStatus
from officers import memberwork

router = APIRouter(prefix="/members", tags=["members"])
MemberId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Member id")]


class Transfer(BaseModel):
    """Exactly one of: a new workplace (by id, or by name and point), or `left_job`."""

    model_config = ConfigDict(extra="forbid")
    workplace_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    workplace: WorkplaceGiven | None = None
    crs: Crs = Crs.WGS84
    left_job: bool = Field(default=False, description="Left the job with no new one yet: the "
                                                      "union one level up holds the membership")

    @model_validator(mode="after")
    def _one(self) -> Transfer:
        if sum((self.workplace_id is not None, self.workplace is not None, self.left_job)) != 1:
            raise ValueError("give exactly one of workplace_id, workplace {name, address, lon, "
                             "lat} or left_job: true")
        return self


def _brief(m: MemberRecord, union: Any) -> dict[str, Any]:
    return {"id": m.id, "member_no": m.member_no, "name": m.name,
            "phone": identity.mask_phone(m.phone), "id_number": m.id_masked,
            "occupation_group": m.occupation_group, "status": m.status, "union": brief(union),
            "workplace": {"id": m.workplace_id, "name": m.workplace_name,
                          "address": m.workplace_address},
            "joined_at": m.joined_at}


@router.get("")
def list_members(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
                 union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
                 status: MemberStatus | None = None,
                 q: Annotated[str | None, Query(min_length=1, max_length=100, description=(
                     "A member number or phone number (exactly), or part of a name"))] = None,
                 limit: PageLimit = 100, offset: PageOffset = 0) -> Response:
    """The members of the officer's jurisdiction, phone numbers masked."""
    with engine.begin() as conn:
        total, rows = memberwork.listing(conn, officer, actor, union_id=union_id, status=status,
                                         text=q, limit=limit, offset=offset)
        known = unions.records(conn, sorted({m.union_id for m in rows}))
        return json_response({"total": total, "limit": limit, "offset": offset,
                              "members": [_brief(m, known[m.union_id]) for m in rows]})


def _out(conn: Connection, m: MemberRecord) -> dict[str, Any]:
    u = unions.get(conn, m.union_id)
    assert u is not None
    history = members.history(conn, m.id)
    chain = unions.records(conn, sorted({h["union_id"] for h in history}))
    return {**_brief(m, u), "phone": m.phone,
            "memberships": [{"union": brief(chain[h["union_id"]]), "reason": h["reason"],
                             "started_at": h["started_at"],
                             "ended_at": h["ended_at"]}
                            for h in history]}


@router.get("/{member_id}")
def read_member(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
                member_id: MemberId) -> Response:
    """A member with the full phone number and the history of their memberships."""
    with engine.begin() as conn:
        found = memberwork.read(conn, officer, actor, member_id)
        if found is None:
            raise NotFound("member", member_id)
        return json_response(_out(conn, found[0]))


@router.post("/{member_id}/transfer")
def transfer(engine: EngineDep, officer: OfficerDep, actor: ActorDep, member_id: MemberId,
             body: Transfer) -> Response:
    """Move a membership to the union covering a new workplace, or, between jobs, to the union
    one level above the old one. The history keeps every move."""
    with engine.begin() as conn:
        try:
            moved = memberwork.transfer(conn, officer, actor, member_id, left_job=body.left_job,
                                        workplace_id=body.workplace_id, workplace=body.workplace,
                                        crs=body.crs)
        except NotRoutable as exc:
            raise ApiError(422, str(exc)) from None
        if moved is None:
            raise NotFound("member", member_id)
        return json_response(_out(conn, moved))
