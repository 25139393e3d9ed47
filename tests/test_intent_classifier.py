"""The trained model's intent classifier (bot/nlu/intent_classifier.py) on messages without any word."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.agent import Agent, load_agent

from bot.config import ROOT


@pytest.fixture(scope="module")
def agent() -> Agent:
    return asyncio.run(load_agent(str(ROOT / "models" / "naast.tar.gz")))


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\t \u00a0"])
def test_a_message_without_words_is_not_understood_instead_of_failing(agent: Agent, text: str) -> None:
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["intent"]["name"] == "nlu_fallback"


def test_a_message_with_words_still_gets_its_intent(agent: Agent) -> None:
    parsed = asyncio.run(agent.parse_message("wie leest dit?"))
    assert parsed["intent"]["name"] == "ask_privacy"
