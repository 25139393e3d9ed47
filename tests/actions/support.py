"""Run a custom action the way the action server does: a real rasa_sdk Tracker and dispatcher."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import ROOT


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    text: str = "",
    intent: str = "tell",
    confidence: float = 0.95,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    requested_slot: str | None = None,
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    all_slots = {name: None for name in domain()["slots"]}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested_slot
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    return Tracker(
        sender_id="test",
        slots=all_slots,
        latest_message=message,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


async def run(action: Action, t: Tracker) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """(response names sent, their template arguments, events returned)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, domain())
    return [m["response"] for m in dispatcher.messages], dispatcher.messages, events


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def asked_and_answered(question: str, intent: str, text: str | None = None) -> list[dict[str, Any]]:
    """The events of the bot asking ``question`` and the resident answering ``text`` (read as ``intent``)."""
    said = text if text is not None else {"affirm": "ja", "deny": "nee"}.get(intent, "hoe bedoelt u dat")
    return [
        {"event": "action", "name": question},
        {"event": "bot", "text": "…", "metadata": {"utter_action": question}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": said, "parse_data": {"intent": {"name": intent, "confidence": 0.99}}},
    ]


def consented(t: Tracker) -> Tracker:
    """The tracker after the resident's own yes to the consent question (the slot and the events)."""
    t.slots["consent"] = True
    t.events = [*t.events, *asked_and_answered("utter_ask_consent", "affirm"),
                {"event": "action", "name": "action_record_consent"},
                {"event": "slot", "name": "consent", "value": True}]
    return t
