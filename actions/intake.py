"""The intake form: what is going on, what matters, what was tried, what would help, who helps."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    answer_or_button_word,
    answer_text,
    means_nobody,
    names_a_means,
    yes_no,
)
from actions.forms import AnswerForm
from actions.safety import answer_extras
from bot.lexicons import cues
from bot.slots import SKIPPED


def _answered(tracker: Tracker, slot: str) -> bool:
    value = tracker.get_slot(slot)
    return bool(value) and value != SKIPPED


def person_slots(text: str) -> dict[str, Any]:
    """``person_hint`` ("uw vader") when a story names someone, so the bot can ask whether it is about them."""
    person = cues.person_in(text)
    return {"person_hint": cues.addressed(person)} if person else {}


def for_whom_values(text: str, hint: str | None) -> dict[str, Any]:
    """The answer to "Gaat dit over uzelf, of over iemand anders?" as slots."""
    person = cues.person_in(text)
    if person:
        return {"for_whom": person, "about_other": True, "person": cues.addressed(person)}
    if cues.says_self(text) or cues.yes_or_no(text) is False:
        return {"for_whom": "self", "about_other": False}
    if cues.tells_for_someone_else(text) or cues.yes_or_no(text) is True:
        return {"for_whom": hint or "iemand anders", "about_other": True, "person": hint or "die persoon"}
    # Something else ("de buurjongen", "voor Ahmed"): the resident's own words name the person.
    return {"for_whom": text, "about_other": True, "person": "die persoon"}


class ValidateIntakeForm(AnswerForm, FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Insert the follow-up questions only where the resident's answers call for them."""
        slots = list(domain_slots)
        after_situation = slots.index("situation") + 1
        if tracker.get_slot("situation_from_opening"):
            slots.insert(after_situation, "situation_more")
            after_situation += 1
        story = " ".join(str(tracker.get_slot(s) or "") for s in ("situation", "situation_more"))
        if tracker.get_slot("person_hint") or cues.tells_for_someone_else(story):
            slots.insert(after_situation, "for_whom")
        what_matters = tracker.get_slot("what_matters")
        if _answered(tracker, "what_matters") and names_a_means(what_matters):
            slots.insert(slots.index("what_matters") + 1, "what_matters_effect")
        network = tracker.get_slot("network")
        # Someone telling for another person is often their carer: ask about their own load too.
        if _answered(tracker, "network") and (tracker.get_slot("about_other") or not means_nobody(network)):
            slots.insert(slots.index("network") + 1, "network_load")
        if tracker.get_slot("urgent") is True:
            slots.append("urgency_detail")
        return slots

    async def extract_situation(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_text(t, "situation")
        return {"situation": text, **person_slots(text), **answer_extras(t, d)} if text else {}

    async def extract_situation_more(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        """More about a first message that told something; it joins the situation (a bare "nee" adds nothing)."""
        text = answer_or_button_word(t, "situation_more")
        if text is None:
            return {}
        if cues.yes_or_no(text) is not None:
            return {"situation_more": SKIPPED}
        situation = t.get_slot("situation") or ""
        hint = {} if t.get_slot("person_hint") else person_slots(text)
        return {"situation_more": text, "situation": f"{situation}\n{text}".strip(), **hint, **answer_extras(t, d)}

    async def extract_for_whom(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_or_button_word(t, "for_whom")
        return for_whom_values(text, t.get_slot("person_hint")) if text else {}

    async def extract_what_matters(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return self._free_text(d, t, "what_matters")

    async def extract_what_matters_effect(
        self, d: CollectingDispatcher, t: Tracker, _: DomainDict
    ) -> dict[str, Any]:
        return self._free_text(d, t, "what_matters_effect")

    async def extract_what_was_tried(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return self._free_text(d, t, "what_was_tried")

    async def extract_what_would_help(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return self._free_text(d, t, "what_would_help")

    async def extract_network(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return self._free_text(d, t, "network")

    async def extract_network_load(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        text = answer_or_button_word(t, "network_load")
        return {"network_load": text, **answer_extras(t, d)} if text else {}

    async def extract_urgency_detail(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        return self._free_text(d, t, "urgency_detail")

    async def extract_urgent(self, d: CollectingDispatcher, t: Tracker, _: DomainDict) -> dict[str, Any]:
        """Ja/nee, or what goes wrong this week: "ja er is geen eten meer" keeps both the yes and the words."""
        if t.get_slot("requested_slot") != "urgent":
            return {}
        said = yes_no(t)
        text = answer_text(t, "urgent")
        if said is None and text is None:
            return {}  # a side path
        if said is not None and (text is None or cues.yes_or_no(text) is not None):
            return self._urgent(d, said)
        leading = cues.leading_yes_or_no(text)
        if leading is False:  # "nee hoor, maar de huur is wel laat": not urgent, the words kept
            return {"urgent": False, "urgency_detail": text, **answer_extras(t, d)}
        if len(text.split()) >= 3 or leading is True:
            return {**self._urgent(d, True), "urgency_detail": text, **answer_extras(t, d)}
        # "misschien", "soms": not a clear no, so ask what goes wrong (no alarm yet).
        return {"urgent": True}

    @staticmethod
    def _urgent(dispatcher: CollectingDispatcher, urgent: bool) -> dict[str, Any]:
        if urgent:
            dispatcher.utter_message(response="utter_urgent_call")
        return {"urgent": urgent}

    @staticmethod
    def _free_text(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> dict[str, Any]:
        text = answer_text(tracker, slot)
        return {slot: text, **answer_extras(tracker, dispatcher)} if text else {}
