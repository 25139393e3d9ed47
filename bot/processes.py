"""Start Naast's three servers as child processes (for end-to-end tests and benchmarks).

`naast run` supervises them for people (bot/supervision.py); this module gives programs the same
servers (the same command lines) with chosen ports, a private database, and a wait until each is ready.
"""

from __future__ import annotations

import os
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
from bot.config import ROOT, Settings
from bot.supervision import server_commands

BIN = Path(sys.executable).parent


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
    settings: Settings = field(init=False)
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict, init=False)
    _commands: dict[str, list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        rasa_port, action_port, web_port = free_port(), free_port(), free_port()
        self.settings = Settings.load(
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
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def start(self, timeout: float = 240) -> Servers:
        commands = server_commands(self.settings, interface="127.0.0.1")
        commands["rasa"][commands["rasa"].index("--model") + 1] = str(self.model)
        self._spawn("actions", commands["actions"])
        self._spawn("rasa", commands["rasa"])
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
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def __enter__(self) -> Servers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
