"""`naast run` under supervisord: one process killed is restarted, the others stay up, Ctrl-C stops all."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from supervisor.xmlrpc import SupervisorTransport

from bot.config import ROOT, Settings
from bot.processes import _ready, free_port
from bot.supervision import Program, log_listener, supervisord_config
from tests.conftest import MODEL
from tests.conversation import wait_for

NAMES = ("rasa", "actions", "web", "delivery")


class Running:
    def __init__(self, proc: subprocess.Popen, env: dict[str, str], run_dir: Path, output: Path) -> None:
        self.proc, self.env, self.run_dir, self.output = proc, env, run_dir, output
        transport = SupervisorTransport(None, None, f"unix://{run_dir / 'supervisor.sock'}")
        self.rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def info(self, name: str) -> dict:
        return self.rpc.supervisor.getProcessInfo(name)

    def url(self, name: str) -> str:
        env = self.env
        return {
            "actions": f"http://127.0.0.1:{env['NAAST_ACTION_PORT']}/health",
            "rasa": f"http://127.0.0.1:{env['NAAST_RASA_PORT']}/status?token={env['NAAST_RASA_TOKEN']}",
            "web": f"http://127.0.0.1:{env['NAAST_WEB_PORT']}/static/naast.css",
        }[name]


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Its own `naast run` (this module kills processes), on free ports with private databases."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")
    work = tmp_path_factory.mktemp("supervised")
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = dict(os.environ)
    env.update(
        NAAST_RASA_PORT=str(rasa_port), NAAST_ACTION_PORT=str(action_port), NAAST_WEB_PORT=str(web_port),
        NAAST_RASA_URL=f"http://127.0.0.1:{rasa_port}", NAAST_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
        NAAST_HOST="127.0.0.1", DATABASE_URL=f"sqlite:///{work / 'naast.db'}",
        NAAST_TRACKER_DB_URL=f"sqlite:///{work / 'tracker.db'}", NAAST_RUN_DIR=str(work / "run"),
        NAAST_RASA_TOKEN=Settings.load().rasa_token,
    )
    output = work / "terminal.log"
    with output.open("wb") as terminal:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=terminal,
                                stderr=subprocess.STDOUT, start_new_session=True)
    running = Running(proc, env, work / "run", output)
    try:
        wait_for(lambda: all(_ready(running.url(name)) for name in ("actions", "rasa", "web")), 300)
        yield running
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_killed_action_server_comes_back_and_the_others_stay_up(supervised: Running) -> None:
    before = {name: supervised.info(name) for name in NAMES}
    assert all(info["statename"] == "RUNNING" for info in before.values()), before
    os.kill(before["actions"]["pid"], signal.SIGKILL)

    def back() -> bool:
        info = supervised.info("actions")
        return info["statename"] == "RUNNING" and info["pid"] != before["actions"]["pid"] and \
            _ready(supervised.url("actions"))

    wait_for(back, 120)
    for name in ("rasa", "web", "delivery"):
        info = supervised.info(name)
        assert info["statename"] == "RUNNING" and info["pid"] == before[name]["pid"], name
    assert _ready(supervised.url("rasa")) and _ready(supervised.url("web"))


def test_the_terminal_shows_each_process_output_prefixed_by_its_name(supervised: Running) -> None:
    def lines() -> list[str]:
        return supervised.output.read_text(encoding="utf-8", errors="replace").splitlines()

    for name in ("rasa", "actions", "web"):
        wait_for(lambda name=name: any(line.startswith(f"{name:<8} | ") for line in lines()), 30)
    assert any("actions exited" in line for line in lines())  # the state change is told too


def test_ctrl_c_stops_every_process(supervised: Running) -> None:
    pids = [supervised.info(name)["pid"] for name in NAMES]
    supervised.proc.send_signal(signal.SIGINT)
    assert supervised.proc.wait(timeout=90) == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_config_escapes_percent_signs_and_names_replicas(tmp_path: Path) -> None:
    text = supervisord_config([Program("rasa", ["rasa", "--auth-token", "a%b"]),
                               Program("web", ["serve", "--port", "80%(process_num)02d"], numprocs=2)], tmp_path)
    assert "command=rasa --auth-token a%%b" in text
    assert "command=serve --port '80%(process_num)02d'" in text
    assert "process_name=%(program_name)s_%(process_num)d" in text


def _event(name: str, payload: str) -> str:
    header = f"ver:3.0 server:supervisor serial:1 pool:log poolserial:1 eventname:{name} len:{len(payload)}\n"
    return header + payload


def test_log_listener_joins_partial_lines_and_prefixes_them() -> None:
    meta = "processname:actions groupname:actions pid:7 channel:stdout\n"
    events = _event("PROCESS_LOG_STDOUT", meta + "first li") + _event("PROCESS_LOG_STDOUT", meta + "ne\nsecond\n")
    out, protocol = io.StringIO(), io.StringIO()
    with pytest.raises(EOFError):
        log_listener(8, stdin=_EndingInput(events), stdout=protocol, out=out)
    assert out.getvalue() == "actions  | first line\nactions  | second\n"
    assert protocol.getvalue().count("RESULT 2\nOK") == 2


class _EndingInput(io.StringIO):
    """stdin that ends: the listener stops with EOFError after the last event."""

    def readline(self, *args: object) -> str:
        line = super().readline(*args)
        if not line:
            raise EOFError
        return line
