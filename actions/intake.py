"""The intake form: what is going on, what matters, what was tried, what would help, who helps."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    free_text_answer,
    is_side_path,
    latest_text,
    means_nobody,
    names_a_means,
    yes_no_answer,
)
from bot.slots import SKIPPED


def _answered(tracker: Tracker, slot: str) -> bool:
    value = tracker.get_slot(slot)
    return bool(value) and value != SKIPPED


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Insert the follow-up questions only where the resident's answer calls for them."""
        slots = list(domain_slots)
        what_matters = tracker.get_slot("what_matters")
        if _answered(tracker, "what_matters") and names_a_means(what_matters):
            slots.insert(slots.index("what_matters") + 1, "what_matters_effect")
        network = tracker.get_slot("network")
        if _answered(tracker, "network") and not means_nobody(network):
            slots.insert(slots.index("network") + 1, "network_load")
        if tracker.get_slot("urgent") is True:
            slots.append("urgency_detail")
        return slots

    # Free-text answers: one extractor per slot, all with the same rule (actions/answers.py).
    async def extract_situation(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "situation")

    async def extract_what_matters(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "what_matters")

    async def extract_what_matters_effect(
        self, d: CollectingDispatcher, t: Tracker, _: DomainDict
    ) -> dict[str, Any]:
        return free_text_answer(t, "what_matters_effect")

    async def extract_what_was_tried(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "what_was_tried")

    async def extract_what_would_help(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "what_would_help")

    async def extract_network(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "network")

    async def extract_network_load(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "network_load")

    async def extract_urgency_detail(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return free_text_answer(t, "urgency_detail")

    async def extract_urgent(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        """Ja/nee, or a description of what goes wrong this week (which means: yes, and here is what)."""
        if t.get_slot("requested_slot") != "urgent" or is_side_path(t):
            return {}
        answer = yes_no_answer(t)
        if answer is not None:
            return {"urgent": answer}
        text = latest_text(t)
        if len(text.split()) >= 3 and not text.startswith("/"):
            return {"urgent": True, "urgency_detail": text}
        return {}

    async def validate_urgent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            dispatcher.utter_message(response="utter_urgent_call")
        return {"urgent": value}


class ActionStoreFirstStory(Action):
    """A resident who starts by telling their story: keep it as the answer to "Wat speelt er?"."""

    def name(self) -> str:
        return "action_store_first_story"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        return [SlotSet("situation", text)] if text and not text.startswith("/") else []
