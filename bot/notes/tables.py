"""SQLAlchemy tables for notes and their delivery outbox (schema: ``migrations/versions``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from bot.db import Base, UTCDateTime


class NoteRow(Base):
    __tablename__ = "notes"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_notes_reference"),
        Index("ix_notes_created_at_inbox", "created_at"),  # made by revision 0002 (inbox lists)
    )

    id = Column(String(36), primary_key=True)
    reference = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    status = Column(String(32), nullable=False, index=True)
    urgent = Column(Boolean, nullable=False, default=False)
    resident_confirmed = Column(Boolean, nullable=False, default=False)
    anonymous = Column(Boolean, nullable=False, default=False)
    retention_until = Column(UTCDateTime, nullable=False, index=True)
    # The rest of the note (signals, sections, contact, privacy) as JSON text: it is read and
    # written whole, never queried piecemeal.
    body = Column(Text, nullable=False)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("note_id", "channel", name="uq_outbox_note_channel"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id = Column(String(36), primary_key=True)  # also the idempotency key receivers dedupe on
    note_id = Column(String(36), ForeignKey("notes.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    claim_token = Column(String(36), nullable=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    delivered_at = Column(UTCDateTime, nullable=True)
    last_error = Column(Text, nullable=True)  # error class and status only, never note content
    created_at = Column(UTCDateTime, nullable=False)

    def __repr__(self) -> str:  # no personal data in logs
        return f"<OutboxRow {self.id} {self.channel} {self.status} attempts={self.attempts}>"

