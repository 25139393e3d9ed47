"""Retention: delete notes past their retention date, with everything that hangs off them.

``retention_until`` on the note is the one date that counts (the note's privacy line shows it). The
inbox moves it: picking a note up keeps it at least ``retention_days`` from then, marking it done sets
it to ``retention_days`` after done. The purge deletes the note, its outbox rows and the inbox's rows
about it, and writes the count to the audit log. Audit entries (ids and references only, no content)
and old log-in failures have their own, longer clock.

The same job empties Rasa's tracker store of conversations Naast may no longer keep: abandoned ones
without a note, and those with a note past NAAST_CONVERSATION_RETENTION_DAYS (bot/privacy/conversations.py).

**Once per deployment.** Every web replica runs ``maintain_forever``, but each round first claims the
``retention`` row of the ``jobs`` table with a compare-and-set (``started_at`` older than the interval
-> now): on SQLite and PostgreSQL alike exactly one replica wins a round, the others skip it. A replica
that dies mid-purge loses nothing: the purge is idempotent and the next round (one interval later) runs
it again. ``naast purge`` runs it at once, whatever the row says.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.accounts import audit
from bot.accounts.tables import AuditRow
from bot.accounts.users import forget_old_failures
from bot.config import Settings
from bot.db import session_scope, utcnow
from bot.inbox.index import bring_up_to_date
from bot.inbox.routing import load_routing
from bot.inbox.tables import InboxLabelRow, InboxNoteRow, JobRow
from bot.learning.store import purge as learning_purge
from bot.notes.tables import NoteRow, OutboxRow
from bot.privacy.conversations import purge_for as purge_conversations

CHUNK = 500
JOB = "retention"
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


def claim_round(engine: Engine, name: str, interval: dt.timedelta, now: dt.datetime | None = None,
                holder: str | None = None) -> bool:
    """True for exactly one caller per ``interval`` across every process on this database."""
    now = now or utcnow()
    holder = (holder or f"{socket.gethostname()}:{os.getpid()}")[:64]
    with session_scope(engine) as session:
        won = session.execute(update(JobRow).where(JobRow.name == name, JobRow.started_at <= now - interval)
                              .values(started_at=now, holder=holder)).rowcount == 1
        if won or session.get(JobRow, name) is not None:
            return won
    try:  # the first round ever: whoever inserts the row wins it
        with session_scope(engine) as session:
            session.execute(insert(JobRow).values(name=name, started_at=now, holder=holder))
        return True
    except IntegrityError:
        return False


def maintain(engine: Engine, settings: Settings, *, now: dt.datetime | None = None,
             tracker_engine: Engine | None = None) -> PurgeResult | None:
    """One round of the deployment-wide job, if this process wins it: the purge, then the inbox's
    index brought up to date (notes delivered without facts, a changed routing file). None: skipped."""
    interval = dt.timedelta(minutes=settings.purge_interval_minutes)
    if not claim_round(engine, JOB, interval, now):
        return None
    result = purge(engine, settings, now=now, tracker_engine=tracker_engine)
    bring_up_to_date(engine, load_routing(settings.routing_file))
    return result
