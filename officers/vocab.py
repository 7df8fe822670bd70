"""Words of the officers' domain."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"  # their union and everything below it
    ADMIN = "admin"  # everything


class ReportKind(StrEnum):
    CLOSED = "closed"
    NO_WATER = "no_water"
    BROKEN = "broken"
    CROWDED = "crowded"
    WRONG_LOCATION = "wrong_location"
