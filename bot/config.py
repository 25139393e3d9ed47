"""The one place for Naast's settings.

Values come from environment variables (prefix ``NAAST_`` unless noted), optionally from a local
``.env`` file; ``.env.example`` documents every one. ``Settings.load()`` validates them at start-up
so a wrong value stops the process with a clear message instead of failing later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import AnyHttpUrl, BaseSettings, Field, ValidationError, validator

ROOT = Path(__file__).resolve().parent.parent
LOCAL_SECRETS = ROOT / ".naast" / "secrets.env"


# The secrets, by environment variable: every one is required (the Rasa API never runs without its token).
SECRETS = {"NAAST_RASA_TOKEN": "rasa_token", "NAAST_SECRET_KEY": "secret_key", "NAAST_ACTION_TOKEN": "action_token"}
MIN_SECRET_LENGTH = {"NAAST_RASA_TOKEN": 24, "NAAST_SECRET_KEY": 32, "NAAST_ACTION_TOKEN": 24}


class ConfigError(RuntimeError):
    """Raised when the configuration is invalid; the message says what to fix."""


class Settings(BaseSettings):
    # Ports of the three servers.
    rasa_port: int = Field(5005, ge=1, le=65535)
    action_port: int = Field(5055, ge=1, le=65535)
    web_port: int = Field(8000, ge=1, le=65535)
    host: str = "127.0.0.1"
    # Where the action server listens (SANIC_HOST for `rasa run actions`). Loopback: only Rasa on
    # this machine calls it. A deployment with the action server elsewhere sets an address here.
    action_host: str = "127.0.0.1"
    rasa_url: AnyHttpUrl = Field("http://127.0.0.1:5005", description="where the web app reaches Rasa")
    public_url: AnyHttpUrl = Field("http://localhost:8000", description="the web app's address for residents")
    # Where residents' browsers reach Rasa's socket.io (the widget); empty: NAAST_RASA_URL. In the
    # production topology it is nginx (NAAST_PUBLIC_URL).
    public_rasa_url: AnyHttpUrl | None = None
    # Origins (space separated) whose pages may embed the chat; "*" while testing locally.
    allowed_origins: str = "*"
    # Addresses or networks (space separated) of the reverse proxy in front of the web app (nginx, an
    # Ingress controller): only from them is X-Forwarded-For believed (bot/web/security.py). Empty: no
    # proxy, the connection's own address counts. The production topology sets 127.0.0.1.
    trusted_proxies: str = ""

    # Secrets: generated into .naast/secrets.env when not set (never committed).
    rasa_token: str = Field("", min_length=0)
    secret_key: str = ""  # signs session cookies and download links
    # Shared secret between Rasa and the action server (Authorization: Bearer, see endpoints.yml).
    action_token: str = ""

    # Naast's own database (notes, outbox, users, audit). Rasa's tracker store is configured in
    # endpoints.yml and reads TRACKER_DB_* itself.
    database_url: str = Field(f"sqlite:///{ROOT / '.naast' / 'naast.db'}", env="DATABASE_URL")

    # Rasa's tracker store (conversation state). Empty: an SQLite file beside Naast's database.
    tracker_db_url: str = ""

    # Conversation limits.
    max_message_chars: int = Field(2000, ge=100, le=20000)

    # Delivery of notes.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "naast@gemeente.example"
    team_mailbox: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    # With the defaults (5 s doubling to at most an hour, 20 attempts) a receiver may be away for about
    # half a day before a delivery counts as failed for good (tests/notes/test_delivery_outage.py).
    delivery_max_attempts: int = Field(20, ge=1, le=100)
    delivery_base_delay_s: float = Field(5.0, gt=0)
    delivery_max_delay_s: float = Field(3600.0, gt=0, description="cap of the exponential back-off")
    delivery_timeout_s: float = Field(30.0, gt=0, description="per e-mail or webhook attempt")
    # A row stuck in "sending" (worker died mid-send) is taken up again after this lease.
    delivery_lease_s: float = Field(600.0, gt=0)
    delivery_poll_s: float = Field(5.0, gt=0, description="how often the worker looks for due rows")

    # Privacy.
    retention_days: int = Field(90, ge=1, le=3650)
    # Rasa's tracker store: a conversation without a note that nobody closed is deleted after this
    # many hours idle; one that led to a note after this many days (both by the retention job).
    abandoned_conversation_hours: float = Field(24, gt=0, le=24 * 30)
    conversation_retention_days: float = Field(28, gt=0, le=3650)
    # How often the web app deletes notes past their retention date (and old audit/login rows).
    purge_interval_minutes: int = Field(60, ge=1, le=24 * 60)
    # Audit entries (who read or changed which note; never note content) are kept this long.
    audit_retention_days: int = Field(730, ge=30, le=3650)

    # The professionals' inbox: accounts, sessions, log-in protection, routing of notes to teams.
    routing_file: Path = ROOT / "config" / "routing.yml"
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60, description="log out after this long idle")
    session_max_hours: int = Field(12, ge=1, le=7 * 24, description="log out after this long in any case")
    session_cookie_samesite: str = Field("Lax", regex="^(Lax|Strict)$")
    # Secure flag on the session cookie; empty: on when NAAST_PUBLIC_URL starts with https.
    session_cookie_secure: bool | None = None
    login_max_failures: int = Field(5, ge=1, le=100, description="failed log-ins before a name is locked")
    login_lockout_minutes: int = Field(15, ge=1, le=24 * 60)
    login_ip_max_failures: int = Field(50, ge=1, le=10000, description="failed log-ins per address per lock-out window")
    # Argon2id cost (RFC 9106 low-memory profile by default); existing hashes are upgraded at log-in.
    password_time_cost: int = Field(3, ge=1, le=20)
    password_memory_kib: int = Field(65536, ge=8, le=4 * 1024 * 1024)
    password_parallelism: int = Field(4, ge=1, le=16)
    password_min_length: int = Field(12, ge=8, le=128)

    resources_file: Path = ROOT / "config" / "resources.yml"
    # The editor warns when a crisis line or a municipal detail was last checked longer ago than this.
    resource_max_age_days: int = Field(180, ge=1, le=3650)

    # Editors and published models (bot/training/). Every Rasa process checks this often whether
    # another model was published, loads it beside the running one and then switches to it.
    model_check_seconds: float = Field(2.0, gt=0, le=600)
    # Before a new model goes live: these persona files (prefixes of ids in tests/personas/residents;
    # "all" for all of them, "" for none) and the test conversations (tests/conversations) must pass.
    publish_personas: str = "all"
    publish_conversation_tests: bool = True
    # Every published model is kept here (with its row in model_versions), and the project it was
    # trained from under training_dir.
    model_versions_dir: Path = ROOT / "models" / "versions"
    training_dir: Path = ROOT / ".naast" / "training"
    # Where de-identification (deduce) keeps its lookup structures (built once, about a minute).
    deduce_cache_dir: Path = ROOT / ".naast" / "deduce"

    # Where `naast run` keeps supervisord's configuration, control socket and per-process logs.
    run_dir: Path = ROOT / ".naast" / "run"

    # The production topology on one machine (`naast run --prod`, bot/prod.py): "embedded" is one Rasa
    # on SQLite; "prod" is PostgreSQL, Redis (Rasa's lock store), NAAST_RASA_REPLICAS Rasa servers,
    # action servers and web apps, the delivery worker and nginx in front, all on loopback.
    profile: str = Field("embedded", regex="^(embedded|prod)$")
    # The embedded default's Rasa processes behind one address (bot/router.py); Rasa uses one core per
    # process. 0 = as many as the machine has cores and memory for (rasa_process_count()); 1 = one Rasa
    # on NAAST_RASA_PORT itself, no router. The processes listen from NAAST_RASA_PROCESS_PORT_BASE
    # (0 = NAAST_RASA_PORT + 1000) on.
    rasa_processes: int = Field(0, ge=0, le=16)
    rasa_process_port_base: int = Field(0, ge=0, le=65535 - 16)
    rasa_replicas: int = Field(2, ge=1, le=16)
    action_replicas: int = Field(1, ge=1, le=16)
    web_replicas: int = Field(1, ge=1, le=16)
    # The replicas, PostgreSQL and Redis listen on ports from here (layout: bot/prod.py Layout); nginx
    # takes the well-known ports NAAST_WEB_PORT (residents), NAAST_RASA_PORT and NAAST_ACTION_PORT.
    prod_port_base: int = Field(15000, ge=1024, le=65535 - 100)
    # PostgreSQL's data, Redis, nginx's configuration, logs and temp files, supervisord's socket.
    prod_dir: Path = ROOT / ".naast" / "prod"
    # How long the web app waits for Rasa's answer to one message (then the resident gets a calm error).
    rasa_timeout_s: float = Field(30.0, gt=1, le=300)
    # Lifetime of a conversation's lock in Redis (Rasa's TICKET_LOCK_LIFETIME, 60 s by Rasa's default).
    # A replica killed while it held a lock leaves it there this long, and that conversation waits: so
    # it must stay below NAAST_RASA_TIMEOUT_S (the resident's next message is then answered), and above
    # the slowest normal turn (a longer turn lets the next message of that conversation start alongside).
    lock_lifetime_s: int = Field(20, ge=5, le=600)

    class Config:
        env_prefix = "NAAST_"
        env_file = ROOT / ".env"
        env_file_encoding = "utf-8"

    @validator("rasa_token", "secret_key", "action_token")
    def _no_whitespace(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value != value.strip():
            raise ValueError("must not start or end with spaces")
        return value

    @validator("trusted_proxies")
    def _proxies_are_addresses(cls, value: str) -> str:  # noqa: N805
        import ipaddress

        for item in value.split():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as error:
                raise ValueError(f"NAAST_TRUSTED_PROXIES: {item!r} is no address or network") from error
        return value

    @validator("webhook_secret", always=True)
    def _webhook_needs_secret(cls, value: str, values: dict) -> str:  # noqa: N805
        if values.get("webhook_url") and len(value) < 16:
            raise ValueError("NAAST_WEBHOOK_SECRET needs at least 16 characters when a webhook is set")
        return value

    @validator("delivery_lease_s")
    def _lease_outlives_attempt(cls, value: float, values: dict) -> float:  # noqa: N805
        # Otherwise a slow but live attempt could be taken over and delivered twice.
        if value <= 2 * values.get("delivery_timeout_s", 0):
            raise ValueError("NAAST_DELIVERY_LEASE_S must be more than twice NAAST_DELIVERY_TIMEOUT_S")
        return value

    @validator("lock_lifetime_s")
    def _lock_below_rasa_timeout(cls, value: int, values: dict) -> int:  # noqa: N805
        if value >= values.get("rasa_timeout_s", 30.0):
            raise ValueError("NAAST_LOCK_LIFETIME_S must be below NAAST_RASA_TIMEOUT_S (else a conversation "
                             "whose replica died answers nothing until the lock expires)")
        return value

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Read and validate the settings; fill missing secrets from the local secrets file."""
        try:
            settings = cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as error:
            raise ConfigError(f"Naast configuration is invalid:\n{error}") from error
        missing = [name for name, value in SECRETS.items() if not getattr(settings, value)]
        if missing and settings.profile == "prod":
            # Production takes its secrets from the environment only (an orchestrator's Secret, a
            # .env the operator keeps), never from a file Naast wrote itself.
            raise ConfigError(
                "Naast production configuration is invalid: set " + ", ".join(missing) + " in the environment "
                "(or .env). Make each with: python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        if missing:  # the embedded default: generated once into .naast/secrets.env
            local = ensure_local_secrets()
            for name in missing:
                setattr(settings, SECRETS[name], local[name])
        for name, length in MIN_SECRET_LENGTH.items():
            if len(getattr(settings, SECRETS[name])) < length:
                raise ConfigError(f"Naast configuration is invalid: {name} needs at least {length} characters")
        if settings.profile == "prod":
            settings.check_prod()
        return settings

    def check_prod(self) -> None:
        """The production topology's settings and programs, checked before anything starts."""
        from bot.prod import Layout, missing_programs

        layout = Layout(self)
        # The parts reach each other through nginx and the local PostgreSQL cluster (bot/prod.py).
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"  # type: ignore[assignment]
        self.database_url = layout.database_url()
        self.tracker_db_url = layout.tracker_db_url
        self.run_dir = layout.run_dir
        problems = []
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            problems.append(f"NAAST_HOST={self.host}: the one-machine topology listens on loopback only")
        ports = layout.all_ports()
        if len(set(ports)) != len(ports):
            problems.append(f"ports overlap: nginx takes NAAST_WEB_PORT, NAAST_RASA_PORT and NAAST_ACTION_PORT "
                            f"({self.web_port}, {self.rasa_port}, {self.action_port}); the replicas take "
                            f"{layout.first_port}-{layout.last_port} (NAAST_PROD_PORT_BASE={self.prod_port_base})")
        missing = missing_programs()
        if missing:
            problems.append("missing programs: " + ", ".join(missing) + " (run scripts/system-packages.sh: "
                            "Debian packages postgresql, redis-server, nginx-light)")
        if problems:
            raise ConfigError("Naast production configuration is invalid:\n- " + "\n- ".join(problems))


    def rasa_process_count(self) -> int:
        """Rasa processes in the embedded default: NAAST_RASA_PROCESSES, or one per core that the
        available memory also holds (``RASA_PROCESS_BYTES`` each; ``make bench`` reports the real figure)."""
        if self.rasa_processes:
            return self.rasa_processes
        by_memory = available_memory() // RASA_PROCESS_BYTES
        return max(1, min(len(os.sched_getaffinity(0)), by_memory, 16))

    def rasa_process_ports(self) -> list[int]:
        base = self.rasa_process_port_base or self.rasa_port + 1000
        return [base + i for i in range(self.rasa_process_count())]

    def tracker_store_env(self) -> dict[str, str]:
        """endpoints.yml reads the tracker store from these variables."""
        from sqlalchemy.engine import make_url

        url = make_url(self.tracker_db_url or f"sqlite:///{ROOT / '.naast' / 'tracker.db'}")
        # Rasa takes a whole SQLAlchemy URL in `url:` (SQLTrackerStore.get_db_url), credentials included.
        return {
            "NAAST_TRACKER_DIALECT": url.get_backend_name(),
            "NAAST_TRACKER_URL": url.render_as_string(hide_password=False),
        }


# Resident memory of one Rasa process with Naast's model after a loaded run, rounded up (make bench
# measures it: bench/results/latest.md, "Memory").
RASA_PROCESS_BYTES = 1600 * 1024 * 1024


def available_memory() -> int:
    """Bytes the kernel says new processes can use (MemAvailable); 0 when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def ensure_local_secrets(path: Path = LOCAL_SECRETS) -> dict[str, str]:
    """Return the generated local secrets, creating them once (file mode 0600, git-ignored)."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key and value:
                values[key.strip()] = value.strip()
    missing = {"NAAST_RASA_TOKEN", "NAAST_SECRET_KEY", "NAAST_ACTION_TOKEN"} - values.keys()
    if missing:
        for key in missing:
            values[key] = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())), encoding="utf-8")
        path.chmod(0o600)
    return values
