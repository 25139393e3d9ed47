"""Contact details: how the resident wants to be reached (the note itself: actions/consent.py)."""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rasa_sdk import FormValidationAction, Tracker
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



# The note itself (consent, storing, the summary to keep) lives in actions/consent.py.
