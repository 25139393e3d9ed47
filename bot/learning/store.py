"""Record, group, hand out and delete the de-identified messages Naast did not understand.

What counts as not understood (``reason_for``): the classifier's ``nlu_fallback``, an intent with a
confidence below ``LOW_CONFIDENCE``, and ``out_of_scope`` (answered with "daar kan ik u niet mee
helpen"). Never recorded: an answer to one of Naast's questions (an active form: that is the resident's
story, understood as the answer), crisis messages, and messages the safety screen marked too long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from bot.db import session_scope, utcnow
from bot.learning.deid import deidentify
from bot.learning.tables import UnderstoodRow

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.6
SIMILAR = 62  # rapidfuzz token_set_ratio (of the content words) from which two messages are in one group
# Words that say nothing about the topic; without them "mijn afvalpas" and "waar blijft de afvalpas" meet.
STOPWORDS = frozenset((
    "de", "het", "een", "en", "of", "ik", "u", "je", "jij", "jullie", "we", "wij", "mijn", "uw", "ons", "onze",
    "is", "ben", "bent", "zijn", "was", "wordt", "worden", "kan", "kunt", "wil", "wilt", "moet", "hoe", "wat",
    "wie", "waar", "wanneer", "waarom", "welke", "die", "dat", "dit", "deze", "er", "hier", "daar", "in", "op",
    "aan", "van", "voor", "met", "over", "naar", "bij", "om", "te", "tot", "uit", "als", "dan", "maar", "ook",
    "nog", "niet", "geen", "wel", "al", "toch", "even", "graag", "hoor", "nou", "zo",
))
_CONTEXT = "naast learning conversation v1|"


def conversation_key(secret: str, sender: str) -> str:
    return hmac.new(secret.encode(), (_CONTEXT + sender).encode(), hashlib.sha256).hexdigest()


def reason_for(parse: dict[str, Any], in_form: bool) -> str | None:
    """Why a parsed message counts as not understood, or None."""
    intent = (parse.get("intent") or {}).get("name")
    confidence = (parse.get("intent") or {}).get("confidence")
    screen = parse.get("naast_screen") or {}
    if in_form or not intent or intent.startswith("crisis_") or screen.get("too_long") or screen.get("signals"):
        return None
    if intent == "nlu_fallback":
        return "fallback"
    if intent == "out_of_scope":
        return "out_of_scope"
    if isinstance(confidence, (int, float)) and confidence < LOW_CONFIDENCE:
        return "low_confidence"
    return None


def record(engine: Engine, secret: str, sender: str, text: str, reason: str, intent: str | None,
           confidence: float | None) -> int:
    """Keep ``text`` until ``deidentify_pending`` replaces it (Rasa's process; no deduce there)."""
    with session_scope(engine) as session:
        row = UnderstoodRow(conversation=conversation_key(secret, sender), text=text[:2000], pending=True,
                            reason=reason, intent=intent, confidence=confidence, at=utcnow())
        session.add(row)
        session.flush()
        return row.id


def deidentify_pending(engine: Engine, cache_dir: Path, batch: int = 50) -> int:
    """De-identify waiting messages (the web app, every few seconds); how many were done."""
    with session_scope(engine) as session:
        rows = list(session.execute(select(UnderstoodRow.id, UnderstoodRow.text)
                                    .where(UnderstoodRow.pending.is_(True)).limit(batch)))
    for message_id, text in rows:
        clean = deidentify(text, cache_dir)
        with session_scope(engine) as session:
            session.execute(update(UnderstoodRow).where(UnderstoodRow.id == message_id)
                            .values(text=clean, pending=False))
    return len(rows)


def content_words(text: str) -> str:
    """The words that carry the topic: no de-identification tags, no stop words, lower case."""
    import re

    plain = re.sub(r"\[[A-Z-]+(?:-\d+)?\]", " ", text).lower()
    return " ".join(w for w in re.findall(r"[^\W\d_]+", plain) if w not in STOPWORDS)


@dataclass
class Group:
    messages: list[UnderstoodRow] = field(default_factory=list)

    @property
    def lead(self) -> UnderstoodRow:
        return self.messages[0]


def grouped(engine: Engine, limit: int = 500) -> list[Group]:
    """Open messages, similar ones together (largest group first)."""
    from rapidfuzz import fuzz

    with session_scope(engine) as session:
        rows = list(session.execute(select(UnderstoodRow).where(UnderstoodRow.handled.is_(None),
                                                                UnderstoodRow.pending.is_(False))
                                    .order_by(UnderstoodRow.at.desc()).limit(limit)).scalars())
    groups: list[Group] = []
    for row in rows:
        words = content_words(row.text)
        for group in groups:
            if fuzz.token_set_ratio(words, content_words(group.lead.text)) >= SIMILAR:
                group.messages.append(row)
                break
        else:
            groups.append(Group([row]))
    return sorted(groups, key=lambda g: -len(g.messages))


def get(engine: Engine, message_id: int) -> UnderstoodRow | None:
    """A de-identified message (never a pending one)."""
    with session_scope(engine) as session:
        row = session.get(UnderstoodRow, message_id)
        return row if row is not None and not row.pending else None


def mark_handled(engine: Engine, ids: Iterable[int], handled: str, editor: str) -> None:
    with session_scope(engine) as session:
        session.execute(update(UnderstoodRow).where(UnderstoodRow.id.in_(list(ids)))
                        .values(handled=handled, handled_by=editor))


def purge(engine: Engine, retention_days: float, pending_hours: float, now: dt.datetime | None = None) -> int:
    """Delete rows older than the conversations' retention (NAAST_CONVERSATION_RETENTION_DAYS), and a
    message still not de-identified after ``pending_hours`` (the web app was away: not kept raw longer
    than an abandoned conversation)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        old = session.execute(delete(UnderstoodRow).where(
            UnderstoodRow.at < now - dt.timedelta(days=retention_days))).rowcount or 0
        raw = session.execute(delete(UnderstoodRow).where(
            UnderstoodRow.pending.is_(True), UnderstoodRow.at < now - dt.timedelta(hours=pending_hours))).rowcount or 0
        return old + raw


def forget_conversation(engine: Engine, secret: str, sender: str) -> int:
    """"Wis dit gesprek": its de-identified messages go too."""
    with session_scope(engine) as session:
        return session.execute(delete(UnderstoodRow).where(
            UnderstoodRow.conversation == conversation_key(secret, sender))).rowcount or 0
