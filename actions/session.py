"""Session start: make the municipality's details from config/resources.yml available to every text."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.resources import load_resources


def municipality_slots() -> list[SlotSet]:
    municipality = load_resources()["municipality"]
    return [
        SlotSet("municipality_phone", municipality["phone"]),
        SlotSet("municipality_phone_hours", municipality["phone_hours"]),
        SlotSet("municipality_walk_in", municipality["walk_in"]),
        SlotSet("municipality_walk_in_hours", municipality["walk_in_hours"]),
        SlotSet("municipality_info_url", municipality["general_info_url"]),
        SlotSet("privacy_url", municipality["privacy_url"]),
        SlotSet("response_days", str(municipality["response_days"])),
    ]


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Nothing of an earlier session carries over (privacy); only the municipality's details.
        return [SessionStarted(), *municipality_slots(), ActionExecuted("action_listen")]


class ActionOpen(Action):
    """The opening: a computer of the municipality, decides nothing, can stop, no BSN, help now."""

    def name(self) -> str:
        return "action_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        for response in ("utter_opening", "utter_opening_how", "utter_opening_privacy"):
            dispatcher.utter_message(response=response)
        return [SlotSet("opened", True)]
