"""`yizhan visits …` and `yizhan stations …`: station visits and where the next station should
go, from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from yizhan.settings import Settings

visits_app = typer.Typer(help="Station visits.", no_args_is_help=True)
stations_app = typer.Typer(help="Stations: where the next ones should go.", no_args_is_help=True)


@visits_app.command("prune")
def prune() -> None:
    """Drop the raw visits of days older than YIZHAN_VISIT_RETENTION_DAYS (whole days); the
    hourly counts stay. Run it daily; running it again changes nothing."""
    from geo.db import make_engine
    from visits import core

    settings = Settings()
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        dropped = core.prune(engine, settings.visit_retention_days, datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo(f"dropped the raw visits of {len(dropped)} day(s)"
               + (f": {dropped[0]} to {dropped[-1]}" if dropped else "")
               + f"; raw visits are kept for {settings.visit_retention_days} days")


@stations_app.command("suggest")
def suggest(
    union: Annotated[str, typer.Option("--union", help="The union's code: its area and "
                                                       "workplaces (with those below it).")],
    n: Annotated[int, typer.Option("--n", min=1, max=50, help="How many sites, 1 to 50.")] = 10,
    mode: Annotated[str, typer.Option("--mode", help="walk (4.5 km/h) or ebike "
                                                     "(YIZHAN_EBIKE_KMH).")] = "walk",
    minutes: Annotated[float, typer.Option("--minutes", min=1, max=60)] = 15,
    candidates: Annotated[Path | None, typer.Option(
        "--candidates", help="A GeoJSON file of candidate places (named by their name "
                             "property); default the centres of the area's H3 res-9 cells.")]
    = None,
    exact: Annotated[bool, typer.Option("--exact", help="Also solve the exact optimum (an "
                                                        "integer program) and print the ratio.")]
    = False,
) -> None:
    """Where the next n stations should go: the candidate sites that bring the most workplaces
    (weighted by their members and the members' groups' visit rates) newly within reach, picked
    one after the other."""
    from sqlalchemy import select

    from geo.db import make_engine
    from geo.models import Union
    from visits import circle, siting

    settings = Settings()
    try:
        chosen_mode = circle.Mode(mode)
    except ValueError:
        typer.secho(f"--mode {mode!r}: give walk or ebike", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    r = circle.reach(chosen_mode, minutes, settings.ebike_kmh, settings.detour_factor)
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        with engine.connect() as conn:
            union_id = conn.execute(select(Union.__table__.c.id).where(
                Union.__table__.c.code == union)).scalar()
            if union_id is None:
                typer.secho(f"--union {union!r}: no union has this code", fg=typer.colors.RED,
                            err=True)
                raise typer.Exit(1)
            try:
                places = (siting.read_candidates(json.loads(candidates.read_text("utf-8")))
                          if candidates else siting.cell_candidates(conn, union_id))
            except (OSError, ValueError) as exc:
                typer.secho(f"--candidates: {exc}", fg=typer.colors.RED, err=True)
                raise typer.Exit(1) from None
            inst = siting.instance(conn, union_id, places, r.metres,
                                   datetime.now(UTC) - timedelta(days=siting.RATE_DAYS))
    finally:
        engine.dispose()
    found = siting.suggest(inst, n)
    typer.echo(f"{found['candidates']} candidates, {found['demand_workplaces']} workplaces out "
               f"of reach ({r.metres:.0f} m geodesic: {minutes:g} min by {mode}, detour factor "
               f"{r.detour:g}); coverage now {found['coverage_before']}")
    for p in found["picks"]:
        typer.echo(f"{p['rank']:>3}  {p['label']}  {p['lon']:.6f},{p['lat']:.6f}  "
                   f"adds {p['adds']:g}  coverage after {p['coverage_after']}")
    typer.echo(f"picked by: {found['method']}")
    if exact:
        greedy_picks, _ = siting.choose(inst.sets, inst.weights, n, 0)
        greedy_value = siting.value(inst.sets, inst.weights, [i for i, _ in greedy_picks])
        best, _, proven = siting.exact(inst.sets, inst.weights, n, 600)
        ratio = 1.0 if not best else greedy_value / best
        typer.echo(f"exact optimum {best:g} ({'proven' if proven else 'time limit reached'}); "
                   f"greedy with swaps / optimum = {ratio:.4f}")
