"""An officer's changes to workplaces, audited: each is matched to its area union again at once,
and must stay in the officer's jurisdiction. The JSON API and the console both call this."""

from __future__ import annotations

from sqlalchemy import Connection

from geo import workplaces
from geo.crs import Crs
from geo.workplaces import WorkplaceFields, WorkplaceRecord
from officers import audit
from officers.accounts import OfficerRecord
from officers.audit import Actor


class WorkplaceRefused(ValueError):
    """Why a change cannot be made; `kind`: unknown_union, union_outside, taken (external id),
    outside (the workplace would leave the jurisdiction) or external_id (only imports and admins
    set it). Nothing is written."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind


def save(conn: Connection, officer: OfficerRecord, actor: Actor, workplace_id: int | None,
         data: WorkplaceFields, crs: Crs, external_id: str) -> WorkplaceRecord | None:
    """Create (`workplace_id` None, with `external_id` if the data has none) or change a
    workplace; None if there is no such workplace in the jurisdiction. Raise inside the
    caller's transaction: a refusal rolls everything back."""
    within = officer.jurisdiction
    if data.external_id is not None and not within.everything:
        # Its uniqueness would tell which ids another area's workplaces have.
        raise WorkplaceRefused("external_id")
    codes = {data.own_union_code} if data.own_union_code else set()
    try:
        columns = workplaces.columns_for(data, crs, workplaces.union_ids_for(conn, codes),
                                         only_set=workplace_id is not None)
    except ValueError as exc:
        raise WorkplaceRefused("unknown_union", str(exc)) from None
    own = columns.get("own_union_id")
    if own is not None and not within.holds(conn, own):
        raise WorkplaceRefused("union_outside")
    if workplace_id is None:
        columns["external_id"] = columns.get("external_id") or external_id
        if workplaces.search_external(conn, columns["external_id"]):
            raise WorkplaceRefused("taken")
        ((workplace_id, _),) = workplaces.upsert(conn, [columns])
        action = "create"
    elif not workplaces.update(conn, workplace_id, columns, within):
        return None
    else:
        action = "update"
    workplaces.rematch_ids(conn, [workplace_id])
    w = workplaces.get(conn, workplace_id, within)
    moved = "location" in columns  # a new workplace always has one
    if w is None or (moved and not workplaces.located_within(conn, workplace_id, within)):
        raise WorkplaceRefused("outside")
    audit.record(conn, actor, action, "workplace", w.id, w.own_union_id or w.matched_union_id,
                 {"fields": sorted(data.model_fields_set)})
    return w
