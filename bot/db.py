"""Naast's own database: engine, declarative ``Base``, sessions and migrations.

SQLite (a file) by default, PostgreSQL when ``DATABASE_URL`` says so. The schema is owned by Alembic
(``migrations/``); ``init_db`` brings a database to the newest revision. Other modules declare their
tables on the same ``Base`` (see ``bot/notes/tables.py``) and add a migration revision.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from bot.config import ROOT

Base = declarative_base()

ALEMBIC_INI = ROOT / "alembic.ini"
MIGRATIONS_DIR = ROOT / "migrations"
MIGRATION_LOCK_ID = 7306041  # any constant; the PostgreSQL advisory lock taken while migrating


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (the same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Naast stores aware UTC datetimes only")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def normalise_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling, which SQLAlchemy 1.4 no longer does."""
    return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: the configured ``DATABASE_URL``)."""
    if url is None:
        from bot.config import Settings

        url = Settings().database_url
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if not in_memory:
        kwargs["poolclass"] = QueuePool  # reuse connections (SQLAlchemy 1.4 defaults to NullPool)
    engine = create_engine(url, future=True, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the delivery worker read while the action server writes; foreign keys make
    # ON DELETE CASCADE (note -> outbox) work.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back when it raises."""
    session = Session(engine, future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def init_db(url: str | None = None) -> Engine:
    """Bring the database at ``url`` to the newest schema revision and return its engine."""
    from alembic import command

    engine = make_engine(url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    config.attributes["configure_logging"] = False  # never reset the host process's logging
    # The action server and the web app start together and both migrate: one at a time.
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
