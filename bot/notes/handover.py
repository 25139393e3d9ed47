"""The one call the Rasa action makes when the resident says yes to sending their story."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.delivery.channels import configured_channels
from bot.notes.model import Note
from bot.notes.store import NoteStore
from bot.summariser import IntakeAnswers, summarise


def hand_over(answers: IntakeAnswers, store: NoteStore, settings: Settings, *,
              now: dt.datetime | None = None) -> Note | None:
    """Summarise and store the note with its outbox rows, in one transaction.

    Without an explicit yes (``answers.consent is True``) nothing is written and None is returned:
    the answers then live only in the conversation, never in Naast's tables.
    """
    if answers.consent is not True:
        return None
    note = summarise(answers, now=now, retention_days=settings.retention_days)
    return store.save(note, configured_channels(settings), consent=True)
