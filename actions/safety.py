"""The safety path: crisis resources first, then stay with the resident, and keep what they said.

Only the safety lexicon raises an alarm (bot/nlu/message_screen.py). A suspicion of the classifier
alone gets a calm check-in once, beside the answer it came with. A crisis typed as an answer gets
the resources and is also kept: as the signal in the note and, for the questions it answers (what
is going on, who is around, what goes wrong this week), as the answer. The same signal soon after
gets the resources again in other words, not the same text word for word.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_button, latest_text, screen_of, side_paths_taken
from bot.lexicons import cues
from bot.resources import resources_for
from bot.slots import INTAKE_SLOTS, SKIPPED

INTENT_SIGNAL = {"crisis_suicide": "suicide", "crisis_violence": "violence", "crisis_acute": "acute"}
# Most serious first: acute danger needs 112 before anything else.
SIGNAL_ORDER = ("acute", "suicide", "violence")
# Questions a crisis message answers in itself; for the others the question comes back.
ANSWERED_BY_A_CRISIS = ("situation", "situation_more", "network", "network_load", "urgency_detail")
RECENT_BOT_MESSAGES = 8  # "soon after": the same resource among this many bot messages is a repeat


def signals_in(message: dict) -> list[str]:
    """The lexicon's signals in the message (entities set by the message screen, or the crisis intent)."""
    found = {e.get("value") for e in message.get("entities", []) if e.get("entity") == "signal"}
    intent = (message.get("intent") or {}).get("name")
    if intent in INTENT_SIGNAL:
        found.add(INTENT_SIGNAL[intent])
    return [signal for signal in SIGNAL_ORDER if signal in found]


def _merged(old: list | None, new: list[str]) -> list[str]:
    merged = list(old or [])
    return merged + [item for item in new if item not in merged]


def _recent_responses(tracker: Tracker) -> list[str]:
    names = []
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            names.append((event.get("metadata") or {}).get("utter_action") or "")
            if len(names) >= RECENT_BOT_MESSAGES:
                break
    return names


def signal_slots(tracker: Tracker, signals: list[str]) -> dict[str, Any]:
    """Recorded for the note: which signals, and which resources the resident was shown."""
    if not signals:
        return {}
    return {
        "safety_signals": _merged(tracker.get_slot("safety_signals"), signals),
        "resources_shown": _merged(tracker.get_slot("resources_shown"), resources_for(signals)),
    }


def answer_extras(tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """What an accepted answer adds besides itself: its lexicon signals, or a check-in on a suspicion."""
    message = tracker.latest_message
    signals = signals_in(message)
    if signals:  # a repeated crisis message is the answer; the resources were shown just before
        return signal_slots(tracker, signals)
    checked = tracker.get_slot("checked_in") or []
    suspected = [s for s in screen_of(message).get("suspected") or [] if s not in checked]
    if not suspected:
        return {}
    dispatcher.utter_message(response=f"utter_check_in_{suspected[0]}")
    return {"checked_in": _merged(tracker.get_slot("checked_in"), suspected[:1])}


def crisis_answer(tracker: Tracker) -> dict[str, Any]:
    """The crisis message as the answer to the open question, where it answers it.

    A question that already came back once is not asked a third time: a free-text question keeps
    the message as its answer, any other (a phone number, a yes or no) is skipped.
    """
    slot = tracker.get_slot("requested_slot")
    text = latest_text(tracker)
    if not slot or not text or is_button(text) or not tracker.active_loop:
        return {}
    if slot == "urgent":
        return {"urgent": True, "urgency_detail": text}
    if slot in ANSWERED_BY_A_CRISIS or (side_paths_taken(tracker, slot) >= 1 and slot in INTAKE_SLOTS):
        return {slot: text}
    return {slot: SKIPPED} if side_paths_taken(tracker, slot) >= 1 else {}


class ActionSafetyResponse(Action):
    def name(self) -> str:
        return "action_safety_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        signals = signals_in(tracker.latest_message) or ["acute"]
        recent = _recent_responses(tracker)
        for signal in signals:
            again = f"utter_safety_{signal}" in recent or f"utter_safety_{signal}_again" in recent
            dispatcher.utter_message(response=f"utter_safety_{signal}_again" if again else f"utter_safety_{signal}")
        stay_again = "utter_safety_stay" in recent or "utter_safety_stay_again" in recent
        dispatcher.utter_message(response="utter_safety_stay_again" if stay_again else "utter_safety_stay")
        values = {**signal_slots(tracker, signals), **crisis_answer(tracker)}
        return [SlotSet(name, value) for name, value in values.items()]


def takes_back_a_crisis(tracker: Tracker) -> bool:
    """"Nee, zo bedoelde ik het niet" soon after a crisis resource: not an answer to the question.

    The resources stay (the reply says so) and the screen stays on: a new crisis message is screened
    as ever, and a message with a lexicon signal is never a take-back.
    """
    text = latest_text(tracker)
    if not text or is_button(text) or signals_in(tracker.latest_message):
        return False
    return cues.says(text, "take_back") and _after_a_resource(tracker.events)


TAKE_BACK_TURNS = 2  # a take-back may come one answer after the resource ("Werk." then "nee, zo bedoelde ik...")


def _after_a_resource(events: list[dict[str, Any]]) -> bool:
    """Did one of the bot's last replies (within ``TAKE_BACK_TURNS`` messages) give a crisis resource?"""
    users = 0
    for event in reversed(events):
        if event.get("event") == "user":
            if users == TAKE_BACK_TURNS:
                return False
            users += 1
        elif event.get("event") == "bot" and users:
            action = (event.get("metadata") or {}).get("utter_action") or ""
            if action.startswith("utter_safety_"):
                return True
    return False
