"""Deciding whether the resident's latest message answers the question or takes a side path."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from bot import lexicons

# Intents that always mean "not an answer": the message screen's decisions and crises.
ALWAYS_SIDE_PATH = {"crisis_suicide", "crisis_violence", "crisis_acute", "too_long", "other_language"}
# Intents that take a side path when the classifier is sure or the message is short. A long
# message that merely contains "ik weet het niet" is still an answer.
SIDE_PATH = {"dont_know", "skip", "request_human", "stop", "goodbye", "out_of_scope", "bot_challenge", "insult"}
SURE = 0.8
SHORT_WORDS = 8
# Below SURE, "I don't know", "skip" and "a person" also need a word that says so (bot/lexicons/side_path_cues_nl.yml):
# a short real answer the classifier mistakes for one must not be lost.
NEEDS_CUE = {"dont_know", "skip", "request_human"}


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> tuple[str, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def is_side_path(tracker: Tracker) -> bool:
    name, confidence = latest_intent(tracker)
    if name in ALWAYS_SIDE_PATH:
        return True
    if name not in SIDE_PATH:
        return False
    text = latest_text(tracker)
    if text.startswith("/") or confidence >= SURE:
        return True
    if len(text.split()) > SHORT_WORDS:
        return False
    return name not in NEEDS_CUE or says_so(text, name)


def says_so(text: str, intent: str) -> bool:
    """Whether the text holds one of the words that mark ``intent`` (a cue anywhere in a word)."""
    lowered = text.lower()
    return any(cue in lowered for cue in lexicons.load("side_path_cues_nl")[intent])


def free_text_answer(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The slot filled with the latest message, if the bot asked for this slot and it is an answer."""
    if tracker.get_slot("requested_slot") != slot or is_side_path(tracker):
        return {}
    text = latest_text(tracker)
    if not text or text.startswith("/"):
        return {}
    return {slot: text}


def yes_no_answer(tracker: Tracker) -> bool | None:
    """True for affirm, False for deny, None otherwise."""
    name, _ = latest_intent(tracker)
    return {"affirm": True, "deny": False}.get(name)


def names_a_means(text: str) -> bool:
    """Does the answer ask for a thing or service rather than an effect (a scootmobiel, a taxi)?"""
    lowered = text.lower()
    # Prefix match: "scootmobiel" also finds "scootmobielen".
    return any(re.search(rf"\b{re.escape(word)}", lowered) for word in lexicons.load("means_nl")["means"])


def means_nobody(text: str) -> bool:
    """Does the answer to "Wie helpt u nu?" mean that nobody helps?"""
    normalised = lexicons.bare(text)
    return normalised in lexicons.load("means_nl")["nobody"] or normalised.startswith("niemand")
