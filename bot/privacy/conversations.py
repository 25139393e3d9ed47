"""Deleting conversations from Rasa's SQL tracker store (table ``events``), on SQLite and PostgreSQL.

Rasa never deletes a row. These functions do, on the table Rasa creates
(``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``): one conversation (when it closes or is wiped),
and the purge of abandoned and expired ones.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import Connection, Engine

from bot.config import Settings
from bot.privacy import NOTE_SLOT

logger = logging.getLogger(__name__)

# The columns Naast reads of Rasa's table (Rasa creates it; we never do).
events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)
_NOTE_PATTERN = f'%"name": "{NOTE_SLOT}"%'
CHUNK = 500


def _note_rows(connection: Connection, sender_ids: list[str] | None = None) -> dict[str, int]:
    """Per conversation, the id of the latest row that set a note reference (a note was stored)."""
    query = select(events.c.sender_id, events.c.id, events.c.data).where(
        events.c.type_name == "slot", events.c.data.like(_NOTE_PATTERN))
    if sender_ids is not None:
        query = query.where(events.c.sender_id.in_(sender_ids))
    found: dict[str, int] = {}
    for sender_id, row_id, data in connection.execute(query):
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if event.get("name") == NOTE_SLOT and event.get("value"):
            found[sender_id] = max(row_id, found.get(sender_id, 0))
    return found


def delete_conversation(connection: Connection, sender_id: str, *, keep_notes: bool = True) -> int:
    """Delete a conversation's rows; returns how many.

    With ``keep_notes`` the rows up to the end of a session that led to a note stay (they follow the
    note's retention); everything after them goes. Without it, every row of the conversation goes.
    """
    where = [events.c.sender_id == sender_id]
    if keep_notes:
        note_row = _note_rows(connection, [sender_id]).get(sender_id)
        if note_row is not None:
            # The note's session ends where the next session starts (or nothing came after it).
            next_start = connection.execute(
                select(func.min(events.c.timestamp)).where(
                    events.c.sender_id == sender_id, events.c.type_name == "session_started",
                    events.c.id > note_row)).scalar()
            if next_start is None:
                return 0
            where.append(events.c.timestamp >= next_start)
    return connection.execute(delete(events).where(*where)).rowcount or 0


def count_rows(engine: Engine, sender_id: str | None = None) -> int:
    query = select(func.count()).select_from(events)
    if sender_id is not None:
        query = query.where(events.c.sender_id == sender_id)
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def has_table(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("events")


@dataclass(frozen=True)
class ConversationPurge:
    abandoned: int  # conversations without a note, idle longer than the abandoned limit
    expired: int  # conversations that led to a note, past their retention
    rows: int


def purge(engine: Engine, *, abandoned_hours: float, retention_days: float, now: float | None = None
          ) -> ConversationPurge:
    """Delete idle conversations without a note after ``abandoned_hours``, and those with a note after
    ``retention_days`` (both counted from their last event)."""
    if not has_table(engine):  # Rasa has not started on this database yet
        return ConversationPurge(0, 0, 0)
    now = time.time() if now is None else now
    abandoned_before = now - abandoned_hours * 3600
    expired_before = now - retention_days * 86400
    idle = (select(events.c.sender_id).group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < abandoned_before))
    abandoned = expired = rows = 0
    with engine.begin() as connection:
        last = dict(connection.execute(
            select(events.c.sender_id, func.max(events.c.timestamp)).where(events.c.sender_id.in_(idle))
            .group_by(events.c.sender_id)).all())
        noted = _note_rows(connection, list(last)) if last else {}
        for sender_id, last_at in last.items():
            if sender_id in noted and last_at < expired_before:
                expired += 1
                rows += delete_conversation(connection, sender_id, keep_notes=False)
            else:
                # No note: all of it. A note: what came after the note's session (it waits for retention).
                deleted = delete_conversation(connection, sender_id, keep_notes=True)
                abandoned += 1 if deleted else 0
                rows += deleted
    if abandoned or expired:
        logger.info("conversations purged: %d abandoned without a note, %d past retention (%d rows)",
                    abandoned, expired, rows)
    return ConversationPurge(abandoned, expired, rows)


_ENGINES: dict[str, Engine] = {}


def tracker_engine(settings: Settings) -> Engine:
    """An engine on Rasa's tracker store database as endpoints.yml names it (one per URL and process)."""
    from bot.db import make_engine

    url = settings.tracker_store_env()["NAAST_TRACKER_URL"]
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def purge_for(settings: Settings, engine: Engine | None = None, now: float | None = None) -> ConversationPurge:
    """The purge with the configured limits (the retention job calls this)."""
    return purge(engine or tracker_engine(settings), abandoned_hours=settings.abandoned_conversation_hours,
                 retention_days=settings.conversation_retention_days, now=now)
