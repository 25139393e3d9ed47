"""The `naast` command line: start everything, serve the web app, and admin tasks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.config import ROOT, ConfigError, Settings


def server_environment(settings: Settings) -> dict[str, str]:
    """Environment for the three servers: validated settings, Rasa's tracker store, no telemetry."""
    env = dict(os.environ)
    venv_bin = Path(sys.executable).parent
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONUNBUFFERED="1",
        NAAST_RASA_TOKEN=settings.rasa_token,
        NAAST_SECRET_KEY=settings.secret_key,
        NAAST_HOST=settings.host,
        NAAST_RASA_PORT=str(settings.rasa_port),
        NAAST_ACTION_PORT=str(settings.action_port),
        NAAST_WEB_PORT=str(settings.web_port),
        NAAST_RASA_URL=str(settings.rasa_url),
        NAAST_PUBLIC_URL=str(settings.public_url),
        DATABASE_URL=settings.database_url,
        NAAST_TRACKER_DB_URL=settings.tracker_db_url,
        NAAST_ALLOWED_ORIGINS=settings.allowed_origins,
        NAAST_ACTION_URL=f"http://127.0.0.1:{settings.action_port}/webhook",
        # The action server: loopback unless configured, and only for requests with the shared secret
        # (rasa_sdk_plugins; Rasa sends it from endpoints.yml).
        NAAST_ACTION_TOKEN=settings.action_token,
        SANIC_HOST=settings.action_host,
        # Rasa and the action server are Sanic apps (100 MB bodies by default): 4 MB is room for the
        # tracker Rasa sends the action server, and far below what would hurt. Residents' messages are
        # limited to 64 kB by nginx and the web app (bot/prod.py, bot/web/app.py).
        SANIC_REQUEST_MAX_SIZE=str(4 * 1024 * 1024),
    )
    env.update(settings.tracker_store_env())
    return env


def cmd_run(settings: Settings, _: argparse.Namespace) -> int:
    """Every server in one terminal under supervisord: prefixed logs, restarts, clean stop on Ctrl-C.

    ``--prod`` (or NAAST_PROFILE=prod): the production topology on this machine (bot/prod.py)."""
    from bot.supervision import write_config

    env = server_environment(settings)
    if settings.profile == "prod":
        from bot import prod

        layout = prod.Layout(settings)
        try:
            prod.prepare(layout)
        except (RuntimeError, OSError) as error:
            print(f"naast run --prod: {error}", file=sys.stderr)
            return 2
        env.update(prod.environment(settings, layout))
        config = write_config(settings, prod.programs(settings, layout), run_dir=layout.run_dir)
    else:
        config = write_config(settings)
    supervisord = Path(sys.executable).parent / "supervisord"
    os.chdir(ROOT)
    os.execvpe(str(supervisord), [str(supervisord), "--nodaemon", "--configuration", str(config)], env)
    return 0  # not reached


def cmd_ctl(settings: Settings, args: argparse.Namespace) -> int:
    """supervisorctl on the running `naast run` (status, restart NAME, tail NAME, ...)."""
    supervisorctl = Path(sys.executable).parent / "supervisorctl"
    config = settings.run_dir / "supervisord.conf"
    os.execv(str(supervisorctl), [str(supervisorctl), "--configuration", str(config), *(args.arguments or ["status"])])
    return 0  # not reached


def cmd_serve(settings: Settings, _: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # No access log: its lines would hold residents' conversation ids and signed summary links.
    web.run_app(create_app(settings), host=settings.host, port=settings.web_port, print=None, access_log=None)
    return 0


def cmd_env(settings: Settings, _: argparse.Namespace) -> int:
    """Print the servers' environment as shell exports (used by the Makefile and tests)."""
    for key, value in sorted(server_environment(settings).items()):
        if key.startswith(("NAAST_", "RASA_")):
            print(f"export {key}={value!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="naast", description="Naast: chat, notes and inbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start Rasa, the action server, the web app and delivery, supervised")
    run.add_argument("--prod", action="store_true", help="the production topology: PostgreSQL, Redis, "
                     "NAAST_RASA_REPLICAS Rasa servers, nginx in front (same as NAAST_PROFILE=prod)")
    run.set_defaults(func=cmd_run)
    ctl = commands.add_parser("ctl", help="control the processes of `naast run` (supervisorctl)")
    ctl.add_argument("--prod", action="store_true", help="of `naast run --prod`")
    ctl.add_argument("arguments", nargs=argparse.REMAINDER, help="e.g. status, restart actions")
    ctl.set_defaults(func=cmd_ctl)
    commands.add_parser("serve", help="start the web app only").set_defaults(func=cmd_serve)
    commands.add_parser("env", help="print the servers' environment").set_defaults(func=cmd_env)
    from bot.inbox.cli import add_commands

    add_commands(commands)  # user, token, purge (inbox accounts and retention)
    from bot.texts.cli import add_commands as add_text_commands

    add_text_commands(commands)  # check-texts
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(**({"profile": "prod"} if getattr(args, "prod", False) else {}))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
