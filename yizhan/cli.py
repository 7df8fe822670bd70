"""`yizhan`: the operator's command line."""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from geo.crs import Crs
from geo.vocab import UnionLevel
from yizhan.cluster import ClusterError, LocalCluster
from yizhan.maps_cli import maps_app
from yizhan.officers_cli import officers_app
from yizhan.requests_cli import requests_app
from yizhan.settings import Settings, setting_problems
from yizhan.visits_cli import stations_app, visits_app

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="yizhan: rest stations for outdoor workers, on PostGIS.", no_args_is_help=True)
db_app = typer.Typer(help="The project-local PostgreSQL cluster and migrations.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo data.", no_args_is_help=True)
# What an import's exit status says; 2 stays typer's own, for a command line it cannot use.
ROWS_REJECTED = 3
IMPORT_HELP = """Import data files, in one transaction each.

Exit status: 0 every row loaded; 1 the file cannot be used (unreadable, wrong format, no such
columns) and nothing was written; 2 the command line is wrong (an unknown option, a missing
argument); 3 some rows were rejected and reported, the others loaded; 130 or 143 stopped by
Ctrl-C or SIGTERM, and nothing was written."""
import_app = typer.Typer(help=IMPORT_HELP, no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
unions_app = typer.Typer(help="Area unions.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(unions_app, name="unions")
app.add_typer(officers_app, name="officers")
app.add_typer(maps_app, name="maps")
standby_app = typer.Typer(help="A streaming standby of the local cluster, to try a read replica.",
                          no_args_is_help=True)
db_app.add_typer(standby_app, name="standby")
data_app = typer.Typer(help="Personal data over time.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(requests_app, name="requests")
app.add_typer(visits_app, name="visits")
app.add_typer(stations_app, name="stations")


@app.callback()
def _check_settings() -> None:
    # Before any command: a mistyped setting is one line each, not a traceback.
    try:
        Settings()
    except ValidationError as exc:
        _fail("\n".join(setting_problems(exc)))


def _cluster(settings: Settings) -> LocalCluster | None:
    """The local cluster, or None (with a note) when an external database is configured."""
    if settings.database_url:
        typer.echo("YIZHAN_DATABASE_URL is set: using that database, starting nothing.")
        return None
    return LocalCluster.from_settings(settings)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signum)


def _import(file: Path, run: Callable[[Engine], Any]) -> None:
    """Run an import against the configured database, print how the file was read, its
    repaired areas, rejected rows and summary; exit as IMPORT_HELP says."""
    from geo.db import make_engine
    from seed.station_import import ImportFormatError

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    on_sigterm = signal.signal(signal.SIGTERM, _stop)
    try:
        result = run(engine)
    except ImportFormatError as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt as exc:
        signum = exc.args[0] if exc.args else signal.SIGINT
        typer.secho(f"{file.name}: stopped by {signal.Signals(signum).name}; nothing of it was "
                    "written (its transaction was rolled back)", fg=typer.colors.RED, err=True)
        raise typer.Exit(128 + signum) from None
    finally:
        signal.signal(signal.SIGTERM, on_sigterm)
    for said in getattr(result, "notes", []):
        typer.secho(f"{file.name}: {said}", fg=typer.colors.BLUE)
    for note in getattr(result, "repaired", []):
        typer.secho(f"{file.name}:{note.where}: {note.reason}", fg=typer.colors.BLUE)
    for problem in result.problems:
        typer.secho(f"{file.name}:{problem.where}: {problem.reason}", fg=typer.colors.YELLOW)
    typer.echo(result.summary())
    if result.problems:
        raise typer.Exit(ROWS_REJECTED)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@db_app.command("up")
def db_up() -> None:
    """Create (first time) and start the local cluster."""
    settings = Settings()
    if cluster := _cluster(settings):
        try:
            cluster.up()
        except ClusterError as exc:
            _fail(str(exc))
        typer.echo(f"PostgreSQL running on 127.0.0.1:{cluster.port()}, data in {cluster.data}")


@db_app.command("down")
def db_down() -> None:
    """Stop the local cluster."""
    if cluster := _cluster(Settings()):
        cluster.down()
        typer.echo("PostgreSQL stopped")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local cluster runs, where, and how to reach it."""
    from geo.db import libpq_url

    settings = Settings()
    if cluster := _cluster(settings):
        state = "running" if cluster.running() else (
            "stopped" if cluster.initialized() else "not created")
        typer.echo(f"state: {state}\ndata: {cluster.data}\nport: {cluster.port()}")
        typer.echo(f"url: {libpq_url(cluster.url()).replace(cluster.password(), '***')}")
        if state != "running":
            raise typer.Exit(3)


def _example_station(settings: Settings) -> tuple[int, float, float]:
    """A station of the database being served (id, lat, lon), for the banner's example links;
    the demo's first one if there is none or the database does not answer."""
    import psycopg

    from geo.db import libpq_url

    try:
        with psycopg.connect(libpq_url(settings.resolved_database_url()), connect_timeout=3) as conn:
            row = conn.execute("SELECT id, ST_Y(location), ST_X(location) FROM stations "
                               "WHERE status = 'operational' ORDER BY id LIMIT 1").fetchone()
    except psycopg.Error:
        row = None
    return row or (1, 31.2335, 121.4751)


@db_app.command("url")
def db_url(database: Annotated[str | None, typer.Option(
        help="Another database on the same server, such as a synthetic one.")] = None) -> None:
    """Print the database URL yizhan uses, password included: for YIZHAN_DATABASE_URL="$(…)",
    psql and the other PostgreSQL tools."""
    from sqlalchemy import make_url

    from geo.db import libpq_url

    url = make_url(Settings().resolved_database_url())
    typer.echo(libpq_url((url.set(database=database) if database else url).render_as_string(False)))


@db_app.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Delete the local cluster with all its data and create it anew."""
    if cluster := _cluster(Settings()):
        if not yes:
            typer.confirm(f"Delete all data in {cluster.root}?", abort=True)
        cluster.reset()
        typer.echo("PostgreSQL reset and running (empty)")


@db_app.command("migrate")
def db_migrate() -> None:
    """Bring the schema to the newest migration."""
    from geo.db import migrate

    migrate(Settings().resolved_database_url())
    typer.echo("schema is current")


def _standby(settings: Settings) -> tuple[LocalCluster, LocalCluster]:
    cluster = _cluster(settings)
    if cluster is None:
        _fail("YIZHAN_DATABASE_URL is set: make its standby with PostgreSQL's own tools "
              "(see Running with a replica in the docs)")
        raise typer.Exit(1)
    return cluster, LocalCluster(settings.data_dir / "standby", None, cluster.sized_to_machine)


@standby_app.command("up")
def standby_up(delay: Annotated[str | None, typer.Option(
        help="Lag it on purpose by this much (recovery_min_apply_delay), e.g. 5s.")] = None) -> None:
    """Make (first time, with pg_basebackup -R) and start a hot standby of the local cluster."""
    settings = Settings()
    primary, standby = _standby(settings)
    extra = {"recovery_min_apply_delay": f"'{delay}'"} if delay else {}
    try:
        primary.up()
        if standby.initialized():
            standby.up()
            if delay:
                standby.reconfigure(recovery_min_apply_delay=delay)
        else:
            standby = primary.make_standby(standby.state_dir, None, extra)
    except ClusterError as exc:
        _fail(str(exc))
    typer.echo(f"standby streaming from 127.0.0.1:{primary.port()}, running on "
               f"127.0.0.1:{standby.port()}, data in {standby.data}\n"
               f'Serve with it: YIZHAN_READ_DATABASE_URL="$(.venv/bin/yizhan db standby url)" '
               ".venv/bin/yizhan serve")


@standby_app.command("url")
def standby_url() -> None:
    """The standby's URL, for YIZHAN_READ_DATABASE_URL."""
    _, standby = _standby(Settings())
    typer.echo(standby.url())


@standby_app.command("down")
def standby_down(remove: Annotated[bool, typer.Option(
        "--remove", help="Also delete it (`up` then makes a fresh one).")] = False) -> None:
    """Stop the standby."""
    _, standby = _standby(Settings())
    if remove:
        standby.remove()
    else:
        standby.down()
    typer.echo("standby removed" if remove else "standby stopped")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (pg_dump custom format).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Write the whole database to FILE, which `yizhan db restore` reads back."""
    from yizhan.backup import BackupError, backup

    settings = Settings()
    try:
        size = backup(settings.resolved_database_url(), file, overwrite=force)
    except BackupError as exc:
        _fail(str(exc))
        return
    typer.echo(f"backup written to {file} ({size / 2**20:.1f} MB)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `yizhan db backup`.")],
    force: Annotated[bool, typer.Option(
        "--force", "--yes", help="Replace a database that holds data.")] = False,
) -> None:
    """Replace the database's contents with FILE's, in one transaction: a failed restore
    changes nothing. A database that holds data is only replaced with --force."""
    import time

    from yizhan.backup import BackupError, restore

    settings = Settings()
    started = time.monotonic()
    try:
        restore(settings.resolved_database_url(), file, replace=force)
    except BackupError as exc:
        _fail(str(exc))
        return
    typer.echo(f"restored {file} in {time.monotonic() - started:.1f} s; the schema is the "
               "backup's: run `yizhan db migrate` if this code is newer")


@data_app.command("purge")
def data_purge(
    days: Annotated[int | None, typer.Option(min=1, help=(
        "Erase what was decided longer ago than this many days [default: YIZHAN_RETENTION_DAYS, "
        "180]"), show_default=False)] = None,
) -> None:
    """Erase the personal data (name, phone, ID number, typed-in workplace) of applications
    rejected or withdrawn longer ago than the retention period; each erasure is audited.
    Safe to run daily, e.g. from cron: what was erased before is not touched again."""
    from datetime import UTC, datetime, timedelta

    from geo.db import make_engine
    from officers.audit import Actor
    from officers.erasure import PURGE_BATCH, purge

    settings = Settings()
    cutoff = datetime.now(UTC) - timedelta(days=days or settings.retention_days)
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    batch = PURGE_BATCH
    erased = 0
    while batch == PURGE_BATCH:  # a transaction per batch: a stop keeps what was done
        with engine.begin() as conn:
            batch = purge(conn, cutoff, Actor("cli"))
        erased += batch
    engine.dispose()
    typer.echo(f"erased the personal data of {erased} rejected or withdrawn application(s) "
               f"decided before {cutoff:%Y-%m-%d %H:%M} UTC")


@seed_app.command("demo")
def seed_demo(
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Load each kind only if none of it exists yet.")] = False,
) -> None:
    """Load the Shanghai demo stations, unions and workplaces (deterministic; running it again
    changes nothing)."""
    from geo.db import make_engine
    from seed.demo import load_demo

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    with engine.begin() as conn:
        report = load_demo(conn, if_empty=if_empty)
    typer.echo(report)


@seed_app.command("synthetic")
def seed_synthetic(
    scale: Annotated[str, typer.Option(
        help="city, province, nation, or a fraction of the nation (0 < scale <= 1).")] = "city",
    database: Annotated[str | None, typer.Option(
        help="Database to create beside yizhan's own [default: yizhan_synthetic_SCALE]",
        show_default=False)] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
    replace: Annotated[bool, typer.Option(
        help="Load anew a database this command made before (never another one).")] = False,
) -> None:
    """Generate a deterministic synthetic country (area unions five levels deep with their H3
    coverage, stations, workplaces) into a database of its own, for measuring at scale. Nation
    is about 700,000 unions, 200,000 stations and 6,500,000 workplaces."""

    from seed.synthetic import parse_scale, plan
    from seed.synthetic_load import load

    try:
        fraction = parse_scale(scale)
    except ValueError as exc:
        _fail(str(exc))
        return
    settings = Settings()
    if (cluster := _cluster(settings)) is not None:
        cluster.up()
    name = database or f"yizhan_synthetic_{scale.replace('.', '_')}"
    try:
        report = load(settings.resolved_database_url(), name, plan(fraction), workers=workers,
                      replace=replace, progress=typer.echo)
    except FileExistsError as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt as exc:
        typer.secho(f"interrupted: database {name} was dropped", fg=typer.colors.RED, err=True)
        raise typer.Exit(128 + (exc.args[0] if exc.args else signal.SIGINT)) from None
    for line in report.lines():
        typer.echo(line)
    typer.echo(f'Serve it: YIZHAN_DATABASE_URL="$(.venv/bin/yizhan db url --database {name})" '
               ".venv/bin/yizhan serve")


@import_app.command("stations")
def import_stations(
    file: Annotated[Path, typer.Argument(help="A .geojson or .csv file.")],
    crs: Annotated[Crs, typer.Option(help="Coordinate system of the file's points.")] = Crs.WGS84,
    fmt: Annotated[str | None, typer.Option("--format", help="geojson or csv; default: by suffix.")]
    = None,
) -> None:
    """Upsert stations from GeoJSON or CSV by external id; bad rows are reported, good ones load."""
    from seed.station_import import import_file

    _import(file, lambda engine: import_file(engine, file, crs, fmt))


@import_app.command("workplaces")
def import_workplaces(
    file: Annotated[Path, typer.Argument(help="A .geojson or .csv file.")],
    crs: Annotated[Crs, typer.Option(help="Coordinate system of the file's points.")] = Crs.WGS84,
    fmt: Annotated[str | None, typer.Option("--format", help="geojson or csv; default: by suffix.")]
    = None,
) -> None:
    """Upsert workplaces by external id and match them to their area unions."""
    from seed.workplace_import import import_workplaces as run

    _import(file, lambda engine: run(engine, file, crs, fmt))


@import_app.command("unions")
def import_unions(
    file: Annotated[Path, typer.Argument(help="GeoJSON, Shapefile or GeoPackage.")],
    code_field: Annotated[str, typer.Option(help="Field with the union's unique code.")],
    name_field: Annotated[str, typer.Option(help="Field with the union's name.")],
    crs: Annotated[str, typer.Option(help="wgs84, gcj02, bd09 or EPSG:<code>.")] = "wgs84",
    level: Annotated[UnionLevel | None, typer.Option(
        parser=UnionLevel.parse, metavar="LEVEL",
        help="Level of every feature: city, district, street, community or grid (village, "
             "town, 村, 乡镇… are taken too).")] = None,
    level_field: Annotated[str | None, typer.Option(help="Field with each feature's level.")]
    = None,
    parent_field: Annotated[str | None, typer.Option(help="Field with the parent's code.")] = None,
    parent_code_prefix: Annotated[int | None, typer.Option(
        min=1, help="The parent's code is the first N characters of the code (administrative "
                    "codes: a grid's code starts with its community's).")] = None,
    where: Annotated[str | None, typer.Option(help="Only features matching this OGR SQL "
                                                   "condition, e.g. \"level = 'street'\".")]
    = None,
) -> None:
    """Upsert area unions by code, building their H3 coverage; bad areas are reported."""
    from geo.areas import AreaError, parse_crs
    from seed.union_import import FieldMap
    from seed.union_import import import_unions as run

    try:
        source_crs = parse_crs(crs)
    except AreaError as exc:
        _fail(str(exc))
        return
    fields = FieldMap(code_field, name_field, parent_field, level_field, parent_code_prefix)
    _import(file, lambda engine: run(engine, file, source_crs, fields, level, where))


@unions_app.command("qa")
def unions_qa(
    output: Annotated[Path | None, typer.Option(help="Write the GeoJSON report here.")] = None,
) -> None:
    """Overlaps, gaps, parts outside the parent, slivers and repaired areas."""
    import json

    from geo.db import make_engine
    from geo.union_qa import report

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    with engine.connect() as conn:
        found = report(conn)
    for feature in found["features"]:
        p = feature["properties"]
        typer.echo(f"{p['kind']:15} {','.join(p['unions']):30} {p['area_m2']:>14,.1f} m²"
                   + ("  sliver" if p["sliver"] else ""))
    typer.echo(", ".join(f"{n} {kind}" for kind, n in found["counts"].items()) or "no problems")
    if output:
        output.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
        typer.echo(f"GeoJSON written to {output}")


@unions_app.command("rebuild-coverage")
def rebuild_coverage() -> None:
    """Measure every stored area again and recompute its H3 coverage, in one transaction."""
    from geo.db import make_engine
    from geo.unions import rebuild_all

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    with engine.begin() as conn:
        count = rebuild_all(conn)
    typer.echo(f"coverage rebuilt for {count} areas")


def _local_secret(settings: Settings, name: str, variable: str) -> Path:
    path = settings.data_dir / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    os.environ[variable] = path.read_text().strip()
    return path


def _local_admin(settings: Settings) -> Path:
    """The local set-up's admin account, its password kept beside the cluster."""
    from geo.db import make_engine
    from officers import accounts

    path = _local_secret(settings, "admin-password", "YIZHAN_LOCAL_ADMIN_PASSWORD")
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    with engine.begin() as conn:
        accounts.ensure_admin(conn, "admin", path.read_text().strip())
    engine.dispose()
    return path


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API and the maps."""
    import uvicorn

    from api.hardening import host_allowed
    from yizhan.serving import uvicorn_options

    settings = Settings()
    try:
        settings.check_production()
    except ValueError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    if not settings.database_url:  # the local set-up keeps its secrets beside its cluster
        if not settings.secret_key:
            _local_secret(settings, "secret-key", "YIZHAN_SECRET_KEY")
        password_file = _local_admin(settings)
        typer.echo(f"Admin login: admin, password in {password_file} (the workbench, or POST /auth/token)")
    host = host or settings.host
    port = port or settings.port
    base = settings.public_url or f"http://{host}:{port}"
    station, lat, lon = _example_station(settings)
    typer.echo(f"API docs:  {base}/docs")
    typer.echo(f"Map:       {base}/maps/nearest?lat={lat:.4f}&lon={lon:.4f}")
    typer.echo(f"Nearest:   {base}/stations/nearest?lat={lat:.4f}&lon={lon:.4f}&k=3")
    typer.echo(f"Join form: {base}/join?station={station}")
    typer.echo(f"Ask for help: {base}/request?station={station}")
    typer.echo(f"Workbench: {base}/console")
    if not host_allowed(host, settings.allowed_hosts()):  # e.g. 0.0.0.0 in a container
        typer.echo(f"Hosts:     answers only {', '.join(settings.allowed_hosts())}; to reach it "
                   "by another name or address, set YIZHAN_TRUSTED_HOSTS or YIZHAN_PUBLIC_URL")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port,
                workers=workers, **uvicorn_options(settings))
