"""Read back what the resident said, and let them correct or add to it before anything is sent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import free_text_answer, is_button, is_side_path, latest_intent, latest_text
from actions.forms import AnswerForm
from bot import lexicons
from bot.lexicons import cues
from bot.slots import CORE_SLOTS, SKIPPED
from bot.summariser import IntakeAnswers, summarise

ADDITION = "addition"


def _skipped_text(domain: DomainDict) -> str:
    variations = domain.get("responses", {}).get("utter_read_back_skipped") or [{"text": "-"}]
    return variations[0]["text"]


def section_in(message: dict[str, Any]) -> tuple[str | None, int]:
    """The section the resident points at, and where in the text the pointer ends."""
    for entity in message.get("entities", []):
        if entity.get("entity") == "section" and entity.get("value") in CORE_SLOTS:
            return entity["value"], int(entity.get("end") or 0)
    text = message.get("text") or ""
    section = cues.first_key(text, "sections_nl", "sections")
    return section, 0


def text_after_pointer(text: str, end: int) -> str | None:
    """ "nee, bij wat zou helpen bedoel ik een maatje" -> "een maatje" (at least three words)."""
    rest = text[end:].strip() if end else ""
    for lead_in in lexicons.load("sections_nl")["lead_ins"]:
        if rest.lower().startswith(lead_in):
            rest = rest[len(lead_in) :].strip()
    if any(words in rest.lower() for words in lexicons.load("sections_nl")["about_changing"]):
        return None  # "wil ik iets anders zeggen" says a change is coming, not what it is
    return rest if len(rest.split()) >= 3 else None


def read_back_lines(slots: dict[str, Any], skipped: str) -> dict[str, str]:
    """The short line per section that will go into the note (the resident's own words)."""
    sections = summarise(IntakeAnswers.from_slots(slots)).sections
    lines = {}
    for name in CORE_SLOTS:
        section = getattr(sections, name)
        words = section.summary or section.answers
        lines[name] = " – ".join(words) if words else skipped
    return lines


class ActionReadBack(Action):
    def name(self) -> str:
        return "action_read_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lines = read_back_lines(tracker.current_slot_values(), skipped=_skipped_text(domain))
        dispatcher.utter_message(response="utter_read_back", **lines)
        return []


class ActionConfirmReadBack(Action):
    def name(self) -> str:
        return "action_confirm_read_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet("read_back_confirmed", True)]


class ActionStartCorrection(Action):
    """Take what the correction message already says (which part, and maybe the new text).

    A story at the read-back that points at no part ("mijn zoon helpt ook nog") is an addition, kept
    in the resident's words; a bare "nee" or "klopt niet" asks which part.
    """

    def name(self) -> str:
        return "action_start_correction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        section, end = section_in(tracker.latest_message)
        if section:
            return [SlotSet("correct_section", section), SlotSet("correction_text", text_after_pointer(text, end))]
        if latest_intent(tracker)[0] in ("tell", "nlu_fallback") and _adds_something(text):
            return [SlotSet("correct_section", ADDITION), SlotSet("correction_text", text)]
        return [SlotSet("correct_section", None), SlotSet("correction_text", None)]


def _adds_something(text: str) -> bool:
    """Three words or more that do not start with "nee" ("nee, zo bedoel ik het niet" asks which part)."""
    return not is_button(text) and len(text.split()) >= 3 and cues.leading_yes_or_no(text) is not False


class ActionStartAddition(Action):
    def name(self) -> str:
        return "action_start_addition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet("correct_section", ADDITION), SlotSet("correction_text", None)]


class ActionAskCorrectionText(Action):
    def name(self) -> str:
        return "action_ask_correction_text"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        adding = tracker.get_slot("correct_section") == ADDITION
        dispatcher.utter_message(response="utter_ask_addition" if adding else "utter_ask_correction_text")
        return []


class ValidateCorrectionForm(AnswerForm, FormValidationAction):
    def name(self) -> str:
        return "validate_correction_form"

    async def extract_correct_section(
        self, d: CollectingDispatcher, t: Tracker, _: DomainDict
    ) -> dict[str, Any]:
        if t.get_slot("requested_slot") != "correct_section" or is_side_path(t):
            return {}
        section, end = section_in(t.latest_message)
        text = latest_text(t)
        if section:
            return {"correct_section": section, "correction_text": text_after_pointer(text, end)}
        # Text that names no part is not lost and not asked for again: it is added as it is. A
        # short "nee" or "niks" here means nothing to change: the read-back comes again.
        return {"correct_section": ADDITION, "correction_text": text if _adds_something(text) else SKIPPED}

    async def extract_correction_text(
        self, d: CollectingDispatcher, t: Tracker, _: DomainDict
    ) -> dict[str, Any]:
        return free_text_answer(t, "correction_text")


class ActionApplyCorrection(Action):
    """The corrected answer replaces the old one; an addition is kept beside the answers."""

    def name(self) -> str:
        return "action_apply_correction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        section = tracker.get_slot("correct_section")
        text = tracker.get_slot("correction_text")
        events: list[EventType] = [SlotSet("correct_section", None), SlotSet("correction_text", None)]
        if not text or text == SKIPPED:
            return events
        if section == ADDITION:
            events.append(SlotSet("additions", [*(tracker.get_slot("additions") or []), text]))
        elif section in CORE_SLOTS:
            events.append(SlotSet(section, text))
        dispatcher.utter_message(response="utter_correction_done")
        return events
