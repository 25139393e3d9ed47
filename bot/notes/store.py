"""Notes in Naast's database: one transaction writes the note and its outbox rows.

Nothing is stored without the resident's explicit yes: ``save`` refuses unless ``consent=True``, and
before that moment the note exists only in memory (the summary that is read back).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence

from pydantic import BaseModel
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope, utcnow
from bot.notes.model import STATUS_QUEUED, Note
from bot.notes.reference import new_reference, normalise_reference
from bot.notes.tables import NoteRow, OutboxRow

CHANNELS = ("inbox", "email", "webhook")
OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_DELIVERED, OUTBOX_FAILED = "pending", "sending", "delivered", "failed"
REFERENCE_TRIES = 20


class NoConsentError(PermissionError):
    """Raised when a note is offered for storage without the resident's explicit yes."""


class NoteAlreadyStoredError(ValueError):
    pass


class OutboxEntry(BaseModel):
    """One delivery of a note over one channel (read-only view of an outbox row)."""

    id: str
    note_id: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = None

    class Config:
        orm_mode = True


class NoteStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, note: Note, channels: Sequence[str] = ("inbox",), *, consent: bool) -> Note:
        """Store the note with one outbox row per channel (inbox always) in one transaction.

        Returns the stored note with its new reference. Raises ``NoConsentError`` unless ``consent is True``.
        """
        if consent is not True:
            raise NoConsentError("a note is only stored after the resident's explicit yes")
        unknown = set(channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown delivery channels: {sorted(unknown)}")
        channels = list(dict.fromkeys(["inbox", *channels]))
        for _ in range(REFERENCE_TRIES):
            stored = note.copy(update={"reference": new_reference(), "status": STATUS_QUEUED})
            try:
                self._insert(stored, channels)
                return stored
            except IntegrityError:
                if self.get(note.id) is not None:
                    raise NoteAlreadyStoredError(note.id) from None
                if self.get_by_reference(stored.reference or "") is None:
                    raise  # not a reference collision
                # Another note holds this reference: draw a new one.
        raise RuntimeError("could not find a free note reference; the reference space is nearly full")

    def _insert(self, note: Note, channels: list[str]) -> None:
        now = utcnow()
        outbox = [{"id": str(uuid.uuid4()), "note_id": note.id, "channel": channel, "status": OUTBOX_PENDING,
                   "attempts": 0, "next_attempt_at": now, "created_at": now} for channel in channels]
        with self.engine.begin() as connection:  # one transaction; the note row first (foreign key)
            connection.execute(insert(NoteRow), [_row_values(note)])
            connection.execute(insert(OutboxRow), outbox)

    def get(self, note_id: str) -> Note | None:
        with session_scope(self.engine) as session:
            row = session.get(NoteRow, note_id)
            return note_from_row(row) if row else None

    def get_by_reference(self, reference: str) -> Note | None:
        normalised = normalise_reference(reference)
        if normalised is None:
            return None
        with session_scope(self.engine) as session:
            row = session.execute(select(NoteRow).where(NoteRow.reference == normalised)).scalar()
            return note_from_row(row) if row else None

    def list(self, statuses: Iterable[str] | None = None, *, limit: int = 50, offset: int = 0) -> list[Note]:
        """Notes for the inbox, urgent first, newest first. By default every delivered note
        (all statuses except the queue's)."""
        query = select(NoteRow)
        if statuses is None:
            query = query.where(NoteRow.status != STATUS_QUEUED)
        else:
            query = query.where(NoteRow.status.in_(list(statuses)))
        query = query.order_by(NoteRow.urgent.desc(), NoteRow.created_at.desc()).limit(limit).offset(offset)
        with session_scope(self.engine) as session:
            return [note_from_row(row) for row in session.execute(query).scalars()]

    def set_status(self, note_id: str, status: str) -> bool:
        """Set a note's status; False when the note does not exist."""
        with session_scope(self.engine) as session:
            result = session.execute(update(NoteRow).where(NoteRow.id == note_id).values(status=status))
            return result.rowcount == 1

    def outbox(self, note_id: str) -> list[OutboxEntry]:
        query = select(OutboxRow).where(OutboxRow.note_id == note_id).order_by(OutboxRow.channel)
        with session_scope(self.engine) as session:
            return [OutboxEntry.from_orm(row) for row in session.execute(query).scalars()]

    def count(self) -> dict[str, int]:
        """Row counts of Naast's note tables (for checks such as "no consent, no rows")."""
        with session_scope(self.engine) as session:
            return {
                "notes": session.execute(select(func.count()).select_from(NoteRow)).scalar_one(),
                "outbox": session.execute(select(func.count()).select_from(OutboxRow)).scalar_one(),
            }


def _row_values(note: Note) -> dict[str, object]:
    return {"id": note.id, "reference": note.reference, "created_at": note.created_at, "status": note.status,
            "urgent": note.urgent, "resident_confirmed": note.resident_confirmed, "anonymous": note.anonymous,
            "retention_until": note.retention_until, "body": note.body_json()}


def note_from_row(row: NoteRow) -> Note:
    """A stored row as the typed note (scalar columns + the JSON body)."""
    return Note(id=row.id, reference=row.reference, created_at=row.created_at, status=row.status,
                urgent=row.urgent, resident_confirmed=row.resident_confirmed, anonymous=row.anonymous,
                retention_until=row.retention_until, **json.loads(row.body))
