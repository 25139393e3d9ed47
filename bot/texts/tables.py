"""Tables of the text store (schema: ``migrations/versions/0005_texts.py``).

``text_revisions`` is the history: every publish and rollback of a text, who, when, via what, and the
variations it made live (the text before is the previous revision, or the shipped base). ``text_published``
holds the live variations of each edited text (one row per text; a text without a row is the shipped base).
``text_store_version`` is one row whose number goes up with every change: a Rasa process compares it
(one cheap query) before it reloads the texts. ``text_word_lists`` are the words editors added to the
official-words and decision-words lists. ``resource_edits`` are edits of config/resources.yml entries.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text

from bot.db import Base, UTCDateTime


class TextRevisionRow(Base):
    __tablename__ = "text_revisions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(120), nullable=False, index=True)
    variations = Column(Text, nullable=False)  # JSON list of {"text", "buttons"?, "condition"?}
    action = Column(String(16), nullable=False)  # publish | rollback
    rollback_of = Column(Integer, nullable=True)  # the revision restored (0: the shipped base)
    actor = Column(String(64), nullable=False)
    via = Column(String(8), nullable=False)  # web | api | cli
    created_at = Column(UTCDateTime, nullable=False)


class TextPublishedRow(Base):
    __tablename__ = "text_published"

    name = Column(String(120), primary_key=True)
    revision_id = Column(Integer, ForeignKey("text_revisions.id"), nullable=False)
    variations = Column(Text, nullable=False)


class TextStoreVersionRow(Base):
    __tablename__ = "text_store_version"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False)


class WordListRow(Base):
    __tablename__ = "text_word_lists"

    list_name = Column(String(16), primary_key=True)  # official | decision
    word = Column(String(80), primary_key=True)
    actor = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class ResourceEditRow(Base):
    __tablename__ = "resource_edits"

    id = Column(Integer, primary_key=True, autoincrement=True)
    key = Column(String(64), nullable=False, index=True)  # "municipality" or a key under resources:
    fields = Column(Text, nullable=False)  # JSON: the entry's fields after the edit
    checked = Column(Date, nullable=False)
    actor = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
