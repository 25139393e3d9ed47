"""Start Naast's three servers as child processes (for end-to-end tests and benchmarks).

`naast run` supervises them for people (bot/supervision.py); this module gives programs the same
servers (the same command lines) with chosen ports, a private database, and a wait until each is ready.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.cli import server_environment
from bot.config import ROOT, SECRETS, Settings
from bot.supervision import embedded_commands

BIN = Path(sys.executable).parent


def end_with_parent() -> None:
    """In a child before exec: receive SIGTERM when the parent ends (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Servers:
    """Rasa, the action server and (optionally) the web app, on free loopback ports."""

    workdir: Path
    model: Path = ROOT / "models" / "naast.tar.gz"
    with_web: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # The servers end when the process that started them ends (Linux), also when it is killed: a web
    # app testing a candidate model (bot/training/publish.py) leaves nothing behind.
    die_with_parent: bool = False
    settings: Settings = field(init=False)
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)
    _commands: dict[str, list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        rasa_port, action_port, web_port = free_port(), free_port(), free_port()
        processes = self.extra_env.get("NAAST_RASA_PROCESSES") or os.environ.get("NAAST_RASA_PROCESSES") or 0
        self.settings = Settings.load(
            rasa_processes=int(processes),
            rasa_process_port_base=free_port_block(16),
            rasa_port=rasa_port,
            action_port=action_port,
            web_port=web_port,
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            public_url=f"http://127.0.0.1:{web_port}",
            database_url=f"sqlite:///{self.workdir / 'naast.db'}",
            tracker_db_url=f"sqlite:///{self.workdir / 'tracker.db'}",
        )

    @property
    def env(self) -> dict[str, str]:
        env = server_environment(self.settings)
        env.update(self.extra_env)
        return env

    @property
    def rasa_names(self) -> list[str]:
        """The Rasa processes, as ``make run`` starts them: ``rasa`` alone, or ``rasa-1``... behind the
        router ``rasa`` (bot/router.py)."""
        count = self.settings.rasa_process_count()
        return ["rasa"] if count == 1 else [f"rasa-{n}" for n in range(1, count + 1)]

    def rasa_pids(self) -> list[int]:
        return [self._procs[name].pid for name in self.rasa_names if name in self._procs]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def start(self, timeout: float = 240) -> Servers:
        commands = embedded_commands(self.settings, interface="127.0.0.1")
        for name in self.rasa_names:
            commands[name][commands[name].index("--model") + 1] = str(self.model)
        self._spawn("actions", commands["actions"])
        for name in self.rasa_names:
            self._spawn(name, commands[name])
        if "rasa" not in self.rasa_names:
            self._spawn("rasa", commands["rasa"])  # the router in front of the Rasa processes
        if self.with_web:
            self._spawn("web", commands["web"])
            # The outbox worker puts stored notes in the inbox (and e-mail/webhook when configured).
            self._spawn("delivery", commands["delivery"])
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        checks = {
            "actions": f"http://127.0.0.1:{self.settings.action_port}/health",
            "rasa": f"{self.rasa_url}/status?token={self.settings.rasa_token}",
        }
        if self.rasa_names != ["rasa"]:
            checks.update({name: f"http://127.0.0.1:{port}/status?token={self.settings.rasa_token}"
                           for name, port in zip(self.rasa_names, self.settings.rasa_process_ports(), strict=True)})
        if self.with_web:
            checks["web"] = f"{self.web_url}/static/naast.css"
        deadline = time.monotonic() + timeout
        while checks:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} stopped; see {self.workdir / (name + '.log')}")
            for name, url in list(checks.items()):
                if _ready(url):
                    del checks[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout}s: {sorted(checks)}; logs in {self.workdir}")
            time.sleep(0.5)

    def stop(self, name: str | None = None) -> None:
        for key in [name] if name else list(self._procs):
            proc = self._procs.pop(key, None)
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

    def restart(self, name: str, timeout: float = 240) -> None:
        """Start one stopped server again (tests of a server going down and coming back)."""
        self._spawn(name, self._commands[name])
        self.wait_ready(timeout)

    def pid(self, name: str) -> int:
        return self._procs[name].pid

    def _spawn(self, name: str, command: list[str]) -> None:
        self._commands[name] = command
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self._procs[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=end_with_parent if self.die_with_parent else None,  # noqa: PLW1509 - only prctl
        )

    def __enter__(self) -> Servers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Topology:
    """``naast run --prod`` (bot/prod.py) for programs: its own folder and ports, a wait until ready.

    PostgreSQL, Redis, ``rasa_replicas`` Rasa servers, the action server, the web app, the delivery
    worker and nginx, under supervisord; ``rpc`` is supervisord's control interface (pids, states).
    """

    rasa_replicas: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    workdir: Path = field(init=False)
    env: dict[str, str] = field(init=False)
    _proc: subprocess.Popen | None = field(default=None, init=False)
    _pids: set[int] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        import tempfile

        # Not under pytest's private tmp folder: PostgreSQL's account (under root) must reach its data.
        self.workdir = Path(tempfile.mkdtemp(prefix="naast-prod-"))
        self.workdir.chmod(0o711)
        web, rasa, action = free_port(), free_port(), free_port()
        self.env = dict(os.environ)
        self.env.update(
            NAAST_PROFILE="prod", NAAST_PROD_DIR=str(self.workdir), NAAST_PROD_PORT_BASE=str(free_port_block(70)),
            NAAST_RASA_REPLICAS=str(self.rasa_replicas), NAAST_WEB_PORT=str(web), NAAST_RASA_PORT=str(rasa),
            NAAST_ACTION_PORT=str(action), NAAST_PUBLIC_URL=f"http://127.0.0.1:{web}", NAAST_HOST="127.0.0.1",
            NAAST_RASA_URL=f"http://127.0.0.1:{rasa}",
        )
        # Production takes its secrets from the environment only (bot/config.py): this topology's own.
        for name in SECRETS:
            self.env.setdefault(name, secrets.token_urlsafe(32))
        self.env.update(self.extra_env)
        self.settings = Settings.load(profile="prod", prod_dir=self.workdir,
                                      prod_port_base=int(self.env["NAAST_PROD_PORT_BASE"]),
                                      rasa_replicas=self.rasa_replicas, web_port=web, rasa_port=rasa,
                                      action_port=action,
                                      **{field: self.env[name] for name, field in SECRETS.items()})

    @property
    def url(self) -> str:
        """nginx for residents."""
        return f"http://127.0.0.1:{self.settings.web_port}"

    @property
    def rasa_url(self) -> str:
        """nginx in front of every Rasa replica (for the web app: channels and the token-protected API)."""
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def layout(self):  # noqa: ANN201 - bot.prod.Layout
        from bot.prod import Layout

        return Layout(self.settings)

    @property
    def rpc(self):  # noqa: ANN201 - xmlrpc ServerProxy of supervisord
        import xmlrpc.client

        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.layout.run_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def info(self, name: str) -> dict:
        return self.rpc.supervisor.getProcessInfo(name)

    def replica_ready(self, port: int) -> bool:
        return _ready(f"http://127.0.0.1:{port}/status?token={self.settings.rasa_token}")

    def start(self, timeout: float = 420) -> Topology:
        output = open(self.workdir / "terminal.log", "ab")  # noqa: SIM115 - lives as long as the process
        self._proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--prod"], cwd=ROOT, env=self.env,
                                      stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"naast run --prod stopped; see {self.workdir / 'terminal.log'}")
            try:
                states = {info["name"]: info for info in self.rpc.supervisor.getAllProcessInfo()}
                self._pids |= {info["pid"] for info in states.values() if info["pid"]}
                ready = (all(info["statename"] == "RUNNING" for info in states.values())
                         and all(self.replica_ready(port) for port in self.layout.rasa_ports)
                         # nginx marks a replica down for a few seconds after a refused connection.
                         and _ready(f"{self.rasa_url}/status?token={self.settings.rasa_token}")
                         and _ready(f"{self.url}/static/naast.css"))
            except OSError:
                ready = False
            if ready:
                from bot.prod import FAIL_SECONDS

                time.sleep(FAIL_SECONDS + 1)  # nginx tries the replicas it saw down while they started
                return self
            if time.monotonic() > deadline:
                raise TimeoutError(f"the production topology was not ready after {timeout}s; logs in {self.workdir}")
            time.sleep(1)

    def stop(self) -> None:
        import shutil

        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._pids |= {info["pid"] for info in self.rpc.supervisor.getAllProcessInfo() if info["pid"]}
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                for pid in self._pids:  # supervisord's children each have their own process group
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        if not os.environ.get("NAAST_KEEP_PROD_DIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port_block(size: int) -> int:
    """The first of ``size`` consecutive free loopback ports (for NAAST_PROD_PORT_BASE)."""
    import random

    for _ in range(200):
        base = random.randrange(20000, 60000 - size)  # noqa: S311 - not a secret
        try:
            for port in range(base, base + size):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {size} consecutive free ports")
