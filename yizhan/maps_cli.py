"""`yizhan maps export …`: a map page as one HTML file for offline use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yizhan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from geo.unions import UnionRecord
    from maps.page import MapStyle

maps_app = typer.Typer(help="Map pages.", no_args_is_help=True)
export_app = typer.Typer(help="Write a map page as one self-contained HTML file.",
                         no_args_is_help=True)
maps_app.add_typer(export_app, name="export")
Output = Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")]
Lang = Annotated[str, typer.Option(help="zh or en.")]
Lat = Annotated[float, typer.Option(min=-90, max=90, help="Latitude, WGS84.")]
Lon = Annotated[float, typer.Option(min=-180, max=180, help="Longitude, WGS84.")]
Zoom = Annotated[int | None, typer.Option(min=1, max=19, help="Open at this zoom instead of "
                                                              "fitting what the page shows.")]


def _export(output: Path, lang: str, zoom: int | None,
            build: Callable[[Connection, MapStyle], str]) -> None:
    """Render a page from the configured database and write it with its assets inlined."""
    from geo.crs import Crs
    from geo.db import make_engine
    from maps.export import EXPORT_BASE, write
    from maps.page import MapStyle

    if lang not in ("zh", "en"):
        typer.secho(f"error: --lang {lang!r}: use zh or en", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if not output.parent.is_dir():
        typer.secho(f"error: --output {output}: the folder {output.parent} does not exist",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    settings = Settings()
    style = MapStyle(EXPORT_BASE, settings.tiles_url, settings.tiles_attribution, lang,
                     Crs(settings.tiles_crs), settings.tiles_subdomains, zoom, offline=True)
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        with engine.connect() as conn:
            html = build(conn, style)
    finally:
        engine.dispose()
    size = write(html, output)
    typer.echo(f"wrote {output} ({size / 1024:,.0f} KiB; opens with no server)")


@export_app.command("nearest")
def export_nearest(lat: Lat, lon: Lon, output: Output,
                   k: Annotated[int, typer.Option(min=1, max=50)] = 5, lang: Lang = "zh",
                   zoom: Zoom = None) -> None:
    """The nearest-station map around a point, as it is now."""
    from geo.nearest import nearest
    from maps.nearest_page import AROUND, nearest_map

    def build(conn: Connection, style: MapStyle) -> str:
        now = datetime.now(UTC)
        country = Settings().holiday_country
        return nearest_map(lon, lat, nearest(conn, lon, lat, k, at=now, country=country),
                           nearest(conn, lon, lat, AROUND, at=now, country=country), style)
    _export(output, lang, zoom, build)


@export_app.command("match")
def export_match(lat: Lat, lon: Lon, output: Output, lang: Lang = "zh", zoom: Zoom = None) -> None:
    """Which union covers a point, and why."""
    from maps.match_page import match_map, match_view

    def build(conn: Connection, style: MapStyle) -> str:
        return match_map(lon, lat, *match_view(conn, lon, lat), style)
    _export(output, lang, zoom, build)


EXPORT_STATIONS = 20_000  # stations written into an exported page (it has no tiles to draw)
Code = Annotated[str, typer.Argument(help="The union's code.")]


def _union(conn: Connection, code: str) -> UnionRecord:
    from geo import unions

    union = unions.by_code(conn, code)
    if union is None:
        typer.secho(f"error: no union with code {code!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return union


@export_app.command("union")
def export_union(code: Code, output: Output, lang: Lang = "zh", zoom: Zoom = None) -> None:
    """A union's area, children, H3 coverage and stations."""
    from maps.union_page import union_map, union_view

    def build(conn: Connection, style: MapStyle) -> str:
        return union_map(union_view(conn, _union(conn, code), EXPORT_STATIONS), style)
    _export(output, lang, zoom, build)


@export_app.command("coverage")
def export_coverage(
    code: Code, output: Output, lang: Lang = "zh", zoom: Zoom = None,
    walk_m: Annotated[float, typer.Option(min=50, max=10_000, help="Walking distance, metres.")]
    = 1000,
    res: Annotated[int, typer.Option(min=7, max=10, help="H3 resolution of the gap cells.")] = 8,
) -> None:
    """A union's gap map, as an officer of it sees it on /maps/coverage (figures only: no
    names of workplaces or members)."""
    from geo import stations, unions
    from geo.jurisdiction import Jurisdiction
    from geo.vocab import StationStatus
    from maps.coverage_page import SavedGaps, coverage_map
    from maps.page import geojson_bounds
    from officers import dashboard

    def build(conn: Connection, style: MapStyle) -> str:
        union = _union(conn, code)
        within = Jurisdiction(union.path)
        totals, cells = dashboard.gaps(conn, within, walk_m, res)
        _, operational = stations.search(conn, within=within, limit=EXPORT_STATIONS,
                                         statuses=[StationStatus.OPERATIONAL])
        area = unions.area_geojson(conn, union.id)
        saved = SavedGaps(union.name, {"walk_m": walk_m, "res": res, **totals},
                          dashboard.gap_geojson(cells, walk_m, res), operational, area)
        (south, west), (north, east) = geojson_bounds(area) if area else ([31.2335, 121.4751],) * 2
        return coverage_map((west + east) / 2, (south + north) / 2, walk_m, res, style, saved)
    _export(output, lang, zoom, build)
