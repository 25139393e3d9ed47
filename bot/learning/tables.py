"""De-identified messages Naast did not understand (schema: ``migrations/versions/0004_training_learning.py``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Text

from bot.db import Base, UTCDateTime


class UnderstoodRow(Base):
    __tablename__ = "learning_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    # HMAC of the conversation id (NAAST_SECRET_KEY): lets "Wis dit gesprek" delete these rows too,
    # without storing the id itself.
    conversation = Column(String(64), nullable=False)
    # De-identified once ``pending`` is false. Rasa's process writes the message with ``pending`` true
    # (deduce needs a gigabyte, too much for every Rasa replica); the web app de-identifies it within
    # seconds and only ever shows rows that are no longer pending.
    text = Column(Text, nullable=False)
    pending = Column(Boolean, nullable=False, default=True)
    reason = Column(String(32), nullable=False)  # fallback, low_confidence, out_of_scope
    intent = Column(String(64), nullable=True)  # what the classifier thought
    confidence = Column(Float, nullable=True)
    at = Column(UTCDateTime, nullable=False)
    # Set when an editor turned it into an example (the intent), or put it aside ("-").
    handled = Column(String(64), nullable=True)
    handled_by = Column(String(64), nullable=True)


Index("ix_learning_messages_at", UnderstoodRow.at)
Index("ix_learning_messages_conversation", UnderstoodRow.conversation)
Index("ix_learning_messages_pending", UnderstoodRow.pending)
