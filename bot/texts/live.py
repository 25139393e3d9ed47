"""Published texts and resource edits for running processes, through a short cache.

Every process (each Rasa server's NLG, the action server's notes, the web app) keeps one snapshot of
the published texts per database. At most every ``CHECK_INTERVAL_S`` it runs one cheap query (the
``text_store_version`` row) and reloads only when the number changed, so a publish is live within
that interval everywhere, and a message in between costs a dictionary lookup. When the database is
unavailable the snapshot is None and callers use the shipped base (for Rasa: the trained domain's
text); the next check after ``RETRY_S`` tries again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine, make_url

from bot.db import make_engine, normalise_url

CHECK_INTERVAL_S = 0.25
RETRY_S = 1.0
ASYNC_TIMEOUT_S = 0.5
CONNECT_TIMEOUT_S = 2
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    version: int
    texts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resources: dict[str, tuple[dict[str, Any], dt.date]] = field(default_factory=dict)


def _read(engine: Engine, known: Snapshot | None) -> Snapshot:
    from bot.texts.tables import ResourceEditRow, TextPublishedRow, TextStoreVersionRow

    with engine.connect() as connection:
        number = int(connection.execute(select(TextStoreVersionRow.version).where(TextStoreVersionRow.id == 1))
                     .scalar_one())
        if known is not None and known.version == number:
            return known
        texts = {name: json.loads(v) for name, v in
                 connection.execute(select(TextPublishedRow.name, TextPublishedRow.variations))}
        resources = {}
        for key, fields, checked in connection.execute(
                select(ResourceEditRow.key, ResourceEditRow.fields, ResourceEditRow.checked)
                .order_by(ResourceEditRow.id)):
            resources[key] = (json.loads(fields), checked)  # the newest edit of each entry wins
    return Snapshot(number, texts, resources)


class LiveTexts:
    """The cached snapshot of one database (thread-safe; ``snapshot_async`` for an event loop)."""

    def __init__(self, url: str, engine: Engine | None = None, interval: float = CHECK_INTERVAL_S) -> None:
        self.url = url
        self.interval = interval
        self._engine = engine
        self._snapshot: Snapshot | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._in_flight = False
        self._failing = False

    def _engine_or_none(self) -> Engine | None:
        if self._engine is None:
            parsed = make_url(normalise_url(self.url))
            database = parsed.database or ""
            # Never create an empty SQLite file as a side effect of reading texts.
            if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
                    and not os.path.exists(database):
                return None
            if parsed.get_backend_name() == "postgresql":
                # A database that hangs (not one that refuses) must not tie up a worker thread for minutes.
                self._engine = create_engine(normalise_url(self.url), future=True, pool_pre_ping=True,
                                             connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
            else:
                self._engine = make_engine(self.url)
        return self._engine

    def _due(self) -> bool:
        return time.monotonic() >= self._next_check

    def _refresh(self) -> None:
        known = self._snapshot
        try:
            engine = self._engine_or_none()
            fresh = _read(engine, known) if engine is not None else None
            failed = fresh is None
        except Exception as error:  # noqa: BLE001 - any database trouble means: use the shipped texts
            fresh, failed = None, True
            if not self._failing:
                logger.warning("text store unavailable, using the shipped texts: %s", type(error).__name__)
        if self._failing and not failed:
            logger.info("text store available again (version %s)", fresh.version if fresh else "?")
        self._snapshot, self._failing = fresh, failed
        self._next_check = time.monotonic() + (RETRY_S if failed else self.interval)

    def expire(self) -> None:
        """Look at the database on the next read (tests, and after this process published itself)."""
        self._next_check = 0.0

    def snapshot(self) -> Snapshot | None:
        if self._due():
            with self._lock:
                if self._due():
                    self._refresh()
        return self._snapshot

    async def snapshot_async(self) -> Snapshot | None:
        """The snapshot without blocking the event loop on the database (a hung database: shipped texts)."""
        if not self._due() or self._in_flight:
            return self._snapshot
        self._in_flight = True
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.snapshot), ASYNC_TIMEOUT_S)
        except asyncio.TimeoutError:
            logger.warning("text store did not answer within %.1f s, using the shipped texts", ASYNC_TIMEOUT_S)
            self._snapshot, self._next_check = None, time.monotonic() + RETRY_S
            return None
        finally:
            self._in_flight = False


_shared: dict[str, LiveTexts] = {}
_shared_lock = threading.Lock()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from bot.config import Settings

    return Settings().database_url


Source = Engine | str | None  # a database: its engine (the web app's), its URL, or this process's DATABASE_URL


def shared(source: Source = None) -> LiveTexts:
    """The process's one reader for this database."""
    engine = source if isinstance(source, Engine) else None
    key = engine.url.render_as_string(hide_password=False) if engine is not None else (source or database_url())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = LiveTexts(key, engine)
        return _shared[key]


def published_text(name: str, source: Source = None) -> str:
    """The live text of a one-variation string (``web.chat.empty``), else the shipped one."""
    from bot.texts.catalog import load_catalog

    snap = shared(source).snapshot()
    variations = (snap.texts.get(name) if snap else None) or list(load_catalog()[name].variations)
    return variations[0]["text"]


def text(name: str, source: Source = None, **values: Any) -> str:
    """``published_text`` with its {placeholders} filled in (an unknown one stays as it is)."""
    return published_text(name, source).format_map(_Keep(values))


class Strings(Mapping[str, str]):
    """The live strings under ``prefix`` as a read-only mapping (``Strings("inbox.message.")["afgerond"]``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def _names(self) -> list[str]:
        from bot.texts.catalog import load_catalog

        return [name for name in load_catalog().texts if name.startswith(self.prefix)]

    def __getitem__(self, key: str) -> str:
        if self.prefix + key not in self._names():
            raise KeyError(key)
        return published_text(self.prefix + key)

    def __iter__(self) -> Iterator[str]:
        return (name[len(self.prefix):] for name in self._names())

    def __len__(self) -> int:
        return len(self._names())


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def strings(prefix: str, source: Source = None) -> dict[str, str]:
    """Every live string under ``prefix`` (``widget.nl.``) by the rest of its name."""
    from bot.texts.catalog import load_catalog

    snap = shared(source).snapshot()
    out = {}
    for name, base in load_catalog().texts.items():
        if name.startswith(prefix):
            variations = (snap.texts.get(name) if snap else None) or list(base.variations)
            out[name[len(prefix):]] = variations[0]["text"]
    return out
