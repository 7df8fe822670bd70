"""Settings from the environment (prefix YIZHAN_) or `.env`; read when asked, never at import."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from membership.worker_requests.vocab import DEFAULT_DEADLINES, MAX_DEADLINE_DAYS, Category
from yizhan.cluster import LocalCluster

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ORIGIN = re.compile(r"\*|https?://(\*\.)?[A-Za-z0-9.\-]+(:[0-9]{1,5})?")
HOST = re.compile(r"\*|(\*\.)?[A-Za-z0-9.\-]+|[0-9A-Fa-f:.]+")
LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1"]
# What to give where pydantic's own message says only what was wrong.
ALLOWED = {"bool_parsing": "give true or false (or yes/no, on/off, 1/0)",
           "int_parsing": "give a whole number", "float_parsing": "give a number"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIZHAN_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="An existing PostGIS database; when unset, the project-local cluster is used.",
    )
    read_database_url: str | None = Field(
        default=None,
        description="A read replica of the database for the read-only endpoints (nearest, match, "
                    "tiles, maps, OGC, lists); writes always go to the database itself.",
    )
    replica_max_lag_s: float = Field(default=30, ge=0, le=3600, description=(
        "Reads go to the primary while the replica is further behind than this many seconds "
        "(or down, or has not yet replayed what the client wrote)."))
    data_dir: Path = Field(default=PROJECT_ROOT / ".yizhan", description="Local cluster and state.")
    pg_port: int | None = Field(default=None, description="Port of the project-local cluster.")
    secret_key: str | None = Field(
        default=None, description="Keys the hashes of ID numbers and the applicants' status "
                                  "links; must stay the same for the life of the data.")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(default=None, description=(
        "How clients reach the API (scheme://host[:port]); links, QR codes and status links are "
        "built from it. Required in production."))
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(LOCAL_HOSTS), description=(
            "Host names (or addresses) clients may reach the API by, comma-separated; "
            "*.example.com names every subdomain, * any host (only behind a proxy that checks "
            "Host itself). The host of YIZHAN_PUBLIC_URL is always trusted. Any other Host "
            "header is answered 400, so that no link is ever built from it."))
    timezone: str = Field(default="Asia/Shanghai", description="Default station time zone.")
    holiday_country: str = Field(default="CN", description="Country of public holidays (PH).")
    tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tiles_attribution: str = "&copy; OpenStreetMap contributors"
    tiles_subdomains: str = Field(default="abc", min_length=1, description=(
        "What {s} in tiles_url stands for, one letter or digit each: 1234 for Amap."))
    tiles_crs: Literal["wgs84", "gcj02"] = Field(
        default="wgs84", description="The coordinate system of the tile source: gcj02 for Amap "
                                     "or Tencent tiles, so that markers are moved onto them.")
    pool_size: int = 10
    request_threads: int = Field(default=4, ge=1, le=1000, description=(
        "Requests each worker process runs at once; more wait their turn in arrival order. A "
        "worker runs Python on one core: a few keep it busy while others wait on the "
        "database, and many more only take turns at Python's lock, which left some requests "
        "waiting seconds under load."))
    prepared_statements: bool = Field(default=True, description=(
        "Let psycopg prepare frequent statements on the server. Set false behind a "
        "transaction-mode pooler that does not track them, such as PgBouncer before 1.21 "
        "(Debian 12 has 1.18)."))
    pool_timeout_s: float = Field(default=5, gt=0, le=60, description=(
        "How long a request waits for a database connection before it is answered 503."))
    statement_timeout_ms: int = Field(default=10_000, ge=0, description=(
        "A query running longer is cancelled and answered 503 (0: no limit)."))
    idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0, description=(
        "A connection left idle inside a transaction for longer is closed by the server and its "
        "transaction rolled back, so that no stuck request holds locks (0: no limit)."))
    match_points_per_minute: int = Field(default=20_000, ge=1, description=(
        "Points one client address may send to POST /unions/match in any 60 seconds; beyond "
        "that it is answered 429 with Retry-After. Counted in the database, so all workers "
        "share it."))
    costly_at_once: int = Field(default=2, ge=1, le=100, description=(
        "Costly requests (POST /unions/match, GET /unions/qa) each worker process serves at "
        "once; more wait up to pool_timeout_s and are then answered 503, so that single "
        "look-ups always find a database connection."))
    header_timeout_s: float = Field(default=10, gt=0, le=300, description=(
        "A connection that has not sent a whole request head (request line and headers) this "
        "long after it opened, or after its first byte of a next request, is closed."))
    shutdown_grace_s: float = Field(default=20, gt=0, le=600, description=(
        "On SIGTERM, requests still running this long are cancelled and the server exits."))
    forwarded_allow_ips: str = Field(default="", description=(
        "Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: comma-separated "
        "addresses or networks, or * behind a load balancer that always sets them. None by "
        "default, so that no client can claim another's address; rate limits count the address "
        "a named proxy gives."))
    production: bool = Field(default=False, description=(
        "Refuse to start without an explicit YIZHAN_SECRET_KEY of 32 characters or more."))
    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins (scheme://host[:port]) whose pages may embed "
                                          "the map pages in an iframe, besides yizhan's own.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins whose scripts may read yizhan's public GET "
        "answers (tiles, stations, unions) across origins, e.g. a partner's MapLibre map. "
        "Officer endpoints never carry CORS headers, and no Authorization header is allowed.")
    token_minutes: int = Field(default=30, ge=1, le=24 * 60,
                               description="Lifetime of an officer's bearer token.")
    ogc_filter_max_chars: int = Field(default=4000, ge=100, description=(
        "The longest CQL2 filter /ogc takes, in characters; a longer one is a 400."))
    retention_days: int = Field(default=180, ge=1, le=3650, description=(
        "`yizhan data purge` erases the personal data of applications rejected or withdrawn "
        "longer ago than this."))
    stale_after_days: int = Field(default=90, ge=1, description="A station not verified for "
                                  "this long is flagged as stale.")
    visit_window_minutes: int = Field(default=30, ge=1, le=24 * 60, description=(
        "Taps on a station's 签到 button from one device within this many minutes count as one "
        "visit."))
    visit_retention_days: int = Field(default=90, ge=8, le=3650, description=(
        "Raw visits older than this many days are dropped (whole days at a time) by `yizhan "
        "visits prune`; the hourly counts stay."))
    ebike_kmh: float = Field(default=15.0, gt=0, le=60, description=(
        "Speed of the e-bike mode of the service circle and siting, in km/h."))
    detour_factor: float = Field(default=1.3, ge=1, le=3, description=(
        "How much longer a way by road is than the straight (geodesic) line, for the service "
        "circle and siting: reach = speed × minutes ÷ this factor, as a geodesic distance."))
    request_deadlines: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict, description="Working days to answer a worker's request, for the "
        "categories to change: wages=2,injury=2 (or as JSON); the others keep their defaults.")

    @field_validator("embed_origins", "cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):  # a JSON list, or origins separated by commas or spaces
            value = json.loads(value) if value.lstrip().startswith("[") else \
                value.replace(",", " ").split()
        if isinstance(value, list):
            for origin in value:
                if not ORIGIN.fullmatch(str(origin)):
                    raise ValueError(f"{info.field_name}: {origin!r}: give scheme://host[:port], e.g. "
                                     "https://app.example.com, or *")
        return value

    @field_validator("trusted_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else \
                value.replace(",", " ").split()
        if isinstance(value, list):
            for host in value:
                if not HOST.fullmatch(str(host)):
                    raise ValueError(f"trusted_hosts: {host!r}: give host names without scheme "
                                     "or port, e.g. yizhan.example.org, *.example.org, 10.0.0.5")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError(f"{value!r}: give scheme://host[:port][/path], e.g. "
                             "https://yizhan.example.org")
        return value.rstrip("/")

    def allowed_hosts(self) -> list[str]:
        """The trusted hosts, and that of YIZHAN_PUBLIC_URL."""
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return [*self.trusted_hosts, *([public] if public else [])]

    @field_validator("request_deadlines", mode="before")
    @classmethod
    def _deadlines(cls, value: object) -> object:
        if isinstance(value, str):  # a JSON object, or category=days separated by commas
            if value.lstrip().startswith("{"):
                value = json.loads(value)
            else:
                pairs = [p.split("=", 1) for p in value.replace(" ", "").split(",") if p]
                if any(len(p) != 2 for p in pairs):
                    raise ValueError("give category=days pairs separated by commas, e.g. "
                                     "wages=2,injury=2")
                value = dict(pairs)
        if isinstance(value, dict):
            allowed = ", ".join(Category)
            for name, days in value.items():
                if name not in Category.__members__.values():
                    raise ValueError(f"{name!r} is no category; the categories are {allowed}")
                if not str(days).isdigit() or not 1 <= int(days) <= MAX_DEADLINE_DAYS:
                    raise ValueError(f"{name}={days}: give a whole number of working days, 1 to "
                                     f"{MAX_DEADLINE_DAYS}")
        return value

    def deadlines(self) -> dict[Category, int]:
        """Working days to answer a request, by category: the defaults with the settings' changes."""
        return {**DEFAULT_DEADLINES, **{Category(k): int(v) for k, v in self.request_deadlines.items()}}

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for proxy in filter(None, (part.strip() for part in value.split(","))):
            try:
                if proxy != "*":
                    ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network; give the proxies' "
                                 "addresses or networks, comma-separated (10.0.0.5, 172.18.0.0/16), "
                                 "or *") from None
        return value

    def check_production(self) -> None:
        """In production, secrets come only from the environment or a settings file, never from
        a default or the local set-up's generated file."""
        if not self.production:
            return
        if not self.secret_key or len(self.secret_key) < 32:
            raise ValueError("YIZHAN_PRODUCTION is set: give YIZHAN_SECRET_KEY, 32 characters or "
                             "more (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        if not self.database_url:
            raise ValueError("YIZHAN_PRODUCTION is set: give YIZHAN_DATABASE_URL (the local "
                             "development cluster is not for production)")
        if not self.public_url:
            raise ValueError("YIZHAN_PRODUCTION is set: give YIZHAN_PUBLIC_URL, the address "
                             "clients reach the API by (e.g. https://yizhan.example.org); links "
                             "and QR codes are built from it, never from a request's Host")

    def resolved_database_url(self) -> str:
        """The database to use: the configured one, else the local cluster's (which must be up)."""
        if self.database_url:
            return self.database_url
        return LocalCluster.from_settings(self).url()


def setting_problems(error: ValidationError) -> list[str]:
    """One line per bad setting: its variable, the value given and what is allowed."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"])
        allowed = ALLOWED.get(problem["type"]) or problem["msg"].removeprefix(
            "Value error, ").removeprefix(f"{name}: ")
        variable = f"YIZHAN_{name.upper()}"
        lines.append(f"{variable}={problem.get('input')!r} cannot be used: {allowed}")
    return lines
