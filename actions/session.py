"""Session start and the opening: whatever the first message is, it leads into the intake."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from spacy.lang.nl.stop_words import STOP_WORDS

from actions.answers import QUESTIONS_TO_NAAST, is_button, latest_intent, latest_text
from actions.intake import person_slots
from actions.safety import answer_extras, signals_in
from actions.side_paths import other_language_response
from bot.lexicons import load
from bot.lexicons.matcher import words
from bot.texts.resources import current_resources

# A first message of this kind is not a story, whatever words it has.
NOT_A_STORY = {"greet", "thank", "goodbye", "bot_challenge", "other_language", "request_human", "stop",
               "affirm", "deny", "skip", *QUESTIONS_TO_NAAST}
MIN_STORY_WORDS = 3


def municipality_slots() -> list[SlotSet]:
    municipality = current_resources()["municipality"]
    return [
        SlotSet("municipality_phone", municipality["phone"]),
        SlotSet("municipality_phone_hours", municipality["phone_hours"]),
        SlotSet("municipality_walk_in", municipality["walk_in"]),
        SlotSet("municipality_walk_in_hours", municipality["walk_in_hours"]),
        SlotSet("municipality_info_url", municipality["general_info_url"]),
        SlotSet("privacy_url", municipality["privacy_url"]),
        SlotSet("response_days", str(municipality["response_days"])),
    ]


def tells_something(text: str, intent: str) -> bool:
    """Does a first message start the story ("ik heb schulden", "hulp nodig met geld"), not just ask for help?"""
    if is_button(text) or len(text.split()) < MIN_STORY_WORDS or intent in NOT_A_STORY:
        return False
    filler = _filler()
    return any(w.lower.isalpha() and w.lower not in filler and w.lemma not in filler for w in words(text))


@lru_cache(maxsize=1)
def _filler() -> frozenset[str]:
    return frozenset(load("opening_nl")["filler"]) | STOP_WORDS


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Nothing of an earlier session carries over (privacy); only the municipality's details.
        return [SessionStarted(), *municipality_slots(), ActionExecuted("action_listen")]


class ActionOpen(Action):
    """The opening (a computer of the municipality, decides nothing, can stop, no BSN, help now),
    then what the first message asked for; a first message that tells something is kept as the
    start of the story."""

    def name(self) -> str:
        return "action_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        for response in ("utter_opening", "utter_opening_how", "utter_opening_privacy"):
            dispatcher.utter_message(response=response)
        intent, _ = latest_intent(tracker)
        text = latest_text(tracker)
        self._answer_first(dispatcher, tracker, intent)
        values: dict = {"opened": True}
        if tells_something(text, intent) or (signals_in(tracker.latest_message) and len(text.split()) >= 2):
            values.update(situation=text, situation_from_opening=True, **person_slots(text))
            values.update(answer_extras(tracker, dispatcher))
        return [SlotSet(name, value) for name, value in values.items()]

    @staticmethod
    def _answer_first(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
        """A first message that asks something gets its answer before the first question."""
        if intent == "request_human":
            dispatcher.utter_message(response="utter_human_contact")
            dispatcher.utter_message(response="utter_human_walk_in")
            dispatcher.utter_message(response="utter_can_continue")
        elif intent in QUESTIONS_TO_NAAST:
            answer = "utter_bot_challenge" if intent == "bot_challenge" else f"utter_answer_{intent[4:]}"
            dispatcher.utter_message(response=answer)
        elif intent == "out_of_scope" and latest_text(tracker).rstrip().endswith("?"):
            dispatcher.utter_message(response="utter_out_of_scope")
            dispatcher.utter_message(response="utter_can_continue")
        elif intent == "other_language":
            dispatcher.utter_message(response=other_language_response(tracker))
