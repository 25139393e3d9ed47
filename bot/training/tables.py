"""Tables of editors' drafts and published models (schema: ``migrations/versions/0004_training_learning.py``)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Text

from bot.db import Base, UTCDateTime


class DraftRow(Base):
    """What editors changed about one intent: added examples, and for a new topic its answer.

    ``version`` rises with every change; a change names the version it was made on, so two editors
    never overwrite each other (``bot.training.drafts``).
    """

    __tablename__ = "training_drafts"

    intent = Column(String(64), primary_key=True)
    # JSON: {"examples": [str], "new": bool, "title": str, "response": str}
    payload = Column(Text, nullable=False)
    version = Column(Integer, nullable=False, default=1)
    # "open" (not yet in a live model) or "published" (in the model of ``published_in``).
    state = Column(String(16), nullable=False, default="open")
    published_in = Column(Integer, nullable=True)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


class ModelVersionRow(Base):
    """One trained (or failed) model. The live one is the most recently activated."""

    __tablename__ = "model_versions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(UTCDateTime, nullable=False)
    created_by = Column(String(64), nullable=False)
    # queued, training, testing, failed, ready (tested, activated at least once), shipped (the base model)
    status = Column(String(16), nullable=False)
    stage = Column(String(200), nullable=False, default="")  # progress line for the editor (Dutch)
    progress = Column(Integer, nullable=False, default=0)  # 0-100
    model_path = Column(String(500), nullable=True)  # relative to the project root
    # JSON: the drafts trained in, the test results, why it failed
    report = Column(Text, nullable=False, default="{}")
    activated_at = Column(UTCDateTime, nullable=True)
    activated_by = Column(String(64), nullable=True)
