"""Recording visits: a tap on the station page (counted once per device and window), a batch
from an operator's counting device or app (idempotent per batch), and the raw partitions that
hold them (made before they are needed, dropped after the retention; the counts stay)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, Connection, Engine, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError

from geo.jurisdiction import Jurisdiction
from geo.models import Station, Union
from geo.vocab import StationStatus
from membership import identity
from visits.tables import (
    PARTITION_PREFIX,
    UNKNOWN_GROUP,
    OperatorKey,
    Visit,
    VisitBatch,
    VisitCount,
)

S, U = Station.__table__, Union.__table__
V, VC, K, B = Visit.__table__, VisitCount.__table__, OperatorKey.__table__, VisitBatch.__table__
MAX_AGE = timedelta(days=7)  # a batch's visit older than this is refused
MAX_AHEAD = timedelta(minutes=5)  # clocks of counting devices run a little fast
MAX_BATCH = 1000
KEY_PREFIX = "yzk_"


class VisitRefused(ValueError):
    """A visit (or a batch) that cannot be taken; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class NewVisit:
    station_id: int
    visited_at: datetime
    occupation_group: str | None


# Partitions ---------------------------------------------------------------------------------

def partition_name(day: date) -> str:
    return f"{PARTITION_PREFIX}{day:%Y%m%d}"


_made: set[tuple[str, date]] = set()  # (database, day) known to have its partition


def ensure_partitions(engine: Engine, days: Sequence[date]) -> None:
    """Make the day partitions (UTC) that `days` need, each in its own short transaction, so that
    writers never wait on the lock that creating one takes. Two servers may race: the loser's
    error is taken as success."""
    db = engine.url.render_as_string(hide_password=True)
    for day in sorted(set(days)):
        if (db, day) in _made:
            continue
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            with engine.begin() as conn:
                conn.execute(text(
                    f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF visits "
                    f"FOR VALUES FROM ('{start.isoformat()}') "
                    f"TO ('{(start + timedelta(days=1)).isoformat()}')"))
        except DBAPIError:
            with engine.connect() as conn:
                if not conn.execute(select(func.to_regclass(partition_name(day)))).scalar():
                    raise
        _made.add((db, day))


def partitions(conn: Connection) -> list[date]:
    """The days that have a raw partition, oldest first."""
    names = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'visits'::regclass")).scalars()
    return sorted(datetime.strptime(n.removeprefix(PARTITION_PREFIX), "%Y%m%d").date()
                  for n in names)


def prune(engine: Engine, retention_days: int, now: datetime) -> list[date]:
    """Drop the raw partitions of days wholly older than the retention; the counts stay."""
    cutoff = (now.astimezone(UTC) - timedelta(days=retention_days)).date()
    with engine.begin() as conn:
        old = [d for d in partitions(conn) if d < cutoff]
        for day in old:
            conn.execute(text(f"DROP TABLE {partition_name(day)}"))
    db = engine.url.render_as_string(hide_password=True)
    _made.difference_update({(db, d) for d in old})
    return old


# Writing ------------------------------------------------------------------------------------

def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _write(conn: Connection, rows: list[dict[str, object]]) -> None:
    """Raw rows and their hourly counts, in the caller's transaction."""
    conn.execute(V.insert(), rows)
    counts = Counter((r["station_id"], _hour(r["visited_at"]),  # type: ignore[arg-type]
                      r["occupation_group"] or UNKNOWN_GROUP) for r in rows)
    # In key order, so that two writers of the same station-hours never wait on each other.
    values = [{"station_id": s, "hour": h, "occupation_group": g, "visits": n}
              for (s, h, g), n in sorted(counts.items())]
    stmt = insert(VC).values(values)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[VC.c.station_id, VC.c.hour, VC.c.occupation_group],
        set_={"visits": VC.c.visits + stmt.excluded.visits}))


def _usable(conn: Connection, station_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Status and operator of the stations, locked against a status change meanwhile."""
    return {i: (status, operator) for i, status, operator in conn.execute(
        select(S.c.id, S.c.status, S.c.operator).where(S.c.id.in_(sorted(set(station_ids))))
        .with_for_update(key_share=True))}


def _station_refusal(station_id: int, found: tuple[str, str | None] | None) -> VisitRefused | None:
    if found is None:
        return VisitRefused(f"there is no station {station_id}; use the id shown on the station's "
                            "page or poster", 404)
    if found[0] == StationStatus.REMOVED.value:
        return VisitRefused(f"station {station_id} has been removed and takes no visits", 409)
    return None


def device_hash(secret: str, day: date, client: str) -> bytes:
    """The device's keyed hash of the day: the same all day, unrelated from one day to the next."""
    return identity.keyed_hash(secret, "visit-device", f"{day.isoformat()}\0{client}")[:16]


def record_tap(conn: Connection, secret: str, station_id: int, group: str | None, client: str,
               now: datetime, window: timedelta) -> bool:
    """A tap on the station page's 签到 button; False when the same device already counted at
    this station within `window` (the partition of `now`'s day must exist)."""
    refusal = _station_refusal(station_id, _usable(conn, [station_id]).get(station_id))
    if refusal:
        raise refusal
    device = device_hash(secret, now.astimezone(UTC).date(), client)
    lock = int.from_bytes(hashlib.sha256(device + station_id.to_bytes(8, "big")).digest()[:8],
                          "big", signed=True)
    conn.execute(select(func.pg_advisory_xact_lock(literal(lock, BigInteger))))
    seen = conn.execute(select(V.c.id).where(
        V.c.station_id == station_id, V.c.device == device,
        V.c.visited_at > now - window, V.c.visited_at <= now + MAX_AHEAD).limit(1)).first()
    if seen:
        return False
    _write(conn, [{"station_id": station_id, "visited_at": now, "occupation_group": group,
                   "device": device, "key_id": None}])
    return True


# Operators' keys and batches ---------------------------------------------------------------

@dataclass(frozen=True)
class KeyRecord:
    id: int
    operator: str
    union_id: int
    union_path: str
    hint: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def jurisdiction(self) -> Jurisdiction:
        return Jurisdiction(self.union_path)


_KEY_COLUMNS = [K.c.id, K.c.operator, K.c.union_id, func.ltree2text(U.c.path).label("union_path"),
                K.c.hint, K.c.created_by, K.c.created_at, K.c.revoked_at]


def _key_hash(secret: str, key: str) -> bytes:
    return identity.keyed_hash(secret, "operator-key", key)


def create_key(conn: Connection, secret: str, operator: str, union_id: int, by: str
               ) -> tuple[KeyRecord, str]:
    """A new key; the key itself is returned this once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    key_id = conn.execute(K.insert().values(
        operator=operator.strip(), union_id=union_id, key_hash=_key_hash(secret, key),
        hint=key[:8] + "…", created_by=by).returning(K.c.id)).scalar_one()
    record = key_by_id(conn, key_id)
    assert record is not None
    return record, key


def key_by_id(conn: Connection, key_id: int) -> KeyRecord | None:
    row = conn.execute(select(*_KEY_COLUMNS).select_from(K.join(U, U.c.id == K.c.union_id))
                       .where(K.c.id == key_id)).first()
    return KeyRecord(**row._mapping) if row else None


def keys(conn: Connection, within: Jurisdiction) -> list[KeyRecord]:
    rows = conn.execute(select(*_KEY_COLUMNS).select_from(K.join(U, U.c.id == K.c.union_id))
                        .where(within.union(K.c.union_id)).order_by(K.c.id.desc()))
    return [KeyRecord(**r._mapping) for r in rows]


def revoke_key(conn: Connection, key_id: int, within: Jurisdiction, by: str, now: datetime
               ) -> KeyRecord | None:
    """Revoke a key of the jurisdiction (None when there is no such key there)."""
    conn.execute(update(K).where(K.c.id == key_id, within.union(K.c.union_id),
                                 K.c.revoked_at.is_(None)).values(revoked_at=now, revoked_by=by))
    record = key_by_id(conn, key_id)
    if record is None or not conn.execute(select(within.union(literal(record.union_id,
                                                                      BigInteger)))).scalar():
        return None
    return record


def active_key(conn: Connection, secret: str, key: str) -> KeyRecord | None:
    """The unrevoked key, or None."""
    row = conn.execute(select(*_KEY_COLUMNS).select_from(K.join(U, U.c.id == K.c.union_id))
                       .where(K.c.key_hash == _key_hash(secret, key),
                              K.c.revoked_at.is_(None))).first()
    return KeyRecord(**row._mapping) if row else None


def _digest(visits: Sequence[NewVisit]) -> bytes:
    canonical = [[v.station_id, v.visited_at.astimezone(UTC).isoformat(), v.occupation_group]
                 for v in visits]
    return hashlib.sha256(json.dumps(canonical).encode()).digest()


def check_batch(visits: Sequence[NewVisit], now: datetime) -> None:
    """The times of a batch: none in the future, none a week old."""
    if not visits:
        raise VisitRefused("a batch needs at least one visit")
    if len(visits) > MAX_BATCH:
        raise VisitRefused(f"a batch holds at most {MAX_BATCH} visits; this one has "
                           f"{len(visits)}: send them in several batches")
    for i, v in enumerate(visits):
        if v.visited_at > now + MAX_AHEAD:
            raise VisitRefused(f"visits[{i}].visited_at ({v.visited_at.isoformat()}) is in the "
                               "future; send visits once they have happened")
        if v.visited_at <= now - MAX_AGE:
            raise VisitRefused(f"visits[{i}].visited_at ({v.visited_at.isoformat()}) is "
                               f"{MAX_AGE.days} days old or more; visits are taken for "
                               f"{MAX_AGE.days} days only")


def record_batch(conn: Connection, key: KeyRecord, batch_id: str, visits: Sequence[NewVisit],
                 now: datetime) -> tuple[int, bool]:
    """Take a batch whole or not at all: (visits taken, whether it was a replay of a batch
    already taken). The partitions of the visits' days must exist."""
    check_batch(visits, now)
    digest = _digest(visits)
    taken = conn.execute(insert(B).values(key_id=key.id, batch_id=batch_id, digest=digest,
                                          visits=len(visits))
                         .on_conflict_do_nothing().returning(B.c.key_id)).first()
    if taken is None:
        before = conn.execute(select(B.c.digest, B.c.visits).where(
            B.c.key_id == key.id, B.c.batch_id == batch_id)).one()
        if before.digest != digest:
            raise VisitRefused(f"batch {batch_id!r} was already sent with other visits; give "
                               "each new batch its own batch_id", 409)
        return before.visits, True
    found = _usable(conn, [v.station_id for v in visits])
    allowed = {i for (i,) in conn.execute(select(S.c.id).where(
        S.c.id.in_(list(found)), key.jurisdiction.location(S.c.location)))}
    for i, v in enumerate(visits):
        refusal = _station_refusal(v.station_id, found.get(v.station_id))
        if refusal:
            raise VisitRefused(f"visits[{i}]: {refusal}", 422)
        if found[v.station_id][1] != key.operator or v.station_id not in allowed:
            raise VisitRefused(f"visits[{i}]: station {v.station_id} is not one of operator "
                               f"{key.operator!r}'s stations in the area this key was made for; "
                               "ask the union officer for a key for it", 403)
    _write(conn, [{"station_id": v.station_id, "visited_at": v.visited_at,
                   "occupation_group": v.occupation_group, "device": None, "key_id": key.id}
                  for v in visits])
    return len(visits), False


def days_of(visits: Sequence[NewVisit]) -> list[date]:
    return sorted({v.visited_at.astimezone(UTC).date() for v in visits})

