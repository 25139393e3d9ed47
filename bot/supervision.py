"""Naast's processes under supervisord: restarted when they die, one dying never stops the others.

``naast run`` writes a supervisord configuration for the embedded default (Rasa, the action server,
the web app, the delivery worker) and runs supervisord in the foreground. The same generator takes
replica counts, so a production machine without containers can use it too.

Why supervisord (PyPI ``supervisor``): honcho, which ``naast run`` used before, stops every process as
soon as one exits and has no restart option. supervisord is the widely used, pure-Python, Debian-packaged
process supervisor; it restarts a process that exits (``autorestart``), backs off on a process that
fails to start (one second more per failed start, ``startretries``), stops the whole process group on
Ctrl-C, and has a control socket (``supervisorctl``) for status and restarts. Its one gap for a
terminal is the prefixed log; that is a supervisor event listener (``python -m bot.supervision log``)
subscribed to PROCESS_LOG events, which prints each line as ``name | line`` in the one terminal.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import ROOT, Settings

BIN = Path(sys.executable).parent

# A process that dies within this many seconds of starting counts as a failed start (back-off), later
# it counts as a crash and is restarted at once.
START_SECONDS = 10
# Failed starts in a row before supervisord gives up on a process (FATAL, visible in `naast status`).
# With a linear back-off (1 s, 2 s, ...) 60 tries cover about half an hour.
START_RETRIES = 60
STOP_WAIT_SECONDS = 20


def server_commands(settings: Settings, *, interface: str | None = None, rasa_port: int | None = None,
                    action_port: int | None = None, endpoints: str = "endpoints.yml") -> dict[str, list[str]]:
    """The command line of each Naast process (the one definition; bot/processes.py and bot/prod.py use it)."""
    return {
        # Rasa through Naast's runtime: `rasa run` plus a calm message when the action server is away.
        "rasa": [sys.executable, "-m", "bot.rasa_runtime", "run", "--model", str(ROOT / "models" / "naast.tar.gz"),
                 "--enable-api", "--auth-token", settings.rasa_token, "--interface", interface or settings.host,
                 "--port", str(rasa_port or settings.rasa_port), "--cors", *settings.allowed_origins.split(),
                 "--endpoints", endpoints, "--credentials", "credentials.yml"],
        "actions": [str(BIN / "rasa"), "run", "actions", "--port", str(action_port or settings.action_port),
                    "--actions", "actions"],
        "web": [sys.executable, "-m", "bot.cli", "serve"],
        "delivery": [sys.executable, "-m", "bot.delivery"],
    }


@dataclass(frozen=True)
class Program:
    name: str
    command: list[str]
    numprocs: int = 1  # replicas; the command may use %(process_num)d (e.g. for a port offset)
    environment: dict[str, str] = field(default_factory=dict)  # on top of supervisord's own environment
    user: str | None = None  # run as this account (supervisord must be root), e.g. PostgreSQL's
    stopsignal: str = "TERM"
    priority: int = 999  # lower starts first (supervisord does not wait for readiness)


def supervisord_config(programs: Iterable[Program], run_dir: Path, *, log_to_terminal: bool = True) -> str:
    """The text of a supervisord.conf for ``programs``; its socket, pid file and logs live in ``run_dir``."""
    run_dir = run_dir.resolve()
    lines = [
        "; Written by `naast run` (bot/supervision.py); do not edit, it is rewritten at every start.",
        "[supervisord]",
        "nodaemon=true",
        # supervisord's own log goes to its file only; the log listener tells state changes in the terminal.
        "silent=true",
        f"logfile={run_dir / 'supervisord.log'}",
        "logfile_maxbytes=10MB",
        "logfile_backups=3",
        f"pidfile={run_dir / 'supervisord.pid'}",
        f"directory={ROOT}",
        "",
        "[unix_http_server]",
        f"file={run_dir / 'supervisor.sock'}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{run_dir / 'supervisor.sock'}",
        "",
    ]
    names = []
    for program in programs:
        names.append(program.name)
        lines += [
            f"[program:{program.name}]",
            "command=" + " ".join(_quote(part) for part in program.command),
            f"directory={ROOT}",
            f"numprocs={program.numprocs}",
            "process_name=%(program_name)s" + ("_%(process_num)d" if program.numprocs > 1 else ""),
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            f"stopsignal={program.stopsignal}",
            f"priority={program.priority}",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            *([f"user={program.user}"] if program.user else []),
            *(["environment=" + ",".join(f'{key}="{_env_value(value)}"' for key, value in program.environment.items())]
              if program.environment else []),
            # Each process's output also goes to its own file (for operators), and as events to the
            # log listener, which prints it prefixed in the terminal.
            f"stdout_logfile={run_dir / (program.name + '.log')}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=3",
            f"stdout_events_enabled={'true' if log_to_terminal else 'false'}",
            "",
        ]
    if log_to_terminal:
        width = max((len(name) for name in names), default=8)
        lines += [
            "[eventlistener:log]",
            f"command={_quote(sys.executable)} -m bot.supervision log --width {width}",
            f"directory={ROOT}",
            "events=PROCESS_LOG,PROCESS_STATE",
            "buffer_size=10000",
            "autorestart=true",
            # The listener's stderr is the terminal (supervisord's own stdout).
            "stderr_logfile=/dev/stdout",
            "stderr_logfile_maxbytes=0",
            "stdout_logfile=NONE",
            "",
        ]
    return "\n".join(lines)


def _quote(part: str) -> str:
    # supervisord expands %(name)s in command; a literal % (e.g. in a token) must be doubled.
    return shlex.quote(part).replace("%", "%%") if "%(process_num)" not in part else shlex.quote(part)


def _env_value(value: str) -> str:
    if '"' in value or "\n" in value:
        raise ValueError("a supervisord environment value must not hold quotes or new lines")
    return value.replace("%", "%%")


def embedded_commands(settings: Settings, *, interface: str | None = None) -> dict[str, list[str]]:
    """The embedded default's processes: with more than one Rasa process (NAAST_RASA_PROCESSES, by
    default one per core the memory holds), ``rasa-1``... on loopback ports and the router
    (bot/router.py) as ``rasa`` on NAAST_RASA_PORT; with one, Rasa itself on NAAST_RASA_PORT."""
    commands = server_commands(settings, interface=interface)
    ports = settings.rasa_process_ports()
    if len(ports) == 1:
        return commands
    commands.pop("rasa")
    for number, port in enumerate(ports, start=1):
        replica = server_commands(settings, interface="127.0.0.1", rasa_port=port)["rasa"]
        commands[f"rasa-{number}"] = replica
    upstreams = [arg for port in ports for arg in ("--upstream", f"http://127.0.0.1:{port}")]
    commands["rasa"] = [sys.executable, "-m", "bot.router", "--host", interface or settings.host,
                        "--port", str(settings.rasa_port), *upstreams]
    return commands


def embedded_programs(settings: Settings) -> list[Program]:
    return [Program(name, command) for name, command in embedded_commands(settings).items()]


def write_config(settings: Settings, programs: Iterable[Program] | None = None, run_dir: Path | None = None) -> Path:
    run_dir = run_dir or settings.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    path = run_dir / "supervisord.conf"
    path.write_text(supervisord_config(programs or embedded_programs(settings), run_dir), encoding="utf-8")
    path.chmod(0o600)  # holds the Rasa token (a command-line argument)
    return path


# -- the log listener ----------------------------------------------------------------------------------

def log_listener(width: int, stdin=sys.stdin, stdout=sys.stdout, out=sys.stderr) -> None:  # noqa: ANN001
    """A supervisor event listener: each process's output as ``name | line``, and state changes."""
    from supervisor import childutils

    partial: dict[str, str] = {}
    while True:
        headers, payload = childutils.listener.wait(stdin, stdout)
        event = headers.get("eventname", "")
        if event.startswith("PROCESS_LOG"):
            meta, _, data = payload.partition("\n")
            fields = dict(item.split(":", 1) for item in meta.split() if ":" in item)
            name = fields.get("processname", "?")
            text = partial.pop(name, "") + data
            *complete, rest = text.split("\n")
            if rest:
                partial[name] = rest
            for line in complete:
                out.write(f"{name:<{width}} | {line}\n")
        elif event.startswith("PROCESS_STATE_"):
            fields = dict(item.split(":", 1) for item in payload.split() if ":" in item)
            state = event.removeprefix("PROCESS_STATE_").lower()
            if fields.get("processname") != "log":
                extra = f" (pid {fields['pid']})" if "pid" in fields and state == "running" else ""
                out.write(f"{'naast':<{width}} | {fields.get('processname', '?')} {state}{extra}\n")
        out.flush()
        childutils.listener.ok(stdout)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.supervision")
    commands = parser.add_subparsers(dest="command", required=True)
    log = commands.add_parser("log", help="supervisor event listener: prefixed process output")
    log.add_argument("--width", type=int, default=8)
    args = parser.parse_args(argv)
    if args.command == "log":
        log_listener(args.width)
    return 0


if __name__ == "__main__":
    sys.exit(main())
