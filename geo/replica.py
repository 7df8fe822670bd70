"""Reads from a streaming standby, without ever showing a client less than it has written.

A standby replays the primary's write-ahead log (WAL) a little later than the primary wrote it.
A `Replica` watches it from a background thread: how far it has replayed (its WAL position,
an LSN) and how long ago the primary had written what it has not replayed yet (the lag). A read
goes to the standby only when

- the standby answers and is still a standby,
- its lag is at most `max_lag_s`, and
- it has replayed the position the client last wrote at, if the client says one (see
  `write_position`); otherwise the read goes to the primary, which has everything.

Only the watcher talks to the standby to decide; choosing costs a request nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger("yizhan.replica")
ROUTES = [("standby", "replayed"), ("primary", "own_write_not_replayed"),
          ("primary", "standby_lagging"), ("primary", "standby_down")]
DOWN = "the replica does not answer: reads go to the primary"
PROMOTED = "the replica is no longer a standby (it was promoted): reads go to the primary"


def parse_lsn(text: str | None) -> int | None:
    """PostgreSQL's text form of a WAL position ('16/B374D848') as a number; None if not one."""
    if not text:
        return None
    high, _, low = text.partition("/")
    try:
        if not (0 < len(high) <= 8 and 0 < len(low) <= 8):
            return None
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def write_position(engine: Engine) -> int:
    """The primary's WAL position now: after a commit returns, at or past its commit record."""
    with engine.connect() as conn:
        return int(parse_lsn(conn.exec_driver_sql(
            "SELECT pg_current_wal_insert_lsn()::text").scalar_one()) or 0)


@dataclass(frozen=True)
class StandbyState:
    up: bool
    replayed: int | None = None  # the standby's replay position
    lag_s: float | None = None  # None when the primary could not be asked
    problem: str | None = None  # why the standby is not used, for /ready
    checked_at: float = 0.0


class Replica:
    """A standby beside the primary, watched every `check_every_s` seconds."""

    def __init__(self, primary: Engine, standby: Engine, max_lag_s: float,
                 check_every_s: float = 0.5) -> None:
        self.primary, self.standby = primary, standby
        self.max_lag_s, self.check_every_s = max_lag_s, check_every_s
        self.state = StandbyState(up=False, problem="not checked yet")
        # (target, reason) -> reads; every key there from the start, so that it never grows
        # while /metrics reads it from another thread
        self.reads: Counter[tuple[str, str]] = Counter(dict.fromkeys(ROUTES, 0))
        # The primary's positions not yet replayed by the standby, with when they were seen.
        self._unreplayed: deque[tuple[float, int]] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        event.listen(standby, "handle_error", self._on_standby_error)

    # Choosing --------------------------------------------------------------------------------

    def engine_for(self, seen: int | None) -> Engine:
        """Where a read by a client that has written up to `seen` (None: nothing) goes."""
        target, reason = self._choose(seen)
        self.reads[target, reason] += 1
        return self.standby if target == "standby" else self.primary

    def _choose(self, seen: int | None) -> tuple[str, str]:
        state = self.state
        if not state.up:
            return "primary", "standby_down"
        if state.lag_s is None or state.lag_s > self.max_lag_s:
            return "primary", "standby_lagging"
        if seen is not None and (state.replayed is None or state.replayed < seen):
            return "primary", "own_write_not_replayed"
        return "standby", "replayed"

    # Watching --------------------------------------------------------------------------------

    def start(self) -> None:
        self.check()
        self._thread = threading.Thread(target=self._watch, name="yizhan-replica", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(self.check_every_s):
            self.check()

    def check(self) -> StandbyState:
        """Ask both servers where they are, and update the state reads are chosen by."""
        now = time.monotonic()
        try:
            written: int | None = write_position(self.primary)
        except Exception:  # the primary's own health is /ready's business
            written = None
        try:
            with self.standby.connect() as conn:
                recovering, replayed = conn.exec_driver_sql(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").one()
        except Exception as exc:
            return self._down(DOWN, exc, now)
        if not recovering:
            return self._down(PROMOTED, None, now)
        replayed_at = parse_lsn(replayed)
        self.state = StandbyState(up=True, replayed=replayed_at,
                                  lag_s=self._lag(now, written, replayed_at), checked_at=now)
        return self.state

    def _lag(self, now: float, written: int | None, replayed: int | None) -> float | None:
        """How long ago the primary had reached a position the standby has not replayed: 0 for
        a standby that has replayed all the primary had written at the last check. Measured on
        the watcher's own clock, so neither server's clock nor an idle primary can skew it."""
        if written is None or replayed is None:
            return None
        if not self._unreplayed or self._unreplayed[-1][1] < written:
            self._unreplayed.append((now, written))
        while self._unreplayed and self._unreplayed[0][1] <= replayed:
            self._unreplayed.popleft()
        return now - self._unreplayed[0][0] if self._unreplayed else 0.0

    def _on_standby_error(self, context: Any) -> None:
        # A request that finds the standby gone sends the next ones to the primary at once,
        # without waiting for the watcher's next look.
        if context.is_disconnect:
            self._down(DOWN, context.original_exception, time.monotonic())

    def _down(self, problem: str, cause: BaseException | None, now: float) -> StandbyState:
        if self.state.up or self.state.checked_at == 0:
            log.warning("%s%s", problem, f" ({_first_line(cause)})" if cause else "")
        self.state = StandbyState(up=False, problem=problem, checked_at=now)
        return self.state


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
