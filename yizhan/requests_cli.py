"""`yizhan requests …`: workers' requests, from the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from yizhan.settings import Settings

requests_app = typer.Typer(help="Workers' requests for help and their needs.", no_args_is_help=True)


@requests_app.command("escalate")
def escalate(
    on: Annotated[str | None, typer.Option(
        "--today", help="The day to escalate as of, YYYY-MM-DD (default: today, local time).")]
    = None,
) -> None:
    """Escalate every open request past its deadline one level up (and on, up to the city, as
    far as its deadlines have passed). Run it daily; running it again changes nothing, and reads
    of a request do the same for that request."""
    from geo.db import make_engine
    from membership.worker_requests.escalation import escalate_due

    settings = Settings()
    try:
        day = date.fromisoformat(on) if on else datetime.now(ZoneInfo(settings.timezone)).date()
    except ValueError:
        typer.secho(f"--today {on!r}: give a day as YYYY-MM-DD, e.g. 2026-12-04", fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(1) from None
    engine = make_engine(settings.resolved_database_url(), pool_size=1)
    try:
        with engine.begin() as conn:
            done = escalate_due(conn, day, settings.deadlines())
    finally:
        engine.dispose()
    for request_id, step in done:
        typer.echo(f"request {request_id}: deadline {step.missed} passed; escalated to union "
                   f"{step.to_union} (level {step.level}), new deadline {step.deadline}")
    typer.echo(f"{len(done)} escalation(s) recorded, as of {day}")
