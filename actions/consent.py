"""Consent and the end of a conversation: record the resident's yes or no, store the note only with
that yes, give the summary to keep otherwise, and mark a conversation as closed.

The consent is checked three times: ``action_record_consent`` sets the ``consent`` slot from the
resident's own answer to ``utter_ask_consent``; ``action_submit_note`` checks the slot *and* the
conversation's events again (a slot can be set by anything, the events show who said yes to what);
the note store refuses a note without consent (``bot.notes.store.NoConsentError``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.config import Settings
from bot.db import init_db
from bot.lexicons import cues
from bot.links import summary_link
from bot.notes.handover import hand_over
from bot.notes.store import NoConsentError, NoteStore
from bot.privacy import CLOSED_SLOT, GOODBYE, NO_CONSENT, STOPPED
from bot.summariser import IntakeAnswers

logger = logging.getLogger(__name__)

CONSENT_QUESTION = "utter_ask_consent"
YES = "affirm"
# Events the bot logs between its question and the resident's answer (nothing the resident said).
_BETWEEN = {"action_listen"}


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return Settings.load()


@lru_cache(maxsize=1)
def _store() -> NoteStore:
    # Created once per action-server process; migrations run here so a fresh checkout just works.
    return NoteStore(init_db(_settings().database_url))


def consent_answer(events: Iterable[Mapping[str, Any]]) -> bool | None:
    """The resident's answer to the latest consent question in these events.

    True only when the first thing the resident said after the bot asked ``utter_ask_consent`` was a
    yes (``said_yes``); False for any other reply; None when the question was never asked or is
    still unanswered. A later restart or new session forgets it. A yes given to any other question,
    or a ``consent`` slot set without the question, is no consent.
    """
    answer: bool | None = None
    asked = False
    for event in events:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            answer, asked = None, False
        elif kind == "action":
            name = event.get("name")
            if name == CONSENT_QUESTION:
                answer, asked = None, True
            elif asked and name not in _BETWEEN:
                asked = False  # the bot moved on before the resident answered
        elif kind == "user" and asked:
            answer, asked = said_yes(event), False
    return answer


def said_yes(event: Mapping[str, Any]) -> bool:
    """A yes: the classifier's ``affirm`` that is not a bare no, or a bare yes however it was typed."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    said = cues.yes_or_no(event.get("text") or "")
    return said is True or (intent == YES and said is None)


def has_consent(tracker: Tracker) -> bool:
    """The ``consent`` slot says yes and the events show the resident's own yes to the question."""
    return tracker.get_slot("consent") is True and consent_answer(tracker.events) is True


class ActionRecordConsent(Action):
    """Right after the resident answered the consent question: ``consent`` True for their yes, else False."""

    def name(self) -> str:
        return "action_record_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet("consent", consent_answer(tracker.events) is True)]


class ActionConsentUnclear(Action):
    """Neither yes nor no to the consent question: explain once and ask again; the second time nothing
    is sent (the resident keeps the summary, and is told how to send it after all), so it never loops."""

    def name(self) -> str:
        return "action_consent_unclear"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if times_asked(tracker.events) < MAX_CONSENT_QUESTIONS:
            dispatcher.utter_message(response="utter_consent_explain")
            return [SlotSet(CONSENT_OPEN, True)]
        return [SlotSet(CONSENT_OPEN, False)]


CONSENT_OPEN = "consent_open"
MAX_CONSENT_QUESTIONS = 2  # the question, and once again after the explanation


def times_asked(events: Iterable[Mapping[str, Any]]) -> int:
    """How often the consent question came since the read-back was last confirmed."""
    count = 0
    for event in events:
        if event.get("event") == "action":
            if event.get("name") == "action_confirm_read_back":
                count = 0
            elif event.get("name") == CONSENT_QUESTION:
                count += 1
    return count


def conversation_key(tracker: Tracker) -> str:
    """This conversation: the sender and the start of its session (a new session is a new conversation)."""
    events = tracker.events
    started = next((e.get("timestamp") for e in reversed(events) if e.get("event") == "session_started"),
                   events[0].get("timestamp") if events else None)
    return f"{tracker.sender_id}|{started}"


class ActionSubmitNote(Action):
    """With the resident's yes: summarise, store the note and its deliveries in one go, give the reference."""

    def name(self) -> str:
        return "action_submit_note"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not has_consent(tracker):
            # Only the dialogue could bring us here without a yes (or a forged request): store nothing.
            logger.warning("note not stored: the conversation holds no yes to the consent question")
            dispatcher.utter_message(response="utter_not_sent")
            return [SlotSet("consent", False), SlotSet(CLOSED_SLOT, NO_CONSENT)]
        settings = _settings()
        answers = IntakeAnswers.from_slots(tracker.current_slot_values())  # consent: the checked slot
        try:
            saved = hand_over(answers, _store(), settings, conversation=conversation_key(tracker))
        except NoConsentError:
            raise  # never turn a refusal into "it failed, please try again"
        except Exception:  # the resident must hear that it failed and how to reach a person
            logger.exception("storing the note failed")
            dispatcher.utter_message(response="utter_note_failed")
            return []
        dispatcher.utter_message(response="utter_note_sent", note_reference=saved.reference)
        anonymous = tracker.get_slot("contact_channel") == "anonymous"
        dispatcher.utter_message(response="utter_what_next_anonymous" if anonymous else "utter_what_next")
        dispatcher.utter_message(response="utter_close")
        return [SlotSet("note_reference", saved.reference)]


class ActionKeepSummary(Action):
    """No consent: nothing is stored by Naast; the resident gets a sealed link to their own summary.

    The link carries the summary itself, encrypted (bot/links.py): the conversation is deleted from
    the tracker store when it closes, and the link keeps working for an hour without it.
    """

    def name(self) -> str:
        return "action_keep_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        settings = _settings()
        dispatcher.utter_message(response="utter_not_sent")
        link = summary_link(str(settings.public_url), settings.secret_key, tracker.current_slot_values())
        if link is not None:
            dispatcher.utter_message(response="utter_summary_to_keep", summary_link=link)
        dispatcher.utter_message(response="utter_close")
        return [SlotSet("consent", False), SlotSet("summary_link", link)]


def closing_reason(tracker: Tracker) -> str:
    """Why the conversation ends here: the resident stopped, said goodbye, or said no to sending."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "stop":
        return STOPPED
    if intent == "goodbye":
        return GOODBYE
    if tracker.get_slot("consent") is False:
        return NO_CONSENT
    return STOPPED


class ActionStop(Action):
    """The resident stops: nothing is sent and the conversation is deleted (bot/privacy/). A pause
    ("ik moet even weg", "pauze") keeps it, so "verder" goes on where they were; a pause never
    resumed is deleted with the abandoned conversations (24 hours by default)."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if cues.says(tracker.latest_message.get("text") or "", "pause"):
            dispatcher.utter_message(response="utter_pause")
            return []
        dispatcher.utter_message(response="utter_stop")
        dispatcher.utter_message(response="utter_come_back")
        return [SlotSet(CLOSED_SLOT, STOPPED)]


class ActionCloseConversation(Action):
    """The last action of a closing rule: marks the conversation closed.

    The tracker store (bot/privacy/tracker_store.py) deletes a closed conversation without a note when
    it saves this turn; the resident's next message starts a new, empty conversation.
    """

    def name(self) -> str:
        return "action_close_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet(CLOSED_SLOT, closing_reason(tracker))]
