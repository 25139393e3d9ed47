"""Fixtures of the action tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import consent
from bot.db import init_db
from bot.notes.store import NoteStore


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NoteStore]:
    """The note store the actions use, on a private SQLite database (the actions' caches cleared)."""
    url = f"sqlite:///{tmp_path / 'naast.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    consent._settings.cache_clear()
    consent._store.cache_clear()
    yield NoteStore(init_db(url))
    consent._settings.cache_clear()
    consent._store.cache_clear()
