"""A short real answer that looks like "I don't know" is kept; real "don't know"s still take the side path."""

from __future__ import annotations

import pytest
import yaml

from actions.answers import NEEDS_CUE, SURE, free_text_answer, says_so
from bot.config import ROOT
from tests.actions.support import tracker


def test_a_short_answer_the_classifier_half_mistakes_is_kept() -> None:
    # Seen with the trained model: dont_know at 0.71 for a real answer to "Wat vindt u belangrijk?".
    answer = tracker("Dat ik weer rustig kan slapen", intent="dont_know", confidence=0.71,
                     requested_slot="what_matters")
    assert free_text_answer(answer, "what_matters") == {"what_matters": "Dat ik weer rustig kan slapen"}


def test_an_idea_about_a_helper_is_an_answer_not_a_request_for_a_person() -> None:
    # Seen with the trained model: request_human for an answer to "Wat zou helpen?".
    t = tracker("Iemand die met mij de post doorneemt", intent="request_human", confidence=0.62,
                requested_slot="what_would_help")
    assert free_text_answer(t, "what_would_help") == {"what_would_help": "Iemand die met mij de post doorneemt"}
    asking = tracker("ik wil een mens spreken", intent="request_human", confidence=0.62,
                     requested_slot="what_would_help")
    assert free_text_answer(asking, "what_would_help") == {}


@pytest.mark.parametrize("text", ["kweenie", "geen flauw idee", "sla maar over", "ik pas"])
def test_a_real_not_knowing_or_skip_is_not_an_answer_even_when_the_classifier_hesitates(text: str) -> None:
    t = tracker(text, intent="dont_know" if "sla" not in text and "pas" not in text else "skip", confidence=0.55,
                requested_slot="what_matters")
    assert free_text_answer(t, "what_matters") == {}


def test_a_sure_classifier_needs_no_cue() -> None:
    t = tracker("nou nee", intent="dont_know", confidence=SURE, requested_slot="situation")
    assert free_text_answer(t, "situation") == {}


def _examples(intent: str) -> list[str]:
    examples = []
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if block.get("intent") == intent:
                examples += [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
    return examples


@pytest.mark.parametrize("intent", sorted(NEEDS_CUE))
def test_every_training_example_carries_a_cue(intent: str) -> None:
    """An editor who adds an example without a cue word is told to extend the cue list too."""
    examples = _examples(intent)
    assert len(examples) >= 25
    assert [e for e in examples if not says_so(e, intent)] == []
