"""Text edits are live for the next message of a real conversation (real Rasa, action server and web
app; tests/conftest.py), through the API with an editor's token, and a rollback is live the same way.
Every edit is rolled back at the end: the other tests of the run meet the shipped texts."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.accounts import users
from bot.db import init_db
from bot.processes import Servers
from bot.texts import live, store
from tests.conversation import Conversation

HELP = "utter_help_situation"
EDITED = "Dat geeft niets. Een paar woorden is genoeg. U mag deze vraag ook overslaan."


@pytest.fixture(scope="module")
def naast_db(servers: Servers) -> Iterator[Engine]:
    engine = init_db(servers.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def editor_token(servers: Servers, naast_db: Engine) -> str:
    name = f"redactie-{uuid.uuid4().hex[:6]}"
    users.add_user(naast_db, servers.settings, name, "editor", None)
    return users.create_token(naast_db, name)[0]


@pytest.fixture
def shipped_afterwards(naast_db: Engine) -> Iterator[None]:
    yield
    for name in store.published(naast_db):
        store.rollback(naast_db, name, 0, actor="test", via="cli")
    live_everywhere()


def put(servers: Servers, token: str, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{servers.web_url}/api/texts/{name}", data=json.dumps(body).encode(),
                                     method="PUT", headers={"Content-Type": "application/json",
                                                            "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def live_everywhere() -> None:
    """Every process compares the store's version at most CHECK_INTERVAL_S apart (bot/texts/live.py): after
    that long, the next message anywhere reads the new texts. Waiting is the contract, not a timed check."""
    time.sleep(live.CHECK_INTERVAL_S + 0.05)


def conversation(servers: Servers) -> Conversation:
    chat = Conversation(servers.rasa_url, f"texts-{uuid.uuid4().hex}")
    assert "utter_ask_situation" in chat.say("hallo")
    return chat


@pytest.mark.usefixtures("shipped_afterwards")
def test_a_put_is_live_for_the_next_rest_message_and_a_rollback_too(servers: Servers, editor_token: str,
                                                                     naast_db: Engine) -> None:
    chat = conversation(servers)
    status, body = put(servers, editor_token, HELP, {"variations": [{
        "text": EDITED, "buttons": [{"title": "Vraag overslaan", "payload": "/skip"},
                                    {"title": "Ik wil een mens spreken", "payload": "/request_human"}]}]})
    assert status == 200 and body["check"]["ok"], body
    live_everywhere()
    chat.say("/dont_know")
    assert EDITED in chat.texts, chat.texts
    reply = next(r for r in chat.replies if r.get("text") == EDITED)
    assert [b["title"] for b in reply["buttons"]] == ["Vraag overslaan", "Ik wil een mens spreken"]

    store.rollback(naast_db, HELP, 0, actor="test", via="cli")
    live_everywhere()
    again = conversation(servers)
    assert again.say("/dont_know")[0] == HELP
    assert EDITED not in again.texts


@pytest.mark.usefixtures("shipped_afterwards")
def test_a_refused_put_changes_nothing_in_the_conversation(servers: Servers, editor_token: str) -> None:
    status, body = put(servers, editor_token, HELP, {"variations": [{"text": "Goed nieuws: u komt in aanmerking."}]})
    assert status == 422 and body["error"] == "check_failed"
    chat = conversation(servers)
    assert chat.say("/dont_know")[0] == HELP


@pytest.mark.usefixtures("shipped_afterwards")
def test_a_slot_in_an_edited_text_is_filled(servers: Servers, editor_token: str) -> None:
    status, _ = put(servers, editor_token, "utter_human_contact",
                    {"variations": [{"text": "Bel de gemeente op {municipality_phone}. Wij helpen u graag."}]})
    assert status == 200
    live_everywhere()
    chat = conversation(servers)
    chat.say("/request_human")
    assert any(t.startswith("Bel de gemeente op 14 020. Wij helpen u graag.") for t in chat.texts), chat.texts
