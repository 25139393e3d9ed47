"""A throw-away PostgreSQL server for the store tests: initdb into a temp dir, start on a free port,
stop and remove at the end. Needs the Debian package ``postgresql`` (``make test`` installs it).

PostgreSQL refuses to run as root; under root the server runs as the ``postgres`` system user that
the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

HOW_TO_FIX = (
    "The store tests run against a real PostgreSQL server that the test run starts itself, and its "
    "programs (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. Run `make test`, which "
    "installs them (Debian package `postgresql`), or run `apt-get install -y postgresql`."
)


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    user: pwd.struct_passwd | None  # the account the server runs as when we are root

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "naast_test") -> str:
        return f"postgresql+psycopg2://naast@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.user is not None:
            kwargs.update(user=self.user.pw_uid, group=self.user.pw_gid, extra_groups=[])
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.root)}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              env=env, cwd=self.root, check=False, timeout=120, **kwargs)  # type: ignore[arg-type]


def find_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    pytest.fail(HOW_TO_FIX, pytrace=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("Running as root, and there is no `postgres` user to run the test PostgreSQL server "
                    "as. Install the Debian package `postgresql` (`make test` does) or run the tests "
                    "as a normal user.", pytrace=False)


def start() -> PgServer:
    bindir = find_bindir()
    user = _server_account()
    root = Path(tempfile.mkdtemp(prefix="naast-pg-"))
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PgServer(bindir, root, _free_port(), user)
    _check(server, server.run("initdb", "-D", str(server.datadir), "-U", "naast", "-A", "trust",
                              "-E", "UTF8", "--locale=C", "--no-sync"), "initdb")
    options = (f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -F "
               "-c max_connections=40 -c full_page_writes=off")
    _check(server, server.run("pg_ctl", "-D", str(server.datadir), "-l", str(root / "server.log"),
                              "-o", options, "-w", "-t", "60", "start"), "pg_ctl start")
    _create_database(server)
    return server


def _create_database(server: PgServer) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = psycopg2.connect(host="127.0.0.1", port=server.port, user="naast", dbname="postgres")
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE DATABASE naast_test")
    connection.close()


def _check(server: PgServer, result: subprocess.CompletedProcess[str], step: str) -> None:
    if result.returncode != 0:
        log = server.root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        stop(server)
        pytest.fail(f"test PostgreSQL: {step} failed:\n{result.stdout}\n{result.stderr}\n{tail}", pytrace=False)


def stop(server: PgServer) -> None:
    if (server.datadir / "postmaster.pid").exists():
        server.run("pg_ctl", "-D", str(server.datadir), "-m", "fast", "-w", "-t", "60", "stop")
    shutil.rmtree(server.root, ignore_errors=True)


def reset_schema(server: PgServer) -> None:
    """An empty database for the next test (faster than a new database)."""
    connection = psycopg2.connect(host="127.0.0.1", port=server.port, user="naast", dbname="naast_test")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    connection.close()
