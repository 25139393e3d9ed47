"""Retention: delete notes past their retention date, with everything that hangs off them.

``retention_until`` on the note is the one date that counts (the note's privacy line shows it). The
inbox moves it: picking a note up keeps it at least ``retention_days`` from then, marking it done sets
it to ``retention_days`` after done. The purge deletes the note, its outbox rows and the inbox's rows
about it, and writes the count to the audit log. Audit entries (ids and references only, no content)
and old log-in failures have their own, longer clock.

The same job empties Rasa's tracker store of conversations Naast may no longer keep: abandoned ones
without a note, and those with a note past NAAST_CONVERSATION_RETENTION_DAYS (bot/privacy/conversations.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bot.accounts import audit
from bot.accounts.tables import AuditRow, InboxLabelRow, InboxNoteRow
from bot.accounts.users import forget_old_failures
from bot.config import Settings
from bot.db import session_scope, utcnow
from bot.learning.store import purge as learning_purge
from bot.notes.tables import NoteRow, OutboxRow
from bot.privacy.conversations import purge_for as purge_conversations

CHUNK = 500
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeResult:
    notes: int
    audit_entries: int
    login_failures: int
    conversations: int = 0  # deleted from Rasa's tracker store


def due_notes(engine: Engine, now: dt.datetime | None = None) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(NoteRow.id).where(NoteRow.retention_until < (now or utcnow())))
                    .scalars())


def purge(engine: Engine, settings: Settings, *, now: dt.datetime | None = None, actor: str = "systeem",
          via: str = "system", dry_run: bool = False, tracker_engine: Engine | None = None) -> PurgeResult:
    now = now or utcnow()
    ids = due_notes(engine, now)
    if dry_run:
        return PurgeResult(len(ids), 0, 0)
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        with session_scope(engine) as session:
            # Re-check the date inside the transaction: a note picked up since the list was made is kept.
            chunk = list(session.execute(select(NoteRow.id).where(NoteRow.id.in_(ids[start:start + CHUNK]),
                                                                  NoteRow.retention_until < now)).scalars())
            if not chunk:
                continue
            # Explicit, not only ON DELETE CASCADE: nothing of a note may stay behind, on any database.
            session.execute(delete(InboxLabelRow).where(InboxLabelRow.note_id.in_(chunk)))
            session.execute(delete(InboxNoteRow).where(InboxNoteRow.note_id.in_(chunk)))
            session.execute(delete(OutboxRow).where(OutboxRow.note_id.in_(chunk)))
            deleted += session.execute(delete(NoteRow).where(NoteRow.id.in_(chunk))).rowcount or 0
    audit_cutoff = now - dt.timedelta(days=settings.audit_retention_days)
    with session_scope(engine) as session:
        audit_entries = session.execute(delete(AuditRow).where(AuditRow.at < audit_cutoff)).rowcount or 0
        if deleted or audit_entries or via == "cli":
            audit.record(session, actor=actor, via=via, action="purge", at=now,
                         detail=f"{deleted} notities verwijderd; {audit_entries} oude logregels verwijderd")
    failures = forget_old_failures(engine, settings, now)
    conversations = purge_conversations(settings, tracker_engine, now.timestamp())
    # De-identified messages to learn from follow the conversations' retention (bot/learning/).
    learning_purge(engine, settings.conversation_retention_days, settings.abandoned_conversation_hours, now)
    logger.info("retention purge: %d notes, %d audit entries, %d log-in failures, %d conversations deleted",
                deleted, audit_entries, failures, conversations.abandoned + conversations.expired)
    return PurgeResult(deleted, audit_entries, failures, conversations.abandoned + conversations.expired)
