"""The action server's replies are checked against Rasa's own schema, with a validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_runtime import remote

REPLY = {
    "events": [{"event": "slot", "name": "situation", "value": "Ik red het niet meer", "timestamp": None},
               {"event": "active_loop", "name": "intake_form"}],
    "responses": [{"response": "utter_ask_what_matters", "buttons": [], "custom": {}}],
}


@pytest.fixture
def action() -> RemoteAction:
    remote.install()
    return RemoteAction("action_intake", None)


def test_install_replaces_rasas_check(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is remote._validate_action_result
    assert remote.ORIGINAL is not remote._validate_action_result


def test_a_valid_reply_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(REPLY) is True


@pytest.mark.parametrize("reply", [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"events": [{"event": "slot", "value": "no name"}]},
    {"responses": ["not an object"]},
])
def test_a_malformed_reply_is_refused_with_rasas_message(action: RemoteAction, reply: dict) -> None:
    with pytest.raises(ValidationError) as error:
        remote.ORIGINAL(action, reply)  # what Rasa itself decides
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(reply)
    assert "Failed to validate Action server response" in ours.value.message
    assert ours.value.message == error.value.message
