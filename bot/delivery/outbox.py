"""Outbox rows: claim the due ones, then mark them delivered or schedule a retry.

A claim moves due rows to "sending" under a fresh claim token, so two workers never take the same
row: on PostgreSQL the candidate rows are first locked with ``FOR UPDATE SKIP LOCKED``; on SQLite one
conditional UPDATE statement does it under the database's write lock. Every later change checks the
token, so a worker whose lease ran out cannot overwrite the outcome of the worker that took over.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection, Engine

from bot.config import Settings
from bot.inbox.index import index_delivered
from bot.inbox.routing import Routing
from bot.notes.model import STATUS_NEW, STATUS_QUEUED
from bot.notes.store import OUTBOX_DELIVERED, OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING
from bot.notes.tables import NoteRow, OutboxRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    id: str
    note_id: str
    channel: str
    attempts: int  # including this one
    claim_token: str


def claim_due(engine: Engine, now: dt.datetime, *, limit: int, lease_s: float) -> list[Claimed]:
    """Take up to ``limit`` due rows (pending and due, or sending with an expired lease)."""
    due = or_(
        and_(OutboxRow.status == OUTBOX_PENDING, OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == OUTBOX_SENDING,
             OutboxRow.claimed_at <= now - dt.timedelta(seconds=lease_s)),
    )
    candidates = select(OutboxRow.id).where(due).order_by(OutboxRow.next_attempt_at).limit(limit)
    token = str(uuid.uuid4())
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Lock the candidates first, in their own statement: inside an UPDATE's IN (...) PostgreSQL
            # may re-run a LIMIT ... SKIP LOCKED subquery and take more rows than asked.
            ids = connection.execute(candidates.with_for_update(skip_locked=True)).scalars().all()
            if not ids:
                return []
            chosen = OutboxRow.id.in_(ids)
        else:
            chosen = OutboxRow.id.in_(candidates)  # one statement holds SQLite's write lock
        connection.execute(
            update(OutboxRow)
            .where(chosen, due)
            .values(status=OUTBOX_SENDING, claim_token=token, claimed_at=now,
                    attempts=OutboxRow.attempts + 1)
        )
        rows = connection.execute(
            select(OutboxRow.id, OutboxRow.note_id, OutboxRow.channel, OutboxRow.attempts)
            .where(OutboxRow.claim_token == token)
        ).all()
    return [Claimed(row.id, row.note_id, row.channel, row.attempts, token) for row in rows]


def _finish(connection: Connection, claimed: Claimed, **values: object) -> bool:
    result = connection.execute(
        update(OutboxRow)
        .where(OutboxRow.id == claimed.id, OutboxRow.claim_token == claimed.claim_token,
               OutboxRow.status == OUTBOX_SENDING)
        .values(**values)
    )
    return result.rowcount == 1


def mark_delivered(engine: Engine, claimed: Claimed, now: dt.datetime) -> bool:
    with engine.begin() as connection:
        return _finish(connection, claimed, status=OUTBOX_DELIVERED, delivered_at=now,
                       claim_token=None, last_error=None)


def deliver_to_inbox(engine: Engine, claimed: Claimed, now: dt.datetime, routing: Routing) -> bool:
    """The inbox channel: the note becomes visible ("nieuw") with its team and labels, in one transaction."""
    with engine.begin() as connection:
        if not _finish(connection, claimed, status=OUTBOX_DELIVERED, delivered_at=now,
                       claim_token=None, last_error=None):
            return False
        connection.execute(update(NoteRow)
                           .where(NoteRow.id == claimed.note_id, NoteRow.status == STATUS_QUEUED)
                           .values(status=STATUS_NEW))
        index_delivered(connection, claimed.note_id, routing)
        return True


def backoff_s(attempt: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Exponential back-off with jitter: between half and all of base * 2^(attempt-1), capped."""
    delay = min(settings.delivery_max_delay_s, settings.delivery_base_delay_s * 2 ** (attempt - 1))
    return delay * (0.5 + (rng or random).random() / 2)


def schedule_retry(engine: Engine, claimed: Claimed, now: dt.datetime, error: str,
                   settings: Settings, rng: random.Random | None = None) -> str:
    """After a failed attempt: pending again later, or "failed" after the last attempt (kept, logged)."""
    error = error[:500]
    if claimed.attempts >= settings.delivery_max_attempts:
        status, next_at = OUTBOX_FAILED, now
        log.error("delivery failed for good: outbox=%s channel=%s attempts=%d error=%s",
                  claimed.id, claimed.channel, claimed.attempts, error)
    else:
        status = OUTBOX_PENDING
        next_at = now + dt.timedelta(seconds=backoff_s(claimed.attempts, settings, rng))
        log.warning("delivery attempt %d failed: outbox=%s channel=%s error=%s; next at %s",
                    claimed.attempts, claimed.id, claimed.channel, error, next_at.isoformat())
    with engine.begin() as connection:
        _finish(connection, claimed, status=status, next_attempt_at=next_at, claim_token=None,
                last_error=error)
    return status


def requeue_failed(engine: Engine, now: dt.datetime, channel: str | None = None) -> int:
    """Give failed deliveries a fresh set of attempts (after the receiver has been fixed)."""
    query = update(OutboxRow).where(OutboxRow.status == OUTBOX_FAILED)
    if channel:
        query = query.where(OutboxRow.channel == channel)
    with engine.begin() as connection:
        return connection.execute(
            query.values(status=OUTBOX_PENDING, attempts=0, next_attempt_at=now)
        ).rowcount
