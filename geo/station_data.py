"""What a station is made of, validated once for the API and the importers alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from geo import hours
from geo.crs import Crs, to_wgs84, wgs84_ewkt
from geo.h3index import point_cell
from geo.vocab import (
    AMENITY_BY_LABEL,
    AMENITY_LABELS_ZH,
    STATUS_BY_LABEL,
    STATUS_LABELS_ZH,
    Amenity,
    StationStatus,
)

CLOCK_SKEW = timedelta(minutes=5)  # a client's clock may run a little ahead
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{1,22}[0-9]$")
REQUIRED = {"external_id", "name", "lon", "lat", "amenities", "timezone", "status"}
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _valid_timezone(name: str) -> str:
    hours.zone(name)
    return name


def valid_phone(phone: str) -> str:
    phone = phone.strip()
    if not PHONE.match(phone):
        raise ValueError("phone must be digits, spaces or dashes, optionally starting with +")
    return phone


Phone = Annotated[str, AfterValidator(valid_phone)]
TimeZoneName = Annotated[str, AfterValidator(_valid_timezone)]


def check_point_and_nulls(model: BaseModel, required: set[str]) -> None:
    """lon and lat come as a pair, and a required field set explicitly to null is an error
    (an update leaves out what it keeps)."""
    if (getattr(model, "lon", None) is None) != (getattr(model, "lat", None) is None):
        raise ValueError("lon and lat go together: give both or neither")
    for name in required & model.model_fields_set:
        if getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


def parse_amenities(value: Any) -> Any:
    """Lists pass through; a string may separate amenities with `;`, `,`, `|` or `、` (and the
    full-width `；`, `，`), and name them by their Chinese labels (饮用水、卫生间)."""
    if isinstance(value, str):
        found = [AMENITY_BY_LABEL.get(part.strip(), part.strip())
                 for part in re.split(r"[;,|、；，]", value) if part.strip()]
        if unknown := [a for a in found if a not in Amenity._value2member_map_]:
            allowed = ", ".join(f"{a.value} ({AMENITY_LABELS_ZH[a]})" for a in Amenity)
            raise ValueError(f"{unknown[0]!r} is not an amenity; give some of {allowed}, by "
                             "name or Chinese label, separated by ; , | or 、")
        return found
    return value


def parse_status(value: Any) -> Any:
    """A status by its code or its Chinese label (正常开放), as amenities are."""
    if isinstance(value, str):
        text = value.strip()
        found = STATUS_BY_LABEL.get(text, text)
        if found not in StationStatus._value2member_map_:
            allowed = ", ".join(f"{s.value} ({STATUS_LABELS_ZH[s]})" for s in StationStatus)
            raise ValueError(f"{text!r} is not a status; give one of {allowed}, by name or "
                             "Chinese label")
        return found
    return value


class StationFields(BaseModel):
    """Every field a client may set; all optional, as in an update."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    external_id: Text200 | None = None
    name: Text200 | None = None
    address: Text500 | None = None
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    amenities: list[Amenity] | None = None
    opening_hours: Text500 | None = None
    timezone: TimeZoneName | None = None
    status: StationStatus | None = None
    operator: Text200 | None = None
    phone: Phone | None = None
    last_verified_at: AwareDatetime | None = None

    _split_amenities = field_validator("amenities", mode="before")(parse_amenities)
    _status_labels = field_validator("status", mode="before")(parse_status)

    @field_validator("amenities")
    @classmethod
    def _sorted_unique(cls, value: list[Amenity] | None) -> list[Amenity] | None:
        return sorted(set(value)) if value is not None else None

    @field_validator("last_verified_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("must not be in the future (a station is verified when someone "
                             "has checked it)")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours_parse(cls, value: str | None) -> str | None:
        # Syntax does not depend on the time zone; evaluation (geo.hours.open_at) does.
        return hours.validate(value) if value is not None else None

    @model_validator(mode="after")
    def _together(self) -> StationFields:
        check_point_and_nulls(self, REQUIRED)
        return self

    def columns(self, crs: Crs, *, only_set: bool = True) -> dict[str, Any]:
        """Database column values; coordinates converted from `crs` to WGS84 and H3-indexed."""
        data = self.model_dump(exclude_unset=only_set, exclude={"lon", "lat"})
        if "amenities" in data and data["amenities"] is not None:
            data["amenities"] = [a.value for a in data["amenities"]]
        if "status" in data and data["status"] is not None:
            data["status"] = data["status"].value
        if self.lon is not None and self.lat is not None:
            lon, lat = to_wgs84(self.lon, self.lat, crs)
            data["location"] = wgs84_ewkt(lon, lat)
            data["h3_r10"] = point_cell(lon, lat)
        return data


class NewStation(StationFields):
    """A station to create: name and position are required."""

    name: Text200
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    amenities: list[Amenity] = Field(default_factory=list)
    timezone: TimeZoneName = "Asia/Shanghai"
    status: StationStatus = StationStatus.OPERATIONAL
