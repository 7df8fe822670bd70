"""Erasing applicants' personal data, as China's Personal Information Protection Law asks:
when an applicant withdraws, and once a rejected or withdrawn application has been kept for the
retention period (`yizhan data purge`).

What goes: the name, the phone number, the ID number's hash and masked form, the workplace's
address, the notes in the application's history (officers write names and numbers there), a
retry key's hash of the request, and, for a workplace the applicant typed in rather than chose
from the register, its name and exact point (the point is kept to 0.01°, about 1 km, so that the
union's figures by area still add up). What stays: that an application was made, to which union,
when, its status and the steps of its history, without who. Each erasure is in the audit log,
naming the fields, never their values.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from membership import applications
from membership.applications import ApplicationRecord, WrongState
from membership.vocab import ApplicationStatus
from officers import audit
from officers.audit import Actor

ERASED_FIELDS = ["name", "phone", "id_number", "workplace_address", "history_notes",
                 "typed_workplace_name", "typed_workplace_point"]
ERASABLE = [ApplicationStatus.REJECTED.value, ApplicationStatus.WITHDRAWN.value]
# A merged application (a second one of a person with an open one) looks submitted to its
# applicant, and can be withdrawn like one.
WITHDRAWABLE = {ApplicationStatus.SUBMITTED, ApplicationStatus.CONTACTED, ApplicationStatus.REJECTED,
                ApplicationStatus.MERGED}
PURGE_BATCH = 500

_ERASE = text("""
    UPDATE applications SET
        name = NULL, phone = NULL, id_hash = NULL, id_masked = NULL, workplace_address = NULL,
        workplace_name = CASE WHEN workplace_id IS NULL THEN NULL ELSE workplace_name END,
        workplace_location = CASE WHEN workplace_id IS NULL
            THEN ST_SnapToGrid(workplace_location, 0.01) ELSE workplace_location END,
        erased_at = now(), updated_at = now()
    WHERE id = :id AND erased_at IS NULL""")


def erase(conn: Connection, app_id: int, union_id: int, actor: Actor, why: str) -> bool:
    """Erase one application's personal data; False if it was erased before."""
    if conn.execute(_ERASE, {"id": app_id}).rowcount == 0:
        return False
    conn.execute(text("UPDATE application_events SET reason = NULL WHERE application_id = :id"),
                 {"id": app_id})
    conn.execute(text("DELETE FROM idempotency_keys WHERE application_id = :id"), {"id": app_id})
    audit.record(conn, actor, "erase", "application", app_id, union_id,
                 {"why": why, "fields": ERASED_FIELDS})
    return True


def withdraw(conn: Connection, app: ApplicationRecord, actor: Actor) -> None:
    """The applicant takes back an application that is not approved: its status becomes
    `withdrawn`, an event without a reason records it, and their personal data is erased now.
    `app` must be locked (`applications.get(..., lock=True)`)."""
    status = ApplicationStatus(app.status)
    if status == ApplicationStatus.WITHDRAWN:
        return  # a second press of the button changes nothing
    if status not in WITHDRAWABLE:
        raise WrongState("the application was approved: you are a member. To leave the union "
                         "or have your data removed, contact the union")
    conn.execute(text("UPDATE applications SET status = :status, updated_at = now() WHERE id = :id"),
                 {"status": ApplicationStatus.WITHDRAWN.value, "id": app.id})
    conn.execute(applications.E.insert().values(
        application_id=app.id, actor="applicant", action="withdrawn",
        status=ApplicationStatus.WITHDRAWN.value))
    audit.record(conn, actor, "withdraw", "application", app.id, app.union_id)
    erase(conn, app.id, app.union_id, actor, "withdrawn")


def purge(conn: Connection, decided_before: datetime, actor: Actor,
          limit: int = PURGE_BATCH) -> int:
    """Erase the personal data of up to `limit` rejected or withdrawn applications last changed
    before `decided_before`; how many. Call it again until it returns less than `limit`, each call
    in its own transaction. Rows another transaction holds are left for the next run."""
    rows = conn.execute(text("""
        SELECT id, union_id FROM applications
        WHERE status = ANY(:statuses) AND erased_at IS NULL AND updated_at < :before
        ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"""),
        {"statuses": ERASABLE, "before": decided_before, "limit": limit}).all()
    return sum(erase(conn, row.id, row.union_id, actor, "retention") for row in rows)
