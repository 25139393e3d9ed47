"""The action server dies mid-conversation: a calm message with the phone number, then it continues.

Real Rasa (through bot/rasa_runtime) and the real action server; this module stops and restarts the
action server, so it has its own set of servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.processes import Servers
from bot.resources import load_resources
from tests.conftest import MODEL
from tests.conversation import Conversation

STORY = "Sinds mijn heupoperatie kan ik het huishouden niet meer doen en ik kom de deur bijna niet meer uit"
MATTERS = "Dat ik weer zelf boodschappen kan doen in de buurt"


@pytest.fixture(scope="module")
def own_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")
    running = Servers(workdir=tmp_path_factory.mktemp("actions-down"), with_web=False).start()
    yield running
    running.stop()


def test_the_resident_gets_a_calm_message_and_the_conversation_continues(own_servers: Servers) -> None:
    phone = load_resources()["municipality"]["phone"]
    c = Conversation(own_servers.rasa_url, f"down-{uuid.uuid4().hex[:12]}")
    assert c.say("Hallo")[-1] == "utter_ask_situation"
    assert c.say(STORY) == ["utter_ask_what_matters"]

    own_servers.stop("actions")
    try:
        assert c.say(MATTERS) == ["utter_action_server_down"]
        assert phone in c.texts[0] and "112" in c.texts[0]
        # Twice in a row: still one calm message each time, nothing piles up.
        assert c.say(MATTERS) == ["utter_action_server_down"]
        slots = c.tracker(own_servers.settings.rasa_token)["slots"]
        assert slots["situation"] == STORY and slots["what_matters"] is None
        assert slots["requested_slot"] == "what_matters"
    finally:
        own_servers.restart("actions")

    # Back: the same answer is taken as the answer to the question that was open.
    assert c.say(MATTERS) == ["utter_ask_what_was_tried"]
    slots = c.tracker(own_servers.settings.rasa_token)["slots"]
    assert slots["situation"] == STORY
    assert slots["what_matters"] == MATTERS


def test_a_new_conversation_while_the_action_server_is_down_starts_properly_later(own_servers: Servers) -> None:
    own_servers.stop("actions")
    c = Conversation(own_servers.rasa_url, f"down-{uuid.uuid4().hex[:12]}")
    try:
        assert c.say("Hallo") == ["utter_action_server_down"]
        assert load_resources()["municipality"]["phone"] in c.texts[0]
    finally:
        own_servers.restart("actions")
    # The session start runs now (the municipality's details come from it) and the opening follows.
    assert c.say("Hallo") == ["utter_opening", "utter_opening_how", "utter_opening_privacy", "utter_ask_situation"]
    assert c.tracker(own_servers.settings.rasa_token)["slots"]["municipality_phone_hours"]
