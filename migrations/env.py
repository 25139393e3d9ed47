"""Alembic environment for Naast's database (online and offline mode)."""

from __future__ import annotations

import importlib
from logging.config import fileConfig

from alembic import context

from bot.db import Base, make_engine, normalise_url

# Every module that declares tables on bot.db.Base; add yours here (e.g. "bot.web.tables").
MODEL_MODULES = ("bot.notes.tables", "bot.accounts.tables", "bot.inbox.tables", "bot.training.tables",
                 "bot.learning.tables", "bot.texts.tables")
for module in MODEL_MODULES:
    importlib.import_module(module)

config = context.config
target_metadata = Base.metadata

if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return normalise_url(url)
    from bot.config import Settings

    return normalise_url(Settings().database_url)


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # bot.db.init_db passes its own connection
        _migrate(connection)
        return
    engine = make_engine(database_url())
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


def _migrate(connection: object) -> None:
    # Batch mode lets later revisions alter columns on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
