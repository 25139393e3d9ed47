"""Consent, contact details, and sending the note (or giving the resident their summary to keep)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    ALWAYS_SIDE_PATH,
    free_text_answer,
    is_side_path,
    latest_intent,
    latest_text,
    yes_no_answer,
)
from bot import lexicons
from bot.config import Settings
from bot.db import init_db
from bot.links import current_session_start, summary_link
from bot.notes.store import NoteStore
from bot.summariser import IntakeAnswers, summarise

logger = logging.getLogger(__name__)

CHANNELS = ("phone", "email", "visit", "chat", "anonymous")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_phone(text: str) -> str | None:
    """A Dutch (or international) phone number in a standard form, or None when it is not one."""
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(text: str) -> str | None:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def channel_in(message: dict[str, Any]) -> str | None:
    for entity in message.get("entities", []):
        if entity.get("entity") == "contact_channel" and entity.get("value") in CHANNELS:
            return entity["value"]
    return lexicons.first_key_mentioned(message.get("text") or "", lexicons.load("contact_nl")["channels"])


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        channel = tracker.get_slot("contact_channel")
        if channel == "anonymous":
            return ["contact_channel"]
        slots = list(domain_slots)
        detail = {"phone": "contact_phone", "email": "contact_email"}.get(channel or "")
        if detail:
            slots.insert(1, detail)
        return slots

    async def extract_contact_channel(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        if t.get_slot("requested_slot") != "contact_channel" or latest_intent(t)[0] in ALWAYS_SIDE_PATH:
            return {}
        text = latest_text(t)
        # Typing the number or address straight away is an answer too.
        if EMAIL.search(text):
            return {"contact_channel": "email", "contact_email": EMAIL.search(text).group(0)}
        if normalise_phone(text):
            return {"contact_channel": "phone", "contact_phone": text}
        # Before the side paths: here "bellen" answers the question, it is not a request for a person.
        channel = channel_in(t.latest_message)
        if channel is not None:
            return {"contact_channel": channel}
        if not is_side_path(t):
            d.utter_message(response="utter_invalid_channel")
        return {}

    async def extract_contact_phone(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "contact_phone")

    async def extract_contact_email(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "contact_email")

    async def extract_contact_time(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "contact_time")

    async def extract_access_needs(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "access_needs")

    async def extract_client_support(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        if t.get_slot("requested_slot") != "client_support" or is_side_path(t):
            return {}
        answer = yes_no_answer(t)
        return {} if answer is None else {"client_support": answer}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = normalise_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"contact_phone": phone}

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = normalise_email(str(value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"contact_email": email}



@lru_cache(maxsize=1)
def _settings() -> Settings:
    return Settings.load()


@lru_cache(maxsize=1)
def _store() -> NoteStore:
    # Created once per action-server process; migrations run here so a fresh checkout just works.
    return NoteStore(init_db(_settings().database_url))


def delivery_channels(settings: Settings) -> list[str]:
    """The professionals' inbox always; e-mail and webhook where configured."""
    channels = ["inbox"]
    if settings.smtp_host and settings.team_mailbox:
        channels.append("email")
    if settings.webhook_url:
        channels.append("webhook")
    return channels


class ActionSubmitNote(Action):
    """With the resident's yes: summarise, store the note and its deliveries in one go, give the reference."""

    def name(self) -> str:
        return "action_submit_note"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        settings = _settings()
        slots = {**tracker.current_slot_values(), "consent": True}
        try:
            note = summarise(IntakeAnswers.from_slots(slots), retention_days=settings.retention_days)
            saved = _store().save(note, delivery_channels(settings), consent=True)
        except Exception:  # the resident must hear that it failed and how to reach a person
            logger.exception("storing the note failed")
            dispatcher.utter_message(response="utter_note_failed")
            return [SlotSet("consent", True)]
        dispatcher.utter_message(response="utter_note_sent", note_reference=saved.reference)
        anonymous = tracker.get_slot("contact_channel") == "anonymous"
        dispatcher.utter_message(response="utter_what_next_anonymous" if anonymous else "utter_what_next")
        dispatcher.utter_message(response="utter_close")
        return [SlotSet("consent", True), SlotSet("note_reference", saved.reference)]


class ActionKeepSummary(Action):
    """No consent: nothing is stored by Naast; the resident gets a link to their own summary."""

    def name(self) -> str:
        return "action_keep_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        settings = _settings()
        start = current_session_start(tracker.events) or 0.0
        link = summary_link(str(settings.public_url), settings.secret_key, tracker.sender_id, start)
        dispatcher.utter_message(response="utter_not_sent")
        dispatcher.utter_message(response="utter_summary_to_keep", summary_link=link)
        dispatcher.utter_message(response="utter_close")
        return [SlotSet("consent", False), SlotSet("summary_link", link)]
