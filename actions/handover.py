"""Contact details: how the resident wants to be reached (the note itself: actions/consent.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    CRISIS,
    answer_or_button_word,
    answer_text,
    free_text_answer,
    is_side_path,
    latest_intent,
    latest_text,
    side_paths_taken,
    yes_no,
)
from actions.forms import AnswerForm
from bot.lexicons import cues
from bot.slots import SKIPPED

CHANNELS = ("phone", "email", "visit", "chat", "anonymous")
EMAIL = re.compile(r"[^@\s<>(),;:]+@[^@\s<>(),;:]+\.[^@\s<>(),;:]+")
NAME_LEAD_INS = re.compile(r"^(ik heet|mijn naam is|noem me|noem mij|zeg maar|ik ben)\s+", re.I)
TRIES = 2  # a phone number or e-mail address that fails the check this often is kept as typed


def normalise_phone(text: str) -> str | None:
    """The first Dutch (or international) phone number in the text, in a standard form, or None."""
    for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(text: str) -> str | None:
    found = EMAIL.search(text.strip())
    if not found:
        return None
    try:
        return validate_email(found.group(0).strip(".").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def channel_in(message: dict[str, Any]) -> str | None:
    for entity in message.get("entities", []):
        if entity.get("entity") == "contact_channel" and entity.get("value") in CHANNELS:
            return entity["value"]
    return cues.first_key(message.get("text") or "", "contact_nl", "channels")


def _unverified(tracker: Tracker, slot: str) -> list[str]:
    return [*[s for s in tracker.get_slot("contact_unverified") or [] if s != slot], slot]


class ValidateContactForm(AnswerForm, FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Every channel gives the professional a way to act: a number, an address, or the chat."""
        channel = tracker.get_slot("contact_channel")
        if channel == "anonymous":
            return ["contact_channel"]
        details = {
            "phone": ["contact_phone"],
            "email": ["contact_email"],
            "visit": ["contact_address", "contact_phone"],
        }.get(channel or "", [])
        rest = [s for s in domain_slots if s != "contact_channel"]
        if channel in ("email", "chat"):
            rest = [s for s in rest if s != "contact_time"]  # no call to plan
        return ["contact_channel", *details, *rest]

    async def extract_contact_channel(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        if t.get_slot("requested_slot") != "contact_channel" or latest_intent(t)[0] in CRISIS:
            return {}
        text = latest_text(t)
        # Typing the number or address straight away is an answer too.
        if EMAIL.search(text):
            email = normalise_email(text)
            return {"contact_channel": "email", **({"contact_email": email} if email else {})}
        phone = normalise_phone(text) if any(c.isdigit() for c in text) else None
        if phone:
            return {"contact_channel": "phone", "contact_phone": phone}
        # Before the side paths: here "bellen" answers the question, it is not a request for a person.
        channel = channel_in(t.latest_message)
        if channel is not None:
            return {"contact_channel": channel}
        if is_side_path(t):
            return {}
        if side_paths_taken(t, "contact_channel") + 1 >= TRIES:
            # Twice not understood: ask for a number (an e-mail address is fine there too), never loop.
            return {"contact_channel": "phone"}
        d.utter_message(response="utter_invalid_channel")
        return {"contact_channel": None}

    async def extract_contact_phone(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_text(t, "contact_phone")
        if text and EMAIL.search(text) and not normalise_phone(text):  # an e-mail address typed here
            email = normalise_email(text)
            return {"contact_channel": "email", "contact_email": email or text, "contact_phone": SKIPPED}
        return {"contact_phone": text} if text else {}

    async def extract_contact_email(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_text(t, "contact_email")
        return {"contact_email": text} if text else {}

    async def extract_contact_address(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "contact_address")

    async def extract_contact_name(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_text(t, "contact_name")
        return {"contact_name": NAME_LEAD_INS.sub("", text).strip(" .!") or text} if text else {}

    async def extract_contact_time(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "contact_time")

    async def extract_access_needs(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_or_button_word(t, "access_needs")
        return {"access_needs": text} if text else {}

    async def extract_client_support(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        if t.get_slot("requested_slot") != "client_support" or is_side_path(t):
            return {}
        said = yes_no(t)
        if said is None:
            said = cues.leading_yes_or_no(latest_text(t))
        # Not a clear no ("misschien", "wat is dat precies"): the professional offers it.
        return {"client_support": True if said is None else said}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._checked(dispatcher, tracker, "contact_phone", value, normalise_phone, "utter_invalid_phone")

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._checked(dispatcher, tracker, "contact_email", value, normalise_email, "utter_invalid_email")

    @staticmethod
    def _checked(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        slot: str,
        value: Any,
        normalise: Callable[[str], str | None],
        invalid: str,
    ) -> dict[str, Any]:
        """The detail in its standard form. Not valid the first time: say so and ask again; the second
        time: keep it as typed, marked unchecked (a note is never lost to a check)."""
        if value == SKIPPED or not value:
            return {slot: value}
        checked = normalise(str(value))
        if checked is not None:
            return {slot: checked}
        if tracker.get_slot("requested_slot") == slot and side_paths_taken(tracker, slot) + 1 >= TRIES:
            dispatcher.utter_message(response="utter_detail_unverified")
            return {slot: str(value), "contact_unverified": _unverified(tracker, slot)}
        dispatcher.utter_message(response=invalid)
        return {slot: None}


# The note itself (consent, storing, the summary to keep) lives in actions/consent.py.
