"""`yizhan visits …` and `yizhan stations …`: station visits and where the next station should
go, from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

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
