"""The inbox's own facts about a note: team, labels, who picked it up (schema: migrations 0002, 0003).

Made once, when the delivery worker puts the note in the inbox (``bot/inbox/index.py``). The rows hang
off ``notes.id`` with ON DELETE CASCADE and the purge deletes them explicitly too: when a note goes,
nothing of it stays behind.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text

from bot.db import Base, UTCDateTime


class InboxNoteRow(Base):
    """The inbox's facts about one note; made from the note when it is delivered."""

    __tablename__ = "inbox_notes"

    note_id = Column(String(36), ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    team = Column(String(64), nullable=False, index=True)
    labels = Column(String(1000), nullable=False, default="")  # label keys, comma separated (for display)
    has_contact = Column(Boolean, nullable=False, default=False)
    assigned_to = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    picked_up_at = Column(UTCDateTime, nullable=True)
    done_at = Column(UTCDateTime, nullable=True)
    done_remark = Column(Text, nullable=True)
    routing_version = Column(String(16), nullable=False)


class InboxLabelRow(Base):
    """One life-domain label of a note (for the label filter)."""

    __tablename__ = "inbox_note_labels"

    note_id = Column(String(36), ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    label = Column(String(64), primary_key=True, index=True)


class JobRow(Base):
    """When a deployment-wide job last started (the retention purge runs once per interval, not once per
    web replica): a replica runs it only after moving ``started_at`` forward with a compare-and-set."""

    __tablename__ = "jobs"

    name = Column(String(32), primary_key=True)
    started_at = Column(UTCDateTime, nullable=False)
    holder = Column(String(64), nullable=False)  # host:pid of the replica that ran it (for operators)
