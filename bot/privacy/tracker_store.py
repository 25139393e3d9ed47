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

import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
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
        logger.info("tracker store: conversations closed without a note are deleted")

    async def save(self, tracker: DialogueStateTracker) -> None:
        reason = closed_reason(tracker)
        if reason is None or (reason != WIPED and tracker.get_slot(NOTE_SLOT)):
            await super().save(tracker)
            return
        # No event broker is configured; the turn is not streamed anywhere either.
        with self.engine.begin() as connection:
            deleted = delete_conversation(connection, tracker.sender_id, keep_notes=reason != WIPED)
        logger.info("conversation closed (%s): %d stored events deleted", reason, deleted)
