"""Notes for the inbox tests, made with the note model and stored through the real NoteStore."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.engine import Engine

from bot.db import utcnow
from bot.notes.model import STATUS_NEW, Note
from bot.notes.store import NoteStore

LABELS = {
    "finances": "Financiën",
    "housing": "Huisvesting",
    "parenting": "Opvoeding",
    "social_network": "Sociaal netwerk",
    "physical_health": "Lichamelijke gezondheid",
    "mental_health": "Geestelijke gezondheid",
}


def make_note(*, situation: str = "Ik loop achter met de huur en de post stapelt zich op.",
              labels: tuple[str, ...] = ("finances",), urgent: bool = False, phone: str | None = "+31 6 12345678",
              anonymous: bool = False, created_at: dt.datetime | None = None, retention_days: int = 90,
              signals: tuple[str, ...] = (), **extra: Any) -> Note:
    created = created_at or utcnow()
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "created_at": created,
        "urgent": urgent,
        "resident_confirmed": True,
        "anonymous": anonymous,
        "retention_until": created + dt.timedelta(days=retention_days),
        "signals": {"safety": list(signals), "resources_shown": [
            {"key": "geldfit", "name": "Geldfit", "phone": "0800-8115"}] if "finances" in labels else []},
        "sections": {
            "situation": {"summary": [situation], "answers": [situation]},
            "what_matters": {"summary": ["Ik wil weer rustig kunnen slapen."],
                             "answers": ["Ik wil weer rustig kunnen slapen zonder angst voor de post."]},
            "what_was_tried": {"summary": ["Mijn dochter helpt met de brieven."],
                               "answers": ["Mijn dochter helpt met de brieven en dat helpt wel."],
                               "helped": ["Mijn dochter helpt met de brieven en dat helpt wel."]},
            "what_would_help": {"summary": ["Iemand die samen met mij de brieven doorneemt."],
                                "answers": ["Iemand die samen met mij de brieven doorneemt."]},
            "network": {"summary": ["Mijn dochter komt elke zondag."], "answers": ["Mijn dochter komt elke zondag."]},
            "themes": [{"label": LABELS.get(key, key), "quote": situation} for key in labels],
        },
        "contact": ({"channel": "anonymous"} if anonymous else
                    {"channel": "phone" if phone else "chat", "phone": phone, "time": "'s ochtends",
                     "client_support": True}),
    }
    data.update(extra)
    return Note.parse_obj(data)


def store_note(engine: Engine, note: Note | None = None, *, delivered: bool = True, **kwargs: Any) -> Note:
    """Store a note as the action does (consent given) and, like the delivery worker, mark it delivered."""
    store = NoteStore(engine)
    saved = store.save(note or make_note(**kwargs), consent=True)
    if delivered:
        store.set_status(saved.id, STATUS_NEW)
        saved = store.get(saved.id)
    return saved
