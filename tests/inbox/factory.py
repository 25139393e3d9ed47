"""Notes for the inbox tests, made with the note model and stored through the real NoteStore."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.config import ROOT
from bot.db import utcnow
from bot.delivery.outbox import Claimed, deliver_to_inbox
from bot.inbox.routing import load_routing
from bot.notes.model import Note
from bot.notes.store import OUTBOX_SENDING, NoteStore
from bot.notes.tables import OutboxRow

ROUTING_FILE = ROOT / "config" / "routing.yml"

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
    """Store a note as the action does (consent given) and deliver it to the inbox as the worker does."""
    store = NoteStore(engine)
    saved = store.save(note or make_note(**kwargs), consent=True)
    if delivered:
        deliver(engine, saved.id)
        saved = store.get(saved.id)
    return saved


def deliver(engine: Engine, note_id: str) -> bool:
    """The delivery worker's inbox channel for this note's outbox row: claimed, then delivered."""
    now = utcnow()
    token = str(uuid.uuid4())
    with engine.begin() as connection:
        row_id = connection.execute(select(OutboxRow.id).where(OutboxRow.note_id == note_id,
                                                               OutboxRow.channel == "inbox")).scalar_one()
        connection.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(
            status=OUTBOX_SENDING, claim_token=token, claimed_at=now, attempts=OutboxRow.attempts + 1))
    return deliver_to_inbox(engine, Claimed(row_id, note_id, "inbox", 1, token), now, load_routing(ROUTING_FILE))
