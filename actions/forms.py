"""The base of Naast's form validation actions."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.safety import takes_back_a_crisis


class AnswerForm:
    """Mixed into a FormValidationAction whose extractors may set slots besides the one asked.

    A mixin, not an Action subclass: the action server registers every concrete Action it finds.

    rasa-sdk drops every slot set in this run that is not among ``required_slots`` (forms.py,
    ``get_validation_events``). Naast's extractors set such slots on purpose: the person a story
    names (``person_hint``), the safety signals an answer carries, a check-in given, a contact detail
    kept unchecked. They are kept here; required slots are validated as before.
    """

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot and takes_back_a_crisis(tracker):
            dispatcher.utter_message(response="utter_taken_back")
            return [SlotSet(slot, None)]  # the same question again; the take-back is no answer
        return await super().run(dispatcher, tracker, domain)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        extracted = dict(tracker.slots_to_validate())
        events = await super().get_validation_events(dispatcher, tracker, domain)
        validated = {event["name"] for event in events if event.get("event") == "slot"}
        extras = [SlotSet(name, value) for name, value in extracted.items() if name not in validated]
        return [*events, *extras]
