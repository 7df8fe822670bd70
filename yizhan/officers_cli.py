"""`yizhan officers …`: accounts for grid officers and admins."""

from __future__ import annotations

import getpass
import secrets
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Connection

from officers import accounts, audit
from officers.accounts import AccountError, OfficerRecord
from officers.audit import Actor
from officers.vocab import Role
from yizhan.settings import Settings

officers_app = typer.Typer(help="Officer accounts.", no_args_is_help=True)
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input instead of generating one.")]


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated (and so must be shown)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


def _run(change: Callable[[Connection], OfficerRecord], action: str) -> OfficerRecord:
    from geo.db import make_engine

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    try:
        with engine.begin() as conn:
            officer = change(conn)
            audit.record(conn, Actor(f"cli:{getpass.getuser()}"), action, "officer", officer.id,
                         officer.union_id, {"username": officer.username})
        return officer
    except AccountError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@officers_app.command("create")
def create(
    username: str,
    union_code: Annotated[str | None, typer.Option(
        "--union-code", help="The union whose area (and everything below) the officer manages.")]
    = None,
    role: Annotated[Role, typer.Option(help="officer: their union's subtree; admin: all.")]
    = Role.OFFICER,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an officer account; without --password-stdin a password is generated and shown."""
    password, generated = _password(password_stdin)
    officer = _run(lambda conn: accounts.create(conn, username, name or username, role,
                                                union_code, password), "create")
    typer.echo(f"created {officer.role} {officer.username}"
               + (f" for union {union_code}" if union_code else ""))
    if generated:
        typer.echo(f"password: {password}")


@officers_app.command("disable")
def disable(username: str) -> None:
    """Refuse the officer's logins; their tokens stop working at once."""
    _run(lambda conn: accounts.disable(conn, username), "disable")
    typer.echo(f"disabled {username}")


@officers_app.command("enable")
def enable(username: str) -> None:
    _run(lambda conn: accounts.enable(conn, username), "enable")
    typer.echo(f"enabled {username}")


@officers_app.command("reset-password")
def reset_password(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password, unlock the account and revoke every token issued before."""
    password, generated = _password(password_stdin)
    _run(lambda conn: accounts.set_password(conn, username, password), "reset_password")
    typer.echo(f"new password for {username}" + (f": {password}" if generated else " set"))


@officers_app.command("list")
def list_officers() -> None:
    from geo import unions
    from geo.db import make_engine

    engine = make_engine(Settings().resolved_database_url(), pool_size=1)
    with engine.connect() as conn:
        officers = accounts.listing(conn)
        known = unions.records(conn, sorted({o.union_id for o in officers if o.union_id}))
    engine.dispose()
    typer.echo("username\trole\tunion\tstate")
    for o in officers:
        union = known.get(o.union_id) if o.union_id else None
        where = f"{union.code} {union.name}" if union else "(everything)"
        typer.echo(f"{o.username}\t{o.role}\t{where}\t{'disabled' if o.disabled_at else 'active'}")
