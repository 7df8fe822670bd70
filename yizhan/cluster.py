"""A project-local PostgreSQL cluster under `.yizhan/`, never the system's one.

As root, the server runs as the unprivileged `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

SUPERUSER = "yizhan"
DATABASE = "yizhan"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "work_mem": "'16MB'",
    "max_connections": "200",
    "logging_collector": "off",
}


def memory_settings(ram_bytes: int | None = None) -> dict[str, str]:
    """Memory sized from the machine at each start, by PostgreSQL's usual rule: a quarter of
    the RAM for shared buffers (at most 8 GB), three quarters assumed to cache the disk. Pages
    are only taken as they are used, so a small test database stays small."""
    ram = ram_bytes or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mb = 2**20
    return {"shared_buffers": f"{max(128, min(8192, ram // 4 // mb))}MB",
            "effective_cache_size": f"{max(512, ram * 3 // 4 // mb)}MB",
            "maintenance_work_mem": f"{max(64, min(1024, ram // 16 // mb))}MB"}


class ClusterError(RuntimeError):
    """The local cluster cannot be set up or started; the message says why and what to do."""


def _pg_bindir() -> Path:
    """The newest PostgreSQL whose share dir has PostGIS (Debian layout), or YIZHAN_PG_BIN."""
    if env := os.environ.get("YIZHAN_PG_BIN"):
        return Path(env)
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for bindir in versions:
        if Path(f"/usr/share/postgresql/{bindir.parent.name}/extension/postgis.control").exists():
            return bindir
    if versions:
        raise ClusterError(
            "PostgreSQL is installed but PostGIS is not: run `sudo apt-get install "
            f"postgresql-{versions[0].parent.name}-postgis-3` (or `make run`, which does it as root)."
        )
    raise ClusterError(
        "PostgreSQL with PostGIS is not installed: run `sudo apt-get install "
        "postgresql-15-postgis-3`, or set YIZHAN_DATABASE_URL to an existing PostGIS database."
    )


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Placed(Protocol):
    """Where the cluster lives and listens (yizhan.settings.Settings has both)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def pg_port(self) -> int | None: ...
def free_port() -> int:
    """A port nothing listens on now, chosen by the kernel (for throw-away clusters)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LocalCluster:
    state_dir: Path
    requested_port: int | None = None
    # False for throw-away clusters beside the main one (tests): PostgreSQL's small defaults
    # instead of memory sized from the machine.
    sized_to_machine: bool = True

    @classmethod
    def from_settings(cls, settings: Placed) -> LocalCluster:
        return cls(settings.data_dir, settings.pg_port)

    # Where things live ---------------------------------------------------------------------

    @property
    def run_as(self) -> str | None:
        """The user the server runs as: ourselves, or `postgres` when we are root."""
        return "postgres" if os.geteuid() == 0 else None

    @property
    def root(self) -> Path:
        """The cluster folder: under the project, unless the server user cannot reach it there."""
        local = self.state_dir / "pg"
        if self.run_as is None or self._reachable_by_server(self.state_dir):
            return local
        digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:10]
        return Path("/var/tmp") / f"yizhan-pg-{digest}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    @property
    def password_file(self) -> Path:
        return self.state_dir / "pg-password"

    @property
    def port_file(self) -> Path:
        return self.state_dir / "pg-port"

    def _reachable_by_server(self, path: Path) -> bool:
        path.mkdir(parents=True, exist_ok=True)
        probe = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(path)], capture_output=True
        )
        return probe.returncode == 0

    # Commands --------------------------------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(_pg_bindir() / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise ClusterError(f"{args[0]} failed:\n{result.stdout}{result.stderr}")
        return result

    def _chown_to_server(self, path: Path) -> None:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(path, user.pw_uid, user.pw_gid)

    def port(self) -> int:
        if self.requested_port:
            return self.requested_port
        if self.port_file.exists():
            return int(self.port_file.read_text())
        # A port derived from the folder, so two checkouts on one machine rarely collide.
        port = 54000 + int(hashlib.sha256(str(self.state_dir).encode()).hexdigest(), 16) % 1000
        while not _port_is_free(port):
            port += 1
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.port_file.write_text(str(port))
        return port

    def password(self) -> str:
        if not self.password_file.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24))
        return self.password_file.read_text().strip()

    def url(self, database: str = DATABASE) -> str:
        return (
            f"postgresql+psycopg://{SUPERUSER}:{quote(self.password(), safe='')}"
            f"@127.0.0.1:{self.port()}/{database}"
        )

    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialized():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def _make_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        for path in (self.root, self.socket_dir):
            self._chown_to_server(path)

    def _configure(self, extra: dict[str, str]) -> None:
        # A socket path longer than the kernel allows makes the server refuse to start.
        socket_dir = str(self.socket_dir) if len(str(self.socket_dir)) < 90 else ""
        settings = {**SERVER_SETTINGS, "port": str(self.port()),
                    "unix_socket_directories": f"'{socket_dir}'", **extra}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# yizhan local cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def init(self, extra: dict[str, str] | None = None) -> None:
        self._make_root()
        pwfile = self.root / "initdb-password"
        pwfile.write_text(self.password())
        self._chown_to_server(pwfile)
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._configure(extra or {})

    def up(self, extra: dict[str, str] | None = None) -> None:
        """Start the cluster; the first time, create it (with `extra` server settings)."""
        if not self.initialized():
            self.init(extra)
        if not self.running():
            memory = memory_settings() if self.sized_to_machine else {}
            self.logfile.touch()
            self._chown_to_server(self.logfile)
            self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                      "-l", str(self.logfile), "-o", " ".join(
                          [f"-p {self.port()}", *(f"-c {k}={v}" for k, v in memory.items())]))
        self.ensure_database(DATABASE)

    def down(self) -> None:
        if self.running():
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def kill(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every session cut (for fault tests)."""
        if self.running():
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))

    def reset(self) -> None:
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)
        self.up()

    def make_standby(self, state_dir: Path, port: int | None = None,
                     settings: dict[str, str] | None = None) -> LocalCluster:
        """A hot standby of this (running) cluster in `state_dir`, streaming from it: a base
        backup taken with `pg_basebackup -R`, which writes the standby's connection to this one
        (`primary_conninfo`) and its `standby.signal`. The standby has the same superuser and
        password, names itself `cluster_name = 'standby'` (what `synchronous_standby_names`
        lists) and takes `settings` besides, e.g. a `recovery_min_apply_delay`. Started."""
        state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.password_file, state_dir / "pg-password")
        standby = LocalCluster(state_dir, port, self.sized_to_machine)
        if standby.initialized():
            raise ClusterError(f"{standby.data} already holds a cluster: remove it first")
        standby._make_root()
        conninfo = (f"host=127.0.0.1 port={self.port()} user={SUPERUSER} "
                    f"password={self.password()} application_name=standby")
        self._run("pg_basebackup", "-D", str(standby.data), "-R", "-X", "stream",
                  "--checkpoint=fast", "-d", conninfo)
        standby._configure({"cluster_name": "'standby'", "hot_standby": "on",
                            **(settings or {})})
        standby.up()
        return standby

    def reconfigure(self, **settings: str) -> None:
        """Change server settings of the running cluster (`ALTER SYSTEM`, then a reload); this
        works on a standby too."""
        import psycopg

        from geo.db import libpq_url

        with psycopg.connect(libpq_url(self.url("postgres")), autocommit=True) as conn:
            for name, value in settings.items():
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            conn.execute("SELECT pg_reload_conf()")

    def promote(self) -> None:
        """Make this standby a primary: it stops replaying and takes writes."""
        self._run("pg_ctl", "promote", "-w", "-t", "60", "-D", str(self.data))

    def remove(self) -> None:
        """Stop and delete this cluster's files (for throw-away clusters made by tests)."""
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def ensure_database(self, name: str) -> None:
        import psycopg

        from geo.db import libpq_url

        with psycopg.connect(libpq_url(self.url("postgres")), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
