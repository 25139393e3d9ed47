"""The inbox's fixtures (settings, a migrated SQLite database, accounts incl. the editor "eva", the app)."""

from tests.inbox.conftest import accounts, client, engine, settings  # noqa: F401
