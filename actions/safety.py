"""The safety path: crisis resources first, then stay with the resident."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.resources import resources_for

INTENT_SIGNAL = {"crisis_suicide": "suicide", "crisis_violence": "violence", "crisis_acute": "acute"}
# Most serious first: acute danger needs 112 before anything else.
SIGNAL_ORDER = ("acute", "suicide", "violence")


def signals_in(message: dict) -> list[str]:
    """The signals the message screen found, plus the one the intent names."""
    found = {e.get("value") for e in message.get("entities", []) if e.get("entity") == "signal"}
    intent = (message.get("intent") or {}).get("name")
    if intent in INTENT_SIGNAL:
        found.add(INTENT_SIGNAL[intent])
    return [signal for signal in SIGNAL_ORDER if signal in found]


def _merged(old: list | None, new: list[str]) -> list[str]:
    merged = list(old or [])
    return merged + [item for item in new if item not in merged]


class ActionSafetyResponse(Action):
    def name(self) -> str:
        return "action_safety_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        signals = signals_in(tracker.latest_message) or ["acute"]
        for signal in signals:
            dispatcher.utter_message(response=f"utter_safety_{signal}")
        dispatcher.utter_message(response="utter_safety_stay")
        # Recorded for the note: which signals, and which resources the resident was shown.
        return [
            SlotSet("safety_signals", _merged(tracker.get_slot("safety_signals"), signals)),
            SlotSet("resources_shown", _merged(tracker.get_slot("resources_shown"), resources_for(signals))),
        ]
