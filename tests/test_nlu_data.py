"""Checks on Naast's Dutch NLU training data (data/nlu), loaded with Rasa's own loader.

Near-duplicate rule (two layers):
1. Normalised text must be unique across the whole data set. Normalising = Unicode NFKC,
   lowercase, every run of non-word characters (punctuation, apostrophes) becomes one space.
   Two examples equal after that teach nothing new inside one intent and contradict each other
   across two intents.
2. Inside one intent, two examples whose token *sets* have a Jaccard similarity >= 0.8 are
   near-duplicates. 0.8 is reached when a message repeats or reorders the same words
   ("hallo hallo"), adds one word to a message of 4 or more distinct words ("ik weet het niet" /
   "ik weet het echt niet"), or swaps one word in a message of 9 or more distinct words. Such
   pairs add little for DIET but weigh the intent. Deliberate variants of short messages stay
   allowed ("weet ik niet" / "weet ik nie" 0.5, "geen idee" / "geen idee hoor" 0.67): they are how
   residents type, and the character n-grams learn from them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "data" / "nlu"
# The held-out safety set measures the classifier and lexicon together in `make bench`: the NLU data
# must not copy it, or that recall figure lies. (tests/data/safety_messages.yml tests the lexicon
# alone, which learns nothing from the NLU data, so overlap with it is harmless.)
SAFETY_SETS = (ROOT / "bench" / "data" / "safety_heldout.yml",)
COPY_JACCARD = 0.6

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "dont_know", "skip", "request_human", "stop",
    "resume", "out_of_scope", "bot_challenge", "insult", "other_language", "tell", "correct",
    "add_info", "crisis_suicide", "crisis_violence", "crisis_acute", "ask_privacy", "ask_duration",
    "ask_what_next",
}
SECTION_VALUES = {"situation", "what_matters", "what_was_tried", "what_would_help", "network"}
CONTACT_VALUES = {"phone", "email", "visit", "chat", "anonymous"}
ENTITY_VALUES = {"section": SECTION_VALUES, "contact_channel": CONTACT_VALUES}
MIN_EXAMPLES = 25
MIN_TELL = 80
MIN_PER_SECTION = 5
NEAR_DUPLICATE_JACCARD = 0.8

Pair = tuple[str, str]


# ---------------------------------------------------------------- helpers (tested below too)
def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def jaccard(a: str, b: str) -> float:
    sa, sb = set(normalise(a).split()), set(normalise(b).split())
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def duplicate_texts(examples: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Normalised text -> the intents it occurs in, for every text seen more than once."""
    seen: dict[str, list[str]] = defaultdict(list)
    for text, intent in examples:
        seen[normalise(text)].append(intent)
    return {text: intents for text, intents in seen.items() if len(intents) > 1}


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[Pair]:
    return [(a, b) for a, b in combinations(texts, 2) if jaccard(a, b) >= threshold]


def map_value(value: str, synonyms: dict[str, str]) -> str:
    """The value EntitySynonymMapper would produce (it looks up the lowercased text)."""
    return synonyms.get(str(value).lower(), synonyms.get(str(value), value))


def all_strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from all_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_strings(value)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def training_data():
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(NLU_DIR))


@pytest.fixture(scope="module")
def by_intent(training_data) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for message in training_data.intent_examples:
        grouped[message.get("intent")].append(message.get("text"))
    return grouped


def entities(training_data) -> list[tuple[str, dict[str, Any]]]:
    return [
        (message.get("intent"), entity)
        for message in training_data.intent_examples
        for entity in message.get("entities") or []
    ]


# ---------------------------------------------------------------- the data
def test_intents_are_exactly_the_contract(by_intent):
    assert set(by_intent) == CONTRACT_INTENTS


@pytest.mark.parametrize("intent", sorted(CONTRACT_INTENTS))
def test_enough_examples(by_intent, intent):
    assert len(by_intent[intent]) >= MIN_EXAMPLES, f"{intent}: {len(by_intent[intent])}"


def test_tell_has_many_examples_of_all_lengths(by_intent):
    tell = by_intent["tell"]
    lengths = [len(normalise(text).split()) for text in tell]
    assert len(tell) >= MIN_TELL
    assert sum(n <= 3 for n in lengths) >= 15, "short answers (mijn dochter, nee niks)"
    assert sum(n >= 25 for n in lengths) >= 3, "long stories"


def test_no_duplicates_within_or_across_intents(training_data):
    pairs = [(m.get("text"), m.get("intent")) for m in training_data.intent_examples]
    assert duplicate_texts(pairs) == {}


@pytest.mark.parametrize("intent", sorted(CONTRACT_INTENTS))
def test_no_near_duplicates_within_intent(by_intent, intent):
    assert near_duplicates(by_intent[intent]) == []


def test_only_contract_entities_are_annotated(training_data):
    assert {entity["entity"] for _, entity in entities(training_data)} <= set(ENTITY_VALUES)


def test_entity_values_are_contract_values(training_data):
    synonyms = training_data.entity_synonyms
    wrong = [
        (entity["entity"], entity["value"])
        for _, entity in entities(training_data)
        if map_value(entity["value"], synonyms) not in ENTITY_VALUES[entity["entity"]]
    ]
    assert wrong == []


def test_synonyms_map_to_contract_values(training_data):
    allowed = SECTION_VALUES | CONTACT_VALUES
    assert set(training_data.entity_synonyms.values()) <= allowed


def test_every_section_value_is_taught(training_data):
    synonyms = training_data.entity_synonyms
    counts = Counter(
        map_value(entity["value"], synonyms)
        for intent, entity in entities(training_data)
        if intent == "correct" and entity["entity"] == "section"
    )
    assert all(counts[value] >= MIN_PER_SECTION for value in SECTION_VALUES), counts


@pytest.mark.parametrize("path", SAFETY_SETS, ids=lambda p: p.name)
def test_examples_are_not_copied_from_a_safety_test_set(training_data, path):
    """No example within Jaccard 0.6 of a safety test message (a copy or a one-word edit)."""
    held_out = [s for s in all_strings(yaml.safe_load(path.read_text("utf-8"))) if " " in s.strip()]
    texts = [message.get("text") for message in training_data.intent_examples]
    copies = [(t, h) for t in texts for h in held_out if jaccard(t, h) >= COPY_JACCARD]
    assert copies == [], "\n".join(f"{t!r} ~ {h!r}" for t, h in copies)


# ---------------------------------------------------------------- the checks can fail
def test_normalise_ignores_case_punctuation_and_spacing():
    assert normalise("Ja, dat  klopt!") == normalise("ja dat klopt")


def test_duplicate_texts_catches_a_cross_intent_clash():
    assert duplicate_texts([("Nee.", "deny"), ("nee", "tell"), ("ja", "affirm")]) == {
        "nee": ["deny", "tell"]
    }


def test_near_duplicates_catches_repeats_and_one_word_edits():
    long_a = "ik zorg al jaren voor mijn vader en ik ben echt op"
    long_b = "ik zorg al jaren voor mijn vader en ik ben helemaal op"
    assert near_duplicates(["hallo", "hallo hallo"]) == [("hallo", "hallo hallo")]
    assert near_duplicates([long_a, long_b]) != []
    assert near_duplicates(["weet ik niet", "weet ik nie"]) == []


def test_map_value_flags_an_unknown_section():
    assert map_value("Wat zou helpen", {"wat zou helpen": "what_would_help"}) == "what_would_help"
    assert map_value("de hulp", {}) not in SECTION_VALUES
