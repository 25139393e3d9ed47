"""Rasa's SQL tracker store, with deletion: a conversation that closes without a note is not kept.

Named in endpoints.yml by module path (``type: bot.privacy.tracker_store.PrivacyTrackerStore``);
Rasa builds it like its own ``SQL`` store (``rasa.core.tracker_store._load_from_module_name_in_endpoint_config``).
On ``save``, a tracker whose slot ``conversation_closed`` is set (by ``action_close_conversation``, or
``wiped`` by the web app) has its rows deleted instead of the turn being written:

- closed without a note in this session (stopped, goodbye, no consent): every row of it goes, except
  the sessions of an earlier note, which follow that note's retention;
- ``wiped`` ("Wis dit gesprek"): every row goes, note or not (the note itself is in Naast's database).

Rasa keeps no tracker in memory between turns (``MessageProcessor.get_tracker`` reads the store), so
the resident's next message starts a new, empty conversation.

On SQLite (the embedded default) the store uses Naast's own engine (``bot.db.make_engine``): WAL, so
several Rasa processes can write the one file side by side (a writer waits up to 30 s for another's
lock instead of failing), ``synchronous=NORMAL`` (a commit no longer waits for the disk twice; in WAL
a power cut can lose the last turns but never corrupts the file), and pooled connections instead of
SQLAlchemy 1.4's new connection per query. bench/profile.py measured the store at 10 ms of Rasa's time
per message before.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.learning.collect import COLLECTOR
from bot.privacy import CLOSED_SLOT, NOTE_SLOT, REASONS, WIPED
from bot.privacy.conversations import delete_conversation

logger = logging.getLogger(__name__)


def closed_reason(tracker: DialogueStateTracker) -> str | None:
    """Why the conversation was closed in this session, or None while it goes on."""
    reason = tracker.get_slot(CLOSED_SLOT)
    return reason if reason in REASONS else None


class PrivacyTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that deletes a conversation when it closes without a note."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url.render_as_string(hide_password=False)
            self.engine.dispose()
            self.engine = make_engine(url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        else:
            # Rasa's engine has no pre-ping: after a database restart the first turn on each pooled
            # connection would fail (the resident sees an error once more after the database is back).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(str(url)))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.info("tracker store: conversations closed without a note are deleted")

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's query (``_event_query``), but fetching only the ``data`` column as plain rows.

        Rasa builds an ORM object per stored event and keeps only its JSON; under load that was the
        largest part of the tracker store's time (bench/profile.py). Same rows, same order, same tracker.
        """
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        events = [json.loads(data) for (data,) in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events not stored yet; counts the stored ones without loading them (Rasa's count()
        wraps the whole event query in a subquery)."""
        query = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
        stored = query.order_by(None).with_entities(func.count(self.SQLEvent.id)).scalar() or 0
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Messages Naast did not understand are taken now, de-identified (bot/learning/collect.py).
        COLLECTOR.offer(tracker)
        reason = closed_reason(tracker)
        if reason is None or (reason != WIPED and tracker.get_slot(NOTE_SLOT)):
            await super().save(tracker)
            return
        # No event broker is configured; the turn is not streamed anywhere either.
        with self.engine.begin() as connection:
            deleted = delete_conversation(connection, tracker.sender_id, keep_notes=reason != WIPED)
        logger.info("conversation closed (%s): %d stored events deleted", reason, deleted)
        if reason == WIPED:
            COLLECTOR.forget(tracker.sender_id)
