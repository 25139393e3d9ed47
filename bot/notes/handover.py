"""The one call the Rasa action makes when the resident says yes to sending their story."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.delivery.channels import configured_channels
from bot.notes.model import Note
from bot.notes.store import NoConsentError, NoteStore
from bot.summariser import IntakeAnswers, summarise


def hand_over(answers: IntakeAnswers, store: NoteStore, settings: Settings, *,
              now: dt.datetime | None = None) -> Note:
    """Summarise and store the note with its outbox rows, in one transaction.

    The one path from a conversation's slots to a stored note (``action_submit_note`` calls it).
    Without an explicit yes (``answers.consent is True``) the store refuses with ``NoConsentError``
    and nothing is written: the answers then live only in the conversation, never in Naast's tables.
    """
    if answers.consent is not True:
        raise NoConsentError("a note is only stored after the resident's explicit yes")
    note = summarise(answers, now=now, retention_days=settings.retention_days)
    return store.save(note, configured_channels(settings), consent=answers.consent)
