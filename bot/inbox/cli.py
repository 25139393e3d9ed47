"""The inbox's admin commands in the `naast` CLI: ``user``, ``token`` and ``purge`` (registered by bot/cli.py).

    naast user add NAME --role professional|editor|admin [--team KEY ...] [--password-stdin]
    naast user disable NAME | enable NAME | unlock NAME | list
    naast user password NAME --password-stdin
    naast user teams NAME --team KEY [--team KEY ...]     (no --team: no teams)
    naast token create NAME                                 prints the token once; only its hash is kept
    naast token list | revoke ID
    naast purge [--dry-run]                                 delete notes past their retention date

A password comes from standard input (first line), never from the command line: with a terminal it
is asked twice without echo. An account without a password cannot log in; give it API tokens
(e.g. a case system).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.accounts.tables import ROLES
from bot.config import Settings


def _engine(settings: Settings) -> Any:
    from bot.db import init_db

    return init_db(settings.database_url)


def _teams(settings: Settings) -> set[str]:
    from bot.inbox.routing import load_routing

    return set(load_routing(settings.routing_file).teams)


def read_password(stream: Any = None) -> str:
    stream = stream or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Wachtwoord: ")
        if getpass.getpass("Nog een keer: ") != first:
            raise SystemExit("The passwords differ; nothing changed.")
        return first
    line = stream.readline()
    return line[:-1] if line.endswith("\n") else line


def _fail(error: Exception) -> int:
    print(f"naast: {error}", file=sys.stderr)
    return 1


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    from bot.accounts import users

    engine = _engine(settings)
    try:
        if args.user_command == "add":
            password = read_password() if args.password_stdin else None
            account = users.add_user(engine, settings, args.name, args.role, password, tuple(args.team or ()),
                                     _teams(settings))
            teams = f", teams: {', '.join(account.teams)}" if account.teams else ""
            login = "" if password is not None else " (no password: API tokens only)"
            print(f"Account {account.name} made: {account.role}{teams}{login}.")
        elif args.user_command in ("disable", "enable"):
            account = users.set_disabled(engine, args.name, args.user_command == "disable")
            print(f"Account {account.name} is {'disabled' if account.disabled else 'enabled'}; "
                  "its open sessions have ended.")
        elif args.user_command == "password":
            account = users.set_password(engine, settings, args.name, read_password())
            print(f"New password for {account.name}; its open sessions have ended and it is unlocked.")
        elif args.user_command == "teams":
            account = users.set_teams(engine, args.name, tuple(args.team or ()), _teams(settings))
            print(f"Teams of {account.name}: {', '.join(account.teams) or '(none)'}.")
        elif args.user_command == "unlock":
            users.unlock(engine, args.name)
            print(f"Account {args.name} can log in again.")
        elif args.user_command == "list":
            for account in users.list_users(engine):
                state = "disabled" if account.disabled else "active"
                login = "" if account.has_password else "  (API only)"
                print(f"{account.name:24} {account.role:13} {state:9} {','.join(account.teams) or '-'}{login}")
    except (users.AccountError, ValueError) as error:
        return _fail(error)
    finally:
        engine.dispose()
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from bot.accounts import users

    engine = _engine(settings)
    try:
        if args.token_command == "create":
            token, info = users.create_token(engine, args.name)
            print(token)
            print(f"API token #{info.id} for {info.user}. It is shown only now: store it in the case system. "
                  f"Use it as 'Authorization: Bearer <token>'.", file=sys.stderr)
        elif args.token_command == "revoke":
            users.revoke_token(engine, args.id)
            print(f"Token #{args.id} revoked.")
        elif args.token_command == "list":
            for info in users.list_tokens(engine):
                used = info.last_used_at.isoformat(timespec="minutes") if info.last_used_at else "never"
                state = "revoked" if info.revoked else "active"
                print(f"#{info.id:<4} {info.user:24} {info.prefix}…  {state:8} last used: {used}")
    except users.AccountError as error:
        return _fail(error)
    finally:
        engine.dispose()
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from bot.inbox.retention import purge

    engine = _engine(settings)
    try:
        result = purge(engine, settings, actor="cli", via="cli", dry_run=args.dry_run)
    finally:
        engine.dispose()
    if args.dry_run:
        print(f"{result.notes} notes are past their retention date (nothing deleted: --dry-run).")
    else:
        print(f"{result.notes} notes deleted (retention), {result.audit_entries} old audit entries deleted, "
              f"{result.conversations} conversations deleted from the tracker store.")
    return 0


def add_commands(commands: Any) -> None:
    """Add ``user``, ``token`` and ``purge`` to the `naast` sub-command parser."""
    user = commands.add_parser("user", help="inbox accounts: add, disable, enable, password, teams, unlock, list")
    user.set_defaults(func=cmd_user)
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="make an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--team", action="append", help="team key from config/routing.yml (repeat for more)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input (without it: API tokens only)")
    for name, text in (("disable", "stop an account (ends its sessions; its tokens stop working)"),
                       ("enable", "start a disabled account again"),
                       ("unlock", "lift a log-in lock-out")):
        user_commands.add_parser(name, help=text).add_argument("name")
    password = user_commands.add_parser("password", help="set a new password (ends open sessions)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", required=True)
    teams = user_commands.add_parser("teams", help="set the teams of a professional")
    teams.add_argument("name")
    teams.add_argument("--team", action="append")
    user_commands.add_parser("list", help="list the accounts")

    token = commands.add_parser("token", help="API tokens for case systems: create, list, revoke")
    token.set_defaults(func=cmd_token)
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_commands.add_parser("create", help="print a new API token for account NAME").add_argument("name")
    token_commands.add_parser("list", help="list tokens (never the tokens themselves)")
    token_commands.add_parser("revoke", help="revoke token ID").add_argument("id", type=int)

    purge = commands.add_parser("purge", help="delete notes past their retention date (NAAST_RETENTION_DAYS)")
    purge.add_argument("--dry-run", action="store_true", help="only count")
    purge.set_defaults(func=cmd_purge)
