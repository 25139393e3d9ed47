"""Accounts: make, disable, log in (with rate limiting and lock-out in the database), API tokens.

Roles: ``professional`` reads and handles the notes of their teams; ``editor`` edits the bot's texts
and may not open notes; ``admin`` manages accounts and reads the audit log (not the notes).
All functions are synchronous (SQLAlchemy, Argon2); the web app calls them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.accounts import audit
from bot.accounts.passwords import hash_password, hasher_for, new_token, token_hash, verify_password
from bot.accounts.tables import ROLES, ApiTokenRow, LoginFailureRow, UserRow, UserTeamRow
from bot.config import Settings
from bot.db import session_scope, utcnow

NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class AccountError(ValueError):
    """A wrong account request; the message says what is wrong (in English, for the admin CLI)."""


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    teams: tuple[str, ...]
    session_epoch: int
    disabled: bool = False
    has_password: bool = True

    @property
    def reads_notes(self) -> bool:
        return self.role == "professional" and not self.disabled

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and not self.disabled


def normalise_name(name: str) -> str:
    return name.strip().casefold()


def _account(row: UserRow, teams: list[str]) -> Account:
    return Account(row.id, row.name, row.role, tuple(sorted(teams)), row.session_epoch, bool(row.disabled),
                   bool(row.password_hash))


def _teams(session, user_id: int) -> list[str]:
    return list(session.execute(select(UserTeamRow.team).where(UserTeamRow.user_id == user_id)).scalars())


def check_password_rules(settings: Settings, password: str) -> None:
    if len(password) < settings.password_min_length:
        raise AccountError(f"the password needs at least {settings.password_min_length} characters")
    if len(password) > 1024:
        raise AccountError("the password is too long (1024 characters at most)")
    if password != password.strip():
        raise AccountError("the password must not start or end with spaces")


def add_user(engine: Engine, settings: Settings, name: str, role: str, password: str | None,
             teams: tuple[str, ...] = (), known_teams: set[str] | None = None, actor: str = "cli") -> Account:
    name = normalise_name(name)
    if not NAME.match(name):
        raise AccountError("a name has 2-64 characters: lower-case letters, digits and . _ @ -, "
                           "starting with a letter or digit")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if teams and role != "professional":
        raise AccountError("only professionals belong to teams")
    unknown = sorted(set(teams) - known_teams) if known_teams is not None else []
    if unknown:
        raise AccountError(f"unknown team(s) {', '.join(unknown)}; known: {', '.join(sorted(known_teams or []))}")
    password_hash = None
    if password is not None:
        check_password_rules(settings, password)
        password_hash = hash_password(hasher_for(settings), password)
    try:
        with session_scope(engine) as session:
            row = UserRow(name=name, role=role, password_hash=password_hash, disabled=False, session_epoch=0,
                          created_at=utcnow())
            session.add(row)
            session.flush()
            for team in sorted(set(teams)):
                session.add(UserTeamRow(user_id=row.id, team=team))
            audit.record(session, actor=actor, via="cli", action="user.add",
                         detail=f"{name} ({role}{'; ' + ', '.join(sorted(set(teams))) if teams else ''})")
            return _account(row, list(teams))
    except IntegrityError as error:
        raise AccountError(f"there is already an account named {name!r}") from error


def _get_row(session, name: str) -> UserRow:
    row = session.execute(select(UserRow).where(UserRow.name == normalise_name(name))).scalar_one_or_none()
    if row is None:
        raise AccountError(f"no account named {name!r}")
    return row


def set_disabled(engine: Engine, name: str, disabled: bool, actor: str = "cli") -> Account:
    with session_scope(engine) as session:
        row = _get_row(session, name)
        row.disabled = disabled
        row.session_epoch += 1  # ends every open session
        audit.record(session, actor=actor, via="cli", action="user.disable" if disabled else "user.enable",
                     detail=row.name)
        return _account(row, _teams(session, row.id))


def set_password(engine: Engine, settings: Settings, name: str, password: str, actor: str = "cli") -> Account:
    check_password_rules(settings, password)
    password_hash = hash_password(hasher_for(settings), password)
    with session_scope(engine) as session:
        row = _get_row(session, name)
        row.password_hash = password_hash
        row.session_epoch += 1
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == _user_key(row.name)))
        audit.record(session, actor=actor, via="cli", action="user.password", detail=row.name)
        return _account(row, _teams(session, row.id))


def set_teams(engine: Engine, name: str, teams: tuple[str, ...], known_teams: set[str],
              actor: str = "cli") -> Account:
    unknown = sorted(set(teams) - known_teams)
    if unknown:
        raise AccountError(f"unknown team(s) {', '.join(unknown)}; known: {', '.join(sorted(known_teams))}")
    with session_scope(engine) as session:
        row = _get_row(session, name)
        if teams and row.role != "professional":
            raise AccountError("only professionals belong to teams")
        session.execute(delete(UserTeamRow).where(UserTeamRow.user_id == row.id))
        for team in sorted(set(teams)):
            session.add(UserTeamRow(user_id=row.id, team=team))
        audit.record(session, actor=actor, via="cli", action="user.teams",
                     detail=f"{row.name}: {', '.join(sorted(set(teams))) or '-'}")
        return _account(row, list(teams))


def unlock(engine: Engine, name: str, actor: str = "cli") -> None:
    with session_scope(engine) as session:
        row = _get_row(session, name)
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == _user_key(row.name)))
        audit.record(session, actor=actor, via="cli", action="user.unlock", detail=row.name)


def list_users(engine: Engine) -> list[Account]:
    with session_scope(engine) as session:
        rows = session.execute(select(UserRow).order_by(UserRow.name)).scalars().all()
        teams: dict[int, list[str]] = {}
        for user_id, team in session.execute(select(UserTeamRow.user_id, UserTeamRow.team)):
            teams.setdefault(user_id, []).append(team)
        return [_account(row, teams.get(row.id, [])) for row in rows]


def count_users(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(UserRow)).scalar_one()


def get_account(engine: Engine, user_id: int, session_epoch: int | None = None) -> Account | None:
    """The active account with this id (and session epoch, when given), or None."""
    with session_scope(engine) as session:
        row = session.get(UserRow, user_id)
        if row is None or row.disabled or (session_epoch is not None and row.session_epoch != session_epoch):
            return None
        return _account(row, _teams(session, row.id))


def end_sessions(engine: Engine, user_id: int) -> None:
    with session_scope(engine) as session:
        session.execute(update(UserRow).where(UserRow.id == user_id)
                        .values(session_epoch=UserRow.session_epoch + 1))


# -- log-in ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginResult:
    outcome: str  # ok | invalid | locked | rate_limited
    account: Account | None = None


def _user_key(name: str) -> str:
    return "user:" + normalise_name(name)[:150]


def _ip_key(ip: str) -> str:
    return "ip:" + (ip or "-")[:150]


def authenticate(engine: Engine, settings: Settings, name: str, password: str, ip: str) -> LoginResult:
    """Check a log-in. Failures count per name (lock-out) and per address (rate limit), in the database.

    An unknown name counts and locks like a real one, and takes as long to check, so the answer does
    not tell whether an account exists.
    """
    now = utcnow()
    since = now - dt.timedelta(minutes=settings.login_lockout_minutes)
    user_key, ip_key = _user_key(name), _ip_key(ip)
    with session_scope(engine) as session:
        def failures(key: str) -> int:
            return session.execute(select(func.count()).select_from(LoginFailureRow)
                                   .where(LoginFailureRow.key == key, LoginFailureRow.at > since)).scalar_one()

        if failures(user_key) >= settings.login_max_failures:
            audit.record(session, actor=normalise_name(name)[:64], via="web", action="login.locked", ip=ip)
            return LoginResult("locked")
        if failures(ip_key) >= settings.login_ip_max_failures:
            audit.record(session, actor=normalise_name(name)[:64], via="web", action="login.locked", ip=ip,
                         detail="address")
            return LoginResult("rate_limited")
        row = session.execute(select(UserRow).where(UserRow.name == normalise_name(name))).scalar_one_or_none()
        stored = row.password_hash if row is not None else None
    ph = hasher_for(settings)
    valid = verify_password(ph, stored, password)  # slow: outside the transaction
    with session_scope(engine) as session:
        if valid and row is not None and not row.disabled:
            user = session.get(UserRow, row.id)
            user.last_login_at = now
            if ph.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(ph, password)
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == user_key))
            audit.record(session, actor=user.name, via="web", action="login.ok", ip=ip)
            return LoginResult("ok", _account(user, _teams(session, user.id)))
        session.add(LoginFailureRow(key=user_key, at=now))
        session.add(LoginFailureRow(key=ip_key, at=now))
        audit.record(session, actor=normalise_name(name)[:64] or "-", via="web", action="login.failed", ip=ip)
    return LoginResult("invalid")


def forget_old_failures(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> int:
    before = (now or utcnow()) - dt.timedelta(minutes=settings.login_lockout_minutes) - dt.timedelta(days=1)
    with session_scope(engine) as session:
        return session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < before)).rowcount or 0


# -- API tokens ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenInfo:
    id: int
    user: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


def create_token(engine: Engine, name: str, actor: str = "cli") -> tuple[str, TokenInfo]:
    """A new API token for the account ``name``; only its hash is stored, so show it once."""
    token = new_token()
    with session_scope(engine) as session:
        user = _get_row(session, name)
        if user.disabled:
            raise AccountError(f"the account {user.name!r} is disabled")
        row = ApiTokenRow(user_id=user.id, prefix=token[:12], token_hash=token_hash(token), created_at=utcnow())
        session.add(row)
        session.flush()
        audit.record(session, actor=actor, via="cli", action="token.create", detail=f"{user.name} #{row.id}")
        return token, TokenInfo(row.id, user.name, row.prefix, row.created_at, None, False)


def revoke_token(engine: Engine, token_id: int, actor: str = "cli") -> None:
    with session_scope(engine) as session:
        row = session.get(ApiTokenRow, token_id)
        if row is None:
            raise AccountError(f"no token with id {token_id}")
        row.revoked_at = row.revoked_at or utcnow()
        audit.record(session, actor=actor, via="cli", action="token.revoke", detail=f"#{token_id}")


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with session_scope(engine) as session:
        rows = session.execute(select(ApiTokenRow, UserRow.name).join(UserRow, UserRow.id == ApiTokenRow.user_id)
                               .order_by(ApiTokenRow.id)).all()
        return [TokenInfo(t.id, name, t.prefix, t.created_at, t.last_used_at, t.revoked_at is not None)
                for t, name in rows]


def account_for_token(engine: Engine, token: str) -> Account | None:
    """The active account an API token belongs to, or None (unknown, revoked, or account disabled)."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    now = utcnow()
    with session_scope(engine) as session:
        found = session.execute(select(ApiTokenRow, UserRow).join(UserRow, UserRow.id == ApiTokenRow.user_id)
                                .where(ApiTokenRow.token_hash == digest)).first()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None or user.disabled:
            return None
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
            row.last_used_at = now
        return _account(user, _teams(session, user.id))
