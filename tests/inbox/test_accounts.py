"""Accounts: Argon2id hashes, rules for names and passwords, lock-out in the database, tokens, CLI."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.accounts import users
from bot.accounts.passwords import hasher_for
from bot.accounts.tables import AuditRow, LoginFailureRow, UserRow
from bot.db import session_scope
from tests.inbox.conftest import PASSWORD

TEAMS = {"wijkteam", "schuldhulp", "wmo", "jeugd"}


def test_passwords_are_stored_as_argon2id_hashes(engine, settings) -> None:
    users.add_user(engine, settings, "anna", "professional", PASSWORD, ("wijkteam",), TEAMS)
    with session_scope(engine) as session:
        row = session.execute(select(UserRow)).scalar_one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert "m=1024" in row.password_hash  # the configured cost (tests: small)


def test_default_cost_is_memory_hard() -> None:
    from bot.config import Settings

    hasher = hasher_for(Settings(_env_file=None))
    assert hasher.memory_cost >= 64 * 1024 and hasher.time_cost >= 3


def test_hash_is_upgraded_at_login_when_the_cost_went_up(engine, settings, tmp_path) -> None:
    users.add_user(engine, settings, "anna", "professional", PASSWORD, (), TEAMS)
    stronger = settings.copy(update={"password_memory_kib": 2048})
    assert users.authenticate(engine, stronger, "anna", PASSWORD, "ip").outcome == "ok"
    with session_scope(engine) as session:
        assert "m=2048" in session.execute(select(UserRow.password_hash)).scalar_one()


@pytest.mark.parametrize("name, role, password, teams, message", [
    ("a", "professional", PASSWORD, (), "2-64 characters"),
    ("Anna Smit", "professional", PASSWORD, (), "2-64 characters"),
    ("anna", "boss", PASSWORD, (), "unknown role"),
    ("anna", "professional", "kort", (), "at least 12"),
    ("anna", "professional", " " + PASSWORD, (), "spaces"),
    ("anna", "editor", PASSWORD, ("wijkteam",), "only professionals"),
    ("anna", "professional", PASSWORD, ("nergens",), "unknown team"),
])
def test_wrong_accounts_are_refused(engine, settings, name, role, password, teams, message) -> None:
    with pytest.raises(users.AccountError, match=message):
        users.add_user(engine, settings, name, role, password, teams, TEAMS)


def test_names_are_unique_and_case_insensitive(engine, settings) -> None:
    users.add_user(engine, settings, "Anna", "professional", PASSWORD, (), TEAMS)
    with pytest.raises(users.AccountError, match="already"):
        users.add_user(engine, settings, "anna", "editor", PASSWORD)
    assert users.authenticate(engine, settings, "ANNA", PASSWORD, "ip").outcome == "ok"


def test_lock_out_lives_in_the_database_and_ends(engine, settings) -> None:
    users.add_user(engine, settings, "anna", "professional", PASSWORD, (), TEAMS)
    for _ in range(settings.login_max_failures):
        assert users.authenticate(engine, settings, "anna", "fout fout fout", "ip").outcome == "invalid"
    assert users.authenticate(engine, settings, "anna", PASSWORD, "ip").outcome == "locked"
    # Another process (another web worker) sees the same lock: it is in the database.
    with session_scope(engine) as session:
        assert session.execute(select(LoginFailureRow).where(LoginFailureRow.key == "user:anna")).scalars().all()
    users.unlock(engine, "anna")
    assert users.authenticate(engine, settings, "anna", PASSWORD, "ip").outcome == "ok"


def test_a_success_resets_the_failure_count(engine, settings) -> None:
    users.add_user(engine, settings, "anna", "professional", PASSWORD, (), TEAMS)
    for _ in range(settings.login_max_failures - 1):
        users.authenticate(engine, settings, "anna", "fout fout fout", "ip")
    assert users.authenticate(engine, settings, "anna", PASSWORD, "ip").outcome == "ok"
    for _ in range(settings.login_max_failures - 1):
        users.authenticate(engine, settings, "anna", "fout fout fout", "ip")
    assert users.authenticate(engine, settings, "anna", PASSWORD, "ip").outcome == "ok"


def test_accounts_without_password_and_disabled_accounts_cannot_log_in(engine, settings) -> None:
    users.add_user(engine, settings, "zaak", "professional", None, ("wijkteam",), TEAMS)
    users.add_user(engine, settings, "anna", "professional", PASSWORD, (), TEAMS)
    users.set_disabled(engine, "anna", True)
    assert users.authenticate(engine, settings, "zaak", "", "ip").outcome == "invalid"
    assert users.authenticate(engine, settings, "anna", PASSWORD, "ip").outcome == "invalid"


def test_new_password_ends_sessions(engine, settings) -> None:
    account = users.add_user(engine, settings, "anna", "professional", PASSWORD, (), TEAMS)
    assert users.get_account(engine, account.id, account.session_epoch) is not None
    users.set_password(engine, settings, "anna", "een ander lang wachtwoord")
    assert users.get_account(engine, account.id, account.session_epoch) is None
    assert users.authenticate(engine, settings, "anna", "een ander lang wachtwoord", "ip").outcome == "ok"


def test_cli_user_token_and_purge(settings, monkeypatch, capsys) -> None:
    from bot import cli

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for key in ("password_time_cost", "password_memory_kib", "password_parallelism"):
        monkeypatch.setenv(f"NAAST_{key.upper()}", str(getattr(settings, key)))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["user", "add", "anna", "--role", "professional", "--team", "wijkteam", "--password-stdin"]) == 0
    assert cli.main(["user", "add", "zaak", "--role", "professional", "--team", "wijkteam"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert cli.main(["user", "add", "bob", "--role", "admin", "--password-stdin"]) == 1
    assert cli.main(["token", "create", "zaak"]) == 0
    out = capsys.readouterr().out
    token = [line for line in out.splitlines() if line.startswith("naast_")][0]
    from bot.db import make_engine

    db = make_engine(settings.database_url)
    assert users.account_for_token(db, token).name == "zaak"
    assert cli.main(["user", "disable", "zaak"]) == 0
    assert users.account_for_token(db, token) is None
    assert cli.main(["user", "list"]) == 0
    listing = capsys.readouterr().out
    assert "anna" in listing and "zaak" in listing and "disabled" in listing
    assert cli.main(["purge"]) == 0
    assert "0 notes deleted" in capsys.readouterr().out
    with session_scope(db) as session:
        actions = [row.action for row in session.execute(select(AuditRow).order_by(AuditRow.id)).scalars()]
    assert actions == ["user.add", "user.add", "token.create", "user.disable", "purge"]
    db.dispose()
