"""Answer or side path (actions/answers.py): the classifier alone never throws an answer away."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from actions.answers import CUED, FORMS, SIDE_PATHS, free_text_answer, side_path
from bot.config import ROOT
from bot.lexicons import cues
from tests.actions.support import tracker


def _asked(slot: str, *earlier: str) -> list[dict[str, Any]]:
    """Events of a form that asked ``slot`` and got the ``earlier`` messages (each a side path)."""
    events: list[dict[str, Any]] = [{"event": "slot", "name": "requested_slot", "value": "situation"},
                                    {"event": "user", "text": "Mijn verhaal"},
                                    {"event": "slot", "name": "requested_slot", "value": slot}]
    for text in earlier:
        events += [{"event": "user", "text": text}, {"event": "slot", "name": "requested_slot", "value": slot}]
    return events


def _at(text: str, intent: str, slot: str = "what_matters", confidence: float = 0.95, earlier: tuple = ()) -> Any:
    events = [*_asked(slot, *earlier), {"event": "user", "text": text}]
    return tracker(text, intent=intent, confidence=confidence, requested_slot=slot, active_loop="intake_form",
                   events=events)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Dat ik weer rustig kan slapen", "dont_know"),  # seen: dont_know at 0.71
        ("Iemand die met mij de post doorneemt", "request_human"),  # an idea of a helper, not a request
        ("Iets waarmee ik zelf weg kan wanneer ik wil.", "out_of_scope"),  # an answer, not a question
        ("De buurjongen.", "out_of_scope"),
        ("mijn buurman slaat de deur steeds hard dicht", "nlu_fallback"),
        ("IK HEB HULP NODIG MET GELD", "insult"),
        ("nee", "deny"),
        ("Ik weet het allemaal niet meer, alles loopt door elkaar en ik slaap slecht", "dont_know"),
    ],
)
def test_the_classifier_alone_never_throws_an_answer_away(text: str, intent: str) -> None:
    assert free_text_answer(_at(text, intent), "what_matters") == {"what_matters": text}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kweenie", "dont_know"),
        ("geen flauw idee", "dont_know"),
        ("sla maar over", "skip"),
        ("ik wil een mens spreken", "request_human"),
        ("stop", "stop"),
        ("doei", "goodbye"),
        ("wat gebeurt er met mijn verhaal?", "ask_privacy"),
        ("hoe lang duurt dit", "ask_duration"),
        ("Wanneer wordt het grofvuil opgehaald?", "out_of_scope"),
        ("ben jij een robot?", "bot_challenge"),
        ("ik wil dood", "crisis_suicide"),
        ("/dont_know", "dont_know"),
    ],
)
def test_a_strong_signal_takes_the_side_path(text: str, intent: str) -> None:
    t = _at(text, intent, confidence=0.6)
    assert side_path(t) == intent
    assert free_text_answer(t, "what_matters") == {}


def test_a_cue_needs_a_short_message() -> None:
    long = "ik weet niet goed hoe ik het moet zeggen maar ik wil graag weer zelf kunnen koken"
    assert side_path(_at(long, "dont_know")) is None


def test_the_same_message_again_is_the_answer() -> None:
    question = "Wanneer kan ik weer zelf naar buiten?"
    assert side_path(_at(question, "out_of_scope")) == "out_of_scope"
    again = _at("wanneer kan ik weer zelf naar buiten", "out_of_scope", earlier=(question,))
    assert side_path(again) is None
    assert free_text_answer(again, "what_matters") == {"what_matters": "wanneer kan ik weer zelf naar buiten"}


def test_a_crisis_sent_again_is_the_answer() -> None:
    text = "soms wil ik er gewoon niet meer zijn"
    assert side_path(_at(text, "crisis_suicide", slot="network")) == "crisis_suicide"
    assert side_path(_at(text, "crisis_suicide", slot="network", earlier=(text,))) is None


def test_after_two_side_paths_the_next_message_is_the_answer_unless_it_is_a_crisis_or_a_button() -> None:
    earlier = ("hoe lang duurt dit", "wat gebeurt er met mijn verhaal")
    assert side_path(_at("wanneer wordt het grofvuil opgehaald?", "out_of_scope", earlier=earlier)) is None
    assert side_path(_at("ik weet niet wie dat is", "ask_privacy", earlier=earlier)) is None
    # A real question to Naast is still answered: "is dit anoniem?" is nobody's story.
    assert side_path(_at("is dit anoniem?", "ask_privacy", earlier=earlier)) == "ask_privacy"
    assert side_path(_at("is dit anoniem?", "ask_privacy", earlier=(*earlier, "is dit anoniem?"))) is None
    assert side_path(_at("ik wil dood", "crisis_suicide", earlier=earlier)) == "crisis_suicide"
    assert side_path(_at("/request_human", "request_human", earlier=earlier)) == "request_human"


def test_a_button_is_never_stored_as_an_answer() -> None:
    assert free_text_answer(_at("/affirm", "affirm"), "what_matters") == {}


def test_only_the_question_asked_is_filled() -> None:
    assert free_text_answer(_at("Weer zelf koken", "tell"), "network") == {}


def _examples(intent: str) -> list[str]:
    examples = []
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if block.get("intent") == intent:
                examples += [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
    return [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", example) for example in examples]  # [text](entity) -> text


@pytest.mark.parametrize("intent", sorted(CUED))
def test_every_short_training_example_carries_a_cue(intent: str) -> None:
    """An editor who adds an example without a cue word is told to extend the cue list too."""
    examples = [e for e in _examples(intent) if len(e.split()) <= 8]
    assert len(examples) >= 10
    assert [e for e in examples if not cues.says(e, intent)] == []


def test_every_form_has_a_rule_for_every_side_path_it_allows() -> None:
    rules = []
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        rules += yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", [])
    covered = set()
    for rule in rules:
        loops = [c.get("active_loop") for c in rule.get("condition", []) if "active_loop" in c]
        intents = [s["intent"] for s in rule["steps"][:1] if "intent" in s]
        covered |= {(loop, intent) for loop in loops for intent in intents}
    missing = {(form, intent) for form in FORMS for intent in SIDE_PATHS} - covered
    assert missing == set()


@pytest.mark.parametrize(("text", "intent"), [("dat het ophoudt", "stop"), ("iemand die mij belt", "request_human")])
def test_a_description_is_an_answer_even_with_a_cue_for_leaving(text: str, intent: str) -> None:
    assert side_path(_at(text, intent)) is None
    assert side_path(_at("ik wil stoppen", "stop")) == "stop"


def test_in_the_contact_form_a_person_is_the_answer() -> None:
    at_address = tracker("langskomen", intent="request_human", confidence=0.9, requested_slot="contact_address",
                         active_loop="contact_form",
                         events=[*_asked("contact_address"), {"event": "user", "text": "langskomen"}])
    assert side_path(at_address) is None


@pytest.mark.parametrize(("text", "intent"), [("iemand om mee te praten", "request_human"),
                                              ("Gebeld met het uitzendbureau en met het UWV.", "request_human")])
def test_descriptions_of_help_and_of_what_was_done_are_answers(text: str, intent: str) -> None:
    assert side_path(_at(text, intent, slot="what_would_help")) is None


def test_a_request_for_a_person_sent_again_at_the_same_question_is_the_answer() -> None:
    assert side_path(_at("een mens graag", "request_human")) == "request_human"
    assert side_path(_at("een mens graag", "request_human", earlier=("een mens graag",))) is None


@pytest.mark.parametrize(("text", "intent"), [
    ("Onze dochter belt elke dag.", "goodbye"),  # seen: goodbye at 0.74 ("dag")
    ("ik heb niet genoeg geld", "stop"),  # seen: stop at 0.67 and 0.88 ("genoeg")
    ("genoeg eten voor de kinderen", "stop"),
    ("mijn man is dag en nacht weg", "goodbye"),
])
def test_a_cue_word_for_ending_inside_a_story_is_an_answer(text: str, intent: str) -> None:
    assert side_path(_at(text, intent)) is None
    assert free_text_answer(_at(text, intent), "what_matters") == {"what_matters": text}


@pytest.mark.parametrize(("text", "intent"), [
    ("doei", "goodbye"), ("tot ziens en bedankt", "goodbye"), ("ik wil stoppen", "stop"),
    ("oke, dan stop ik er maar mee", "stop"), ("laat maar", "stop"),
    ("ik moet even stoppen, de kinderen komen thuis", "stop"),  # a pause keeps the conversation: may explain
])
def test_a_message_that_only_ends_or_pauses_takes_the_side_path(text: str, intent: str) -> None:
    assert side_path(_at(text, intent)) == intent
