"""Side paths the resident can take at any question: not knowing, skipping, a person, a language."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import latest_intent, side_paths_taken
from bot.slots import SKIPPED

# Languages with their own response in domain.yml (utter_other_language_<code>).
SPOKEN_REPLIES = ("en", "de", "fr", "es", "tr", "ar", "pl", "uk")


def _help_response(slot: str | None, domain: DomainDict) -> str:
    name = f"utter_help_{slot}"
    return name if name in domain.get("responses", {}) else "utter_help_generic"


def _skip(slot: str | None, dispatcher: CollectingDispatcher) -> list[EventType]:
    if not slot:
        return []
    dispatcher.utter_message(response="utter_skipped")
    return [SlotSet(slot, SKIPPED), SlotSet("help_given_for", None)]


class ActionHelpQuestion(Action):
    """ "Ik weet het niet": first a gentler question with examples; the second time, skip it."""

    def name(self) -> str:
        return "action_help_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        # Asked twice already (help given, or another side path before): skip instead of a third time.
        if slot and (tracker.get_slot("help_given_for") == slot or side_paths_taken(tracker, slot) >= 1):
            return _skip(slot, dispatcher)
        dispatcher.utter_message(response=_help_response(slot, domain))
        return [SlotSet("help_given_for", slot)]


class ActionSkipQuestion(Action):
    def name(self) -> str:
        return "action_skip_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _skip(tracker.get_slot("requested_slot"), dispatcher)


class ActionHumanContact(Action):
    """How to reach a person now; the offer to pass on what was said comes next (a rule)."""

    def name(self) -> str:
        return "action_human_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_human_contact")
        dispatcher.utter_message(response="utter_human_walk_in")
        return []


def other_language_response(tracker: Tracker) -> str:
    languages = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "language"]
    language = next((code for code in languages if code in SPOKEN_REPLIES), "en")
    return f"utter_other_language_{language}"


class ActionOtherLanguage(Action):
    """Say, in the resident's own language, that Naast speaks Dutch, and give the phone number."""

    def name(self) -> str:
        return "action_other_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response=other_language_response(tracker))
        return []


class ActionFallback(Action):
    """Not understood: "kunt u het anders zeggen?" once; a fallback right after a fallback gets choices."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        last = next((e for e in reversed(tracker.events) if e.get("event") == "bot"), {})
        previous = (last.get("metadata") or {}).get("utter_action")
        # Each time something else: ask again, then choices, then how to reach a person.
        dispatcher.utter_message(response=NEXT_FALLBACK.get(previous or "", "utter_default"))
        if latest_intent(tracker)[0] == "nlu_fallback":
            return []  # a rule ran this, and the rule ends by listening
        # RulePolicy's core fallback (no rule, no story for this turn): like Rasa's own fallback,
        # take the message out of the dialogue state so that the next prediction is to listen.
        return [UserUtteranceReverted()]


NEXT_FALLBACK = {"utter_default": "utter_default_choices", "utter_default_choices": "utter_human_contact"}
