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
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

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
        if self.engine.dialect.name != "sqlite":
            # Rasa's engine has no pre-ping: after a database restart the first turn on each pooled
            # connection would fail (the resident sees an error once more after the database is back).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(str(url)))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.info("tracker store: conversations closed without a note are deleted")

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
