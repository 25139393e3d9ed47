"""The production topology on one machine: ``naast run --prod`` (``make run-prod``).

Everything listens on loopback and lives in one folder (``NAAST_PROD_DIR``, default ``.naast/prod/``),
started as the current user under the same supervisord as the embedded default (bot/supervision.py):

- **PostgreSQL** (Debian's binaries; ``initdb`` once, then ``postgres`` in the foreground): database
  ``naast`` (notes, outbox, accounts) and ``naast_tracker`` (Rasa's SQL tracker store). Password
  authentication with a generated password (``postgres.password``). PostgreSQL refuses to run as root;
  under root it runs as the ``postgres`` account of the Debian package.
- **Redis** (no persistence, generated password): Rasa's lock store (``endpoints.prod.yml``).
- **NAAST_RASA_REPLICAS Rasa servers** (default 2), **NAAST_ACTION_REPLICAS action servers**,
  **NAAST_WEB_REPLICAS web apps**, the **delivery worker**.
- **nginx** in front (generated ``nginx/nginx.conf``, ``daemon off``, pid, logs and temp files in the
  folder), on three loopback ports:

  - NAAST_WEB_PORT (8000), for residents' browsers: ``/socket.io/`` → Rasa, sticky on the client
    address, websocket upgrade; ``/webhooks/rest/webhook`` → Rasa, consistent hash on the
    conversation; everything else → the web apps. Never Rasa's HTTP API.
  - NAAST_RASA_PORT (5005), for the web apps: all of Rasa (channels and the token-protected API),
    consistent hash on the conversation; the ``X-Naast-Replica`` response header names the replica.
  - NAAST_ACTION_PORT (5055), for the Rasa servers: the action servers, least connections.

**Why route on the conversation.** Rasa 3.6's open-source Redis lock store reads then writes (not
atomic), and its socket.io server has no client manager, so one conversation should be handled by one
replica at a time: the lock store then only matters when a conversation moves (a replica died). The
sender id is in the JSON body of a REST message, which nginx cannot hash on, so the one who sends
names it where nginx sees it: the web app's chat proxy (the widget's REST transport and the chat page)
sends ``X-Naast-Sender``; other REST clients send that header or ``?sender=``; the API's paths hold it
(``/conversations/<sender>/...``). nginx hashes that value (``hash ... consistent``): each conversation
has one replica, and when that replica refuses the connection nginx passes the request to the next one
on the ring (``proxy_next_upstream``) and keeps doing so while it is down. Every replica
reads the conversation from PostgreSQL at every message (Rasa keeps no tracker in memory), so nothing
is lost when a conversation moves. A message whose connection broke (a replica killed a moment ago
can still accept one) is passed on too (``non_idempotent``, REST messages only). A replica killed while
it held a conversation's lock leaves that lock in Redis until it expires (Rasa's TICKET_LOCK_LIFETIME,
NAAST_LOCK_LIFETIME_S, 20 s, below the web app's 30 s wait for Rasa): that one conversation waits that
long, the other replica then answers it. While Redis is down each replica keeps its locks in memory
(bot/rasa_runtime/lock_store.py): residents are answered, only a move between replicas is unserialised.

socket.io keeps its session in the process, so sockets are sticky on ``$remote_addr`` (one resident's
polling and websocket requests reach the same replica); a socket on a replica that dies reconnects to
the next one and its conversation continues from PostgreSQL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bot.config import ROOT

PG_DATABASE = "naast"
TRACKER_DATABASE = "naast_tracker"
PG_USER = "naast"
# pg_advisory_lock id for creating the databases and Rasa's table at start-up (bot/db.py uses another).
SETUP_LOCK_ID = 72_616_001
REPLICA_HEADER = "X-Naast-Sender"
# A replica that refused a connection is skipped this long (then tried again; a refusal costs nothing on
# loopback). While every replica is skipped nginx answers 502: the seconds after they all were down.
FAIL_SECONDS = 2
# The layout of the ports from NAAST_PROD_PORT_BASE.
RASA_OFFSET, ACTION_OFFSET, WEB_OFFSET, SPAN = 10, 30, 50, 70


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    postgres = shutil.which("postgres")
    return Path(os.path.realpath(postgres)).parent if postgres else None


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def redis_binary() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server",) if os.access(p, os.X_OK)), None)


def missing_programs() -> list[str]:
    missing = []
    if postgres_bindir() is None:
        missing.append("PostgreSQL (postgres, initdb)")
    if redis_binary() is None:
        missing.append("redis-server")
    if nginx_binary() is None:
        missing.append("nginx")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("the `postgres` account (PostgreSQL refuses to run as root)")
    return missing


class Layout:
    """Ports, folders and addresses of the topology, from the settings (the one definition)."""

    def __init__(self, settings) -> None:  # noqa: ANN001 - bot.config.Settings (imported lazily there)
        self.settings = settings
        base = settings.prod_port_base
        self.first_port, self.last_port = base, base + SPAN - 1
        self.postgres_port = base
        self.redis_port = base + 1
        self.rasa_ports = [base + RASA_OFFSET + i for i in range(settings.rasa_replicas)]
        self.action_ports = [base + ACTION_OFFSET + i for i in range(settings.action_replicas)]
        self.web_ports = [base + WEB_OFFSET + i for i in range(settings.web_replicas)]
        self.dir = Path(settings.prod_dir).resolve()

    def all_ports(self) -> list[int]:
        s = self.settings
        return [s.web_port, s.rasa_port, s.action_port, self.postgres_port, self.redis_port,
                *self.rasa_ports, *self.action_ports, *self.web_ports]

    # -- folders and generated secrets --------------------------------------------------------------
    @property
    def pg_data(self) -> Path:
        return self.dir / "postgres"

    @property
    def run_dir(self) -> Path:
        return self.dir / "run"

    @property
    def nginx_dir(self) -> Path:
        return self.dir / "nginx"

    def secret(self, name: str) -> str:
        """A generated password kept in the folder (mode 0600), made on first use."""
        path = self.dir / f"{name}.password"
        if not path.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(24) + "\n", encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def database_url(self, database: str = PG_DATABASE) -> str:
        password = self.secret("postgres")
        return f"postgresql+psycopg2://{PG_USER}:{password}@127.0.0.1:{self.postgres_port}/{database}"

    @property
    def tracker_db_url(self) -> str:
        return self.database_url(TRACKER_DATABASE)


# -- the programs ---------------------------------------------------------------------------------------

def prepare(layout: Layout) -> None:
    """Folders, PostgreSQL's cluster (once), Redis's and nginx's configuration (every start)."""
    layout.dir.mkdir(parents=True, exist_ok=True)
    # Traversable (not readable) for PostgreSQL's account under root; everything inside is private.
    layout.dir.chmod(0o711)
    for sub in (layout.run_dir, layout.nginx_dir, layout.dir / "redis", layout.dir / "logs"):
        sub.mkdir(exist_ok=True)
        sub.chmod(0o700)
    _init_postgres(layout)
    redis_conf = layout.dir / "redis" / "redis.conf"
    redis_conf.write_text(redis_config(layout), encoding="utf-8")
    redis_conf.chmod(0o600)
    (layout.nginx_dir / "nginx.conf").write_text(nginx_config(layout), encoding="utf-8")


def _pg_account() -> pwd.struct_passwd | None:
    return pwd.getpwnam("postgres") if os.geteuid() == 0 else None


def _init_postgres(layout: Layout) -> None:
    if (layout.pg_data / "PG_VERSION").exists():
        return
    bindir = postgres_bindir()
    account = _pg_account()
    layout.pg_data.mkdir(exist_ok=True)
    layout.pg_data.chmod(0o700)
    pwfile = layout.dir / "initdb.pw"
    pwfile.write_text(layout.secret("postgres") + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    kwargs: dict[str, object] = {}
    if account is not None:
        os.chown(layout.pg_data, account.pw_uid, account.pw_gid)
        os.chown(pwfile, account.pw_uid, account.pw_gid)
        kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
    try:
        result = subprocess.run(  # noqa: S603 - Debian's initdb, arguments from the layout
            [str(bindir / "initdb"), "-D", str(layout.pg_data), "-U", PG_USER, "-A", "scram-sha-256",
             f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C"],
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            cwd=layout.dir, check=False, timeout=180, **kwargs)  # type: ignore[arg-type]
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(layout.pg_data, ignore_errors=True)
        hint = ("\nPostgreSQL runs as `postgres` here (we are root): that account must be able to enter every "
                f"folder above {layout.dir} (chmod o+x), or set NAAST_PROD_DIR elsewhere.") if account else ""
        raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}{hint}")


def redis_config(layout: Layout) -> str:
    return "\n".join([
        "# Written by `naast run --prod` (bot/prod.py) at every start. Rasa's lock store only: no persistence.",
        "bind 127.0.0.1",
        f"port {layout.redis_port}",
        "protected-mode yes",
        f"requirepass {layout.secret('redis')}",
        'save ""',
        "appendonly no",
        f"dir {layout.dir / 'redis'}",
        "daemonize no",
        'logfile ""',
        "",
    ])


def nginx_config(layout: Layout) -> str:
    s = layout.settings
    d = layout.nginx_dir

    def servers(ports: list[int], extra: str = "") -> str:
        return "\n".join(f"        server 127.0.0.1:{port}{extra};" for port in ports)

    # Under root nginx's workers would run as `nobody`, who cannot enter the private folder: they run as
    # the current user, like every other process of the topology.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    proxy_common = """
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;"""
    # A resident's message goes on to the next replica also when the connection broke after it was
    # sent: a replica killed a moment ago can still accept a connection, then resets it without having
    # read the message. The only case handled twice is a replica dying between storing the turn and
    # sending the answer (milliseconds), the same as the resident sending it again.
    message_failover = """
            proxy_next_upstream error non_idempotent;"""
    # The web app's request for a message may outlive the resident's wait (twice NAAST_RASA_TIMEOUT_S).
    rasa_wait = int(2 * s.rasa_timeout_s) + 5
    return f"""# Written by `naast run --prod` (bot/prod.py) at every start; do not edit.
{user}daemon off;
worker_processes auto;
pid {d / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 4096; }}

http {{
    # No access log: URLs hold conversation ids and sealed summary links.
    access_log off;
    server_tokens off;
    client_body_temp_path {d / 'client_body'};
    proxy_temp_path {d / 'proxy'};
    fastcgi_temp_path {d / 'fastcgi'};
    uwsgi_temp_path {d / 'uwsgi'};
    scgi_temp_path {d / 'scgi'};
    types {{ text/html html; application/javascript js; text/css css; }}
    default_type application/octet-stream;
    client_max_body_size 64k;
    # The next replica when one refuses the connection (or does not answer a GET in time).
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 0;
    # Bodies hold residents' words: kept in memory, never in temp files (requests up to the body limit,
    # responses streamed when larger than the buffers).
    client_body_buffer_size 64k;
    proxy_buffers 16 16k;
    proxy_max_temp_file_size 0;

    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    # The conversation a request belongs to: the {REPLICA_HEADER} header (the web app's chat proxy),
    # else ?sender=, else the path of Rasa's API (/conversations/<sender>/...).
    map $uri $naast_path_sender {{ "~^/conversations/(?<s>[^/]+)" $s; default ""; }}
    map "$http_x_naast_sender|$arg_sender|$naast_path_sender" $naast_conversation {{
        "~^(?<s>[^|]+)\\|" $s;
        "~^\\|(?<s>[^|]+)\\|" $s;
        "~^\\|\\|(?<s>.+)$" $s;
        default "";
    }}

    # One replica per conversation; the next one on the ring while it is down. The zones share what
    # each worker learnt about down replicas. No keep-alive connections to the replicas: on a cached
    # connection to a replica that just died the request counts as sent, and nginx rightly does not
    # pass a POST on; a fresh connection is refused before anything is sent, and passed on.
    upstream rasa_conversations {{
        zone rasa_conversations 64k;
        hash $naast_conversation consistent;
{servers(layout.rasa_ports, f' max_fails=1 fail_timeout={FAIL_SECONDS}s')}
    }}
    # socket.io keeps its session in the process: sticky on the client address.
    upstream rasa_sockets {{
        zone rasa_sockets 64k;
        hash $remote_addr consistent;
{servers(layout.rasa_ports, f' max_fails=1 fail_timeout={FAIL_SECONDS}s')}
    }}
    upstream naast_actions {{
        zone naast_actions 64k;
        least_conn;
{servers(layout.action_ports, f' max_fails=1 fail_timeout={FAIL_SECONDS}s')}
    }}
    upstream naast_web {{
        zone naast_web 64k;
        least_conn;
{servers(layout.web_ports, f' max_fails=1 fail_timeout={FAIL_SECONDS}s')}
    }}
    # A resident's messages to one web app: a message sent again meets its first attempt there
    # (bot/web/message_ledger.py). The widget names its conversation in the {REPLICA_HEADER} header.
    upstream naast_chat {{
        zone naast_chat 64k;
        hash $http_x_naast_sender consistent;
{servers(layout.web_ports, f' max_fails=1 fail_timeout={FAIL_SECONDS}s')}
    }}

    # Residents: the web app, Rasa's channels (never its HTTP API).
    server {{
        listen 127.0.0.1:{s.web_port};
        location /socket.io/ {{
            proxy_pass http://rasa_sockets;{proxy_common}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
        location = /webhooks/rest/webhook {{
            proxy_pass http://rasa_conversations;{proxy_common}{message_failover}
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
        }}
        location = /api/chat {{
            proxy_pass http://naast_chat;{proxy_common}
            proxy_set_header Connection "";
            proxy_read_timeout {rasa_wait}s;
        }}
        location / {{
            proxy_pass http://naast_web;{proxy_common}
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
        }}
    }}

    # The web apps: all of Rasa (its API needs NAAST_RASA_TOKEN), one replica per conversation.
    server {{
        listen 127.0.0.1:{s.rasa_port};
        client_max_body_size 1m;
        client_body_buffer_size 1m;
        # Rasa 3.6 takes its API token only in the query string, and nginx's error lines name the URL:
        # nothing below critical here (a replica that is down shows in supervisord's log instead).
        error_log stderr crit;
        location = /webhooks/rest/webhook {{
            proxy_pass http://rasa_conversations;{proxy_common}{message_failover}
            proxy_set_header Connection "";
            proxy_read_timeout {rasa_wait}s;
            add_header X-Naast-Replica $upstream_addr always;
        }}
        location / {{
            proxy_pass http://rasa_conversations;{proxy_common}
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
            # Which replica answered (loopback only; operators and the fault tests read it).
            add_header X-Naast-Replica $upstream_addr always;
        }}
    }}

    # The Rasa servers: the action servers (NAAST_ACTION_TOKEN is checked by each).
    server {{
        listen 127.0.0.1:{s.action_port};
        # Rasa sends the whole tracker to the action server.
        client_max_body_size 4m;
        client_body_buffer_size 4m;
        location / {{
            proxy_pass http://naast_actions;{proxy_common}
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def programs(settings, layout: Layout) -> list:  # noqa: ANN001
    """Every process of the topology as supervisord programs (bot/supervision.py)."""
    from bot.supervision import Program, server_commands

    account = _pg_account()
    wait = [sys.executable, "-m", "bot.prod", "wait"]
    result = [
        Program("postgres", [str(postgres_bindir() / "postgres"), "-D", str(layout.pg_data),
                             "-p", str(layout.postgres_port), "-c", "listen_addresses=127.0.0.1",
                             "-c", "unix_socket_directories=", "-c", "max_connections=200"],
                user=account.pw_name if account else None, stopsignal="INT", priority=10),
        Program("redis", [redis_binary(), str(layout.dir / "redis" / "redis.conf")], priority=10),
        Program("nginx", [nginx_binary(), "-p", str(layout.nginx_dir), "-c", str(layout.nginx_dir / "nginx.conf"),
                          "-e", "stderr"], stopsignal="QUIT", priority=20),
    ]
    for i, port in enumerate(layout.rasa_ports, 1):
        command = server_commands(settings, rasa_port=port, endpoints="endpoints.prod.yml")["rasa"]
        result.append(Program(f"rasa_{i}", [*wait, "--postgres", "--redis", "--tracker", "--", *command], priority=50))
    for i, port in enumerate(layout.action_ports, 1):
        command = server_commands(settings, action_port=port)["actions"]
        result.append(Program(f"actions_{i}", [*wait, "--postgres", "--", *command], priority=40))
    for i, port in enumerate(layout.web_ports, 1):
        command = server_commands(settings)["web"]
        result.append(Program(f"web_{i}", [*wait, "--postgres", "--", *command], priority=60,
                              environment={"NAAST_WEB_PORT": str(port)}))
    result.append(Program("delivery", [*wait, "--postgres", "--", *server_commands(settings)["delivery"]],
                          priority=60))
    return result


def environment(settings, layout: Layout) -> dict[str, str]:  # noqa: ANN001
    """What every process of the topology gets on top of the embedded servers' environment."""
    return {
        # Each process is one part with concrete addresses; the topology is the business of `naast run`.
        "NAAST_PROFILE": "embedded",
        "NAAST_REDIS_HOST": "127.0.0.1",
        "NAAST_REDIS_PORT": str(layout.redis_port),
        "NAAST_REDIS_PASSWORD": layout.secret("redis"),
        "NAAST_PUBLIC_RASA_URL": str(settings.public_rasa_url or settings.public_url),
        # nginx is the web apps' one proxy: the log-in limit sees the resident's address, not nginx's.
        "NAAST_TRUSTED_PROXIES": "127.0.0.1",
        # Rasa reads its lock lifetime from here (rasa.core.lock_store); why shorter: bot/config.py.
        "TICKET_LOCK_LIFETIME": str(settings.lock_lifetime_s),
    }


# -- `python -m bot.prod wait ... -- command`: start a part once what it needs answers ------------------

def _wait(check, what: str, seconds: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while True:
        try:
            check()
            return
        except Exception as error:  # noqa: BLE001 - retried until the deadline
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} not reachable after {seconds:.0f} s: {error}") from error
            time.sleep(0.5)


def _setup_postgres() -> None:
    """Create the two databases and Rasa's table once, under a lock (the replicas start together)."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["DATABASE_URL"])
    connection = psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                  dbname="postgres", connect_timeout=3)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_ID,))
            for name in (PG_DATABASE, TRACKER_DATABASE):
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            cursor.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_ID,))
    finally:
        connection.close()


def _setup_tracker() -> None:
    """Rasa's `events` table, made by one process (two replicas making it at once can collide)."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sa.create_engine(os.environ["NAAST_TRACKER_URL"])
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SETUP_LOCK_ID})")
            SQLTrackerStore.Base.metadata.create_all(connection)
    finally:
        engine.dispose()


def _ping_redis() -> None:
    import redis

    redis.StrictRedis(host=os.environ["NAAST_REDIS_HOST"], port=int(os.environ["NAAST_REDIS_PORT"]),
                      password=os.environ.get("NAAST_REDIS_PASSWORD") or None, socket_timeout=2).ping()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.prod")
    commands = parser.add_subparsers(dest="command", required=True)
    wait = commands.add_parser("wait", help="wait for PostgreSQL/Redis (and set them up), then exec COMMAND")
    wait.add_argument("--postgres", action="store_true")
    wait.add_argument("--redis", action="store_true")
    wait.add_argument("--tracker", action="store_true", help="create Rasa's tracker table")
    wait.add_argument("--seconds", type=float, default=120)
    wait.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command after --")
    if args.postgres:
        _wait(_setup_postgres, "PostgreSQL", args.seconds)
    if args.tracker:
        _wait(_setup_tracker, "Rasa's tracker database", args.seconds)
    if args.redis:
        _wait(_ping_redis, "Redis", args.seconds)
    with contextlib.suppress(AttributeError):
        sys.stdout.flush()
    os.chdir(ROOT)
    os.execvp(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
