"""A PgBouncer in transaction mode in front of a local cluster, with its own ini file, for the
tests and benchmarks that run yizhan through a pooler as a deployment does (Debian's
`pgbouncer` package; `scripts/bootstrap --test` installs it).

PgBouncer drops the `options` startup parameter (`ignore_startup_parameters`), so the statement
timeout is set on the role instead. Before PgBouncer 1.21 it does not track protocol-level
prepared statements: run yizhan with YIZHAN_PREPARED_STATEMENTS=false behind it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from yizhan.cluster import SUPERUSER, ClusterError, LocalCluster, _port_is_free, free_port


def installed() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None)


@dataclass
class PgBouncer:
    cluster: LocalCluster
    port: int = field(default_factory=free_port)
    pool_size: int = 20
    process: subprocess.Popen[bytes] | None = None

    @property
    def folder(self) -> Path:
        return self.cluster.root / f"pgbouncer-{self.port}"

    def url(self, database: str) -> str:
        return (f"postgresql+psycopg://{SUPERUSER}:{quote(self.cluster.password(), safe='')}"
                f"@127.0.0.1:{self.port}/{database}")

    def start(self) -> None:
        binary = installed()
        if binary is None:
            raise ClusterError("PgBouncer is not installed: run `scripts/bootstrap --test` "
                               "(or `sudo apt-get install pgbouncer`)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cluster._chown_to_server(self.folder)
        users = self.folder / "userlist.txt"
        users.write_text(f'"{SUPERUSER}" "{self.cluster.password()}"\n')
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.cluster.port()}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = scram-sha-256\nauth_file = {users}\n"
            f"pool_mode = transaction\nadmin_users = {SUPERUSER}\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 1000\n"
            "ignore_startup_parameters = options,extra_float_digits\n"
            # A server that went away is tried again at once, not after the default 15 s.
            "server_login_retry = 1\nserver_connect_timeout = 5\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n")
        for path in (users, ini):
            path.chmod(0o600)
            self.cluster._chown_to_server(path)
        # PgBouncer refuses to run as root; -u makes it the server's user.
        user = ["-u", self.cluster.run_as] if self.cluster.run_as else []
        command = [binary, *user, str(ini)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while _port_is_free(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "pgbouncer.log")
                raise ClusterError("PgBouncer did not start:\n" +
                                   (log.read_text()[-2000:] if log.exists() else ""))
            time.sleep(0.05)

    def transactions(self, database: str) -> int:
        """How many transactions PgBouncer has passed on to `database` (its SHOW STATS)."""
        import psycopg

        from geo.db import libpq_url

        with psycopg.connect(libpq_url(self.url("pgbouncer")), autocommit=True,
                             prepare_threshold=None) as conn:
            cursor = conn.execute("SHOW STATS")
            columns = [c.name for c in cursor.description or []]
            for row in cursor:
                stats = dict(zip(columns, row, strict=True))
                if stats["database"] == database:
                    return int(stats["total_xact_count"])
        return 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


def pooled_role(url: str, statement_timeout_ms: int) -> None:
    """What yizhan sends as startup options, set on the role for the database instead, as
    PgBouncer drops them: the statement timeout, and no JIT."""
    import psycopg
    from sqlalchemy import make_url

    from geo.db import libpq_url

    parsed = make_url(url)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for name, value in (("statement_timeout", str(statement_timeout_ms)), ("jit", "off")):
            conn.execute(f'ALTER ROLE "{parsed.username}" IN DATABASE "{parsed.database}" '
                         f"SET {name} = '{value}'")
