"""The one call the Rasa action makes when the resident says yes to sending their story."""

from __future__ import annotations

import datetime as dt
import uuid

from bot.config import Settings
from bot.delivery.channels import configured_channels
from bot.notes.model import Note
from bot.notes.store import NoConsentError, NoteAlreadyStoredError, NoteStore
from bot.summariser import IntakeAnswers, summarise

# Names the notes of conversations (uuid5): the same conversation always gives the same note id.
NOTE_IDS = uuid.UUID("5b0c7f52-3a0e-4d59-9a54-4e1b7d2f6c11")


def note_id_for(conversation: str) -> str:
    """The note id of one conversation (its sender and session start), so that storing it twice stores once."""
    return str(uuid.uuid5(NOTE_IDS, conversation))


def hand_over(answers: IntakeAnswers, store: NoteStore, settings: Settings, *,
              conversation: str | None = None, now: dt.datetime | None = None) -> Note:
    """Summarise and store the note with its outbox rows, in one transaction.

    The one path from a conversation's slots to a stored note (``action_submit_note`` calls it).
    Without an explicit yes (``answers.consent is True``) the store refuses with ``NoConsentError``
    and nothing is written: the answers then live only in the conversation, never in Naast's tables.

    ``conversation`` names the conversation. When a Rasa replica dies after the note was stored but
    before it saved the turn, the resident's message is handled again on another replica and this
    runs a second time: the note id is the same, so the note stored the first time (with its
    reference) is returned instead of a second note.
    """
    if answers.consent is not True:
        raise NoConsentError("a note is only stored after the resident's explicit yes")
    note = summarise(answers, now=now, retention_days=settings.retention_days)
    if conversation:
        note = note.copy(update={"id": note_id_for(conversation)})
    try:
        return store.save(note, configured_channels(settings), consent=answers.consent)
    except NoteAlreadyStoredError:
        stored = store.get(note.id)
        if stored is None:  # deleted in between (retention, a wipe): nothing to give back
            raise
        return stored
