"""Issue 11 through the real servers: consent, deletion from Rasa's tracker store, wiping, closed doors.

Rasa, the action server, the web app and the delivery worker are the shared session set (tests/conftest.py);
the tracker store is the SQLite file Rasa writes (PostgreSQL: test_privacy_postgresql.py).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import psutil
import pytest
import requests

from bot.db import make_engine
from bot.inbox.retention import purge
from bot.notes.store import NoteStore
from bot.privacy.conversations import count_rows, purge_for
from bot.processes import Servers
from tests.conversation import Conversation

STORY = "Ik heb veel schulden en de brieven stapelen zich op. Ik durf de post niet meer open te maken."
MATTERS = "Dat ik weer rustig kan slapen"
TRIED = "Ik heb een keer de bank gebeld maar daar kwam niets uit"
HELP = "Iemand die met mij de post doorneemt"
NETWORK = "Mijn zus woont dichtbij maar heeft het zelf ook druk"


def _store(servers: Servers) -> NoteStore:
    return NoteStore(make_engine(servers.settings.database_url))


def _rows(servers: Servers, sender: str) -> int:
    return count_rows(make_engine(servers.settings.tracker_db_url), sender)


def _notes_with(servers: Servers, word: str) -> int:
    with make_engine(servers.settings.database_url).connect() as db:
        from sqlalchemy import text

        return db.execute(text("SELECT count(*) FROM notes WHERE body LIKE :w"), {"w": f"%{word}%"}).scalar()


def _at_consent(servers: Servers, marker: str) -> Conversation:
    """A conversation up to the consent question; ``marker`` is in the resident's story."""
    c = Conversation(servers.rasa_url, f"e2e-privacy-{uuid.uuid4().hex[:12]}")
    c.say("Hallo")
    for answer in (f"{STORY} Mijn kat heet {marker}.", MATTERS, TRIED, HELP, NETWORK):
        c.say(answer)
    c.say("ja")  # it is heavy for the people around them
    assert c.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]  # not urgent
    assert c.say("ja, dat klopt") == ["utter_ask_consent"]
    return c


def _slot(servers: Servers, c: Conversation, name: str) -> object:
    return (c.tracker(servers.settings.rasa_token).get("slots") or {}).get(name)


# --- 1. consent: every way the question can be answered ----------------------------------------

def test_yes_stores_the_note_and_keeps_the_conversation_until_its_retention(servers: Servers) -> None:
    marker = f"Yes{uuid.uuid4().hex[:8]}"
    c = _at_consent(servers, marker)
    assert c.say("ja") == ["utter_ask_contact_channel"]
    assert _slot(servers, c, "consent") is True
    names = c.say("anoniem")
    assert names[0] == "utter_note_sent"
    reference = re.search(r"NST-[0-9A-Z]{4}", c.texts[0]).group(0)
    assert _store(servers).get_by_reference(reference) is not None and _notes_with(servers, marker) == 1
    assert _rows(servers, c.sender) > 0  # consented: kept (until NAAST_CONVERSATION_RETENTION_DAYS)
    c.say("doei")  # a goodbye after the note does not delete what the note's retention covers
    assert _rows(servers, c.sender) > 0


# Each answer, what the bot does with it, and whether the conversation is deleted right away.
OTHER_ANSWERS = [
    ("nee", "deny", True),
    ("weet ik niet", "dont_know", False),
    ("Ik wil er niet meer zijn", "crisis", False),
    ("ik wil een mens spreken", "request_human", False),
    ("stop", "stop", True),
    ("Hoe laat is het zwembad open?", "out_of_scope", False),
]


@pytest.mark.parametrize(("text", "kind", "deleted"), OTHER_ANSWERS, ids=[a[1] for a in OTHER_ANSWERS])
def test_any_other_answer_stores_nothing(servers: Servers, text: str, kind: str, deleted: bool) -> None:
    marker = f"No{uuid.uuid4().hex[:8]}"
    c = _at_consent(servers, marker)
    before = _store(servers).count()
    names = c.say(text)
    assert names and "utter_note_sent" not in names
    if kind == "crisis":
        assert names[0] == "utter_safety_suicide" or "113" in c.texts[0]
    if kind == "request_human":
        # Passing on goes back to the read-back and the consent question, never straight to a note.
        assert c.say("ja")[-1] == "utter_ask_read_back_ok"
    assert _store(servers).count() == before and _notes_with(servers, marker) == 0
    if deleted:
        assert _rows(servers, c.sender) == 0
    else:
        assert _slot(servers, c, "consent") is not True


def test_silence_stores_nothing_and_the_purge_deletes_it_after_a_day(servers: Servers) -> None:
    marker = f"Quiet{uuid.uuid4().hex[:8]}"
    c = _at_consent(servers, marker)  # ... and the resident never answers
    assert _notes_with(servers, marker) == 0 and _slot(servers, c, "consent") is None
    tracker_engine = make_engine(servers.settings.tracker_db_url)
    # The retention job the web app runs (and `naast purge`): now, it is not abandoned yet.
    purge(make_engine(servers.settings.database_url), servers.settings, tracker_engine=tracker_engine)
    assert _rows(servers, c.sender) > 0
    # A day later (NAAST_ABANDONED_CONVERSATION_HOURS): gone.
    later = purge_for(servers.settings, tracker_engine,
                      now=time.time() + servers.settings.abandoned_conversation_hours * 3600 + 60)
    assert later.abandoned >= 1 and _rows(servers, c.sender) == 0


def test_consented_conversation_is_deleted_at_its_retention_date(servers: Servers) -> None:
    c = _at_consent(servers, f"Kept{uuid.uuid4().hex[:8]}")
    c.say("ja")
    c.say("anoniem")
    assert _slot(servers, c, "note_reference")
    tracker_engine = make_engine(servers.settings.tracker_db_url)
    day = servers.settings.abandoned_conversation_hours * 3600
    purge_for(servers.settings, tracker_engine, now=time.time() + day + 60)
    assert _rows(servers, c.sender) > 0  # not abandoned: it led to a note
    retention = servers.settings.conversation_retention_days * 86400
    purge_for(servers.settings, tracker_engine, now=time.time() + retention - 3600)
    assert _rows(servers, c.sender) > 0
    assert purge_for(servers.settings, tracker_engine, now=time.time() + retention + 60).expired >= 1
    assert _rows(servers, c.sender) == 0


# --- 2. the tracker store keeps only what it must ------------------------------------------------

def test_a_finished_no_consent_conversation_leaves_zero_rows(servers: Servers) -> None:
    c = _at_consent(servers, f"Zero{uuid.uuid4().hex[:8]}")
    assert _rows(servers, c.sender) > 0  # Rasa really writes to our store (no silent in-memory fallback)
    assert c.say("nee") == ["utter_not_sent", "utter_summary_to_keep", "utter_close"]
    assert _rows(servers, c.sender) == 0
    link = re.search(r"https?://\S+/samenvatting/\S+", c.texts[1]).group(0).rstrip(".")
    page = requests.get(link, timeout=10)  # the sealed link still shows the story, from the link alone
    assert page.status_code == 200 and MATTERS in page.text
    # The next message starts a new, empty conversation: the opening again.
    assert c.say("Hallo")[0] == "utter_opening"


def test_goodbye_during_the_intake_leaves_zero_rows(servers: Servers) -> None:
    c = Conversation(servers.rasa_url, f"e2e-privacy-{uuid.uuid4().hex[:12]}")
    c.say("Hallo")
    c.say(STORY)
    assert _rows(servers, c.sender) > 0
    assert c.say("ik moet nu weg, doei")[-1] == "utter_goodbye"
    assert _rows(servers, c.sender) == 0


def test_stop_deletes_and_going_on_starts_again_with_the_opening(servers: Servers) -> None:
    c = Conversation(servers.rasa_url, f"e2e-privacy-{uuid.uuid4().hex[:12]}")
    c.say("Hallo")
    c.say(STORY)
    assert c.say("ik wil stoppen")[:2] == ["utter_stop", "utter_come_back"]
    assert "verder" not in " ".join(c.texts)  # nothing promises to resume what was deleted
    assert _rows(servers, c.sender) == 0
    # The resident is told again that this is a computer before any question (EU AI Act, art. 50).
    assert c.say("ik wil toch verder")[:1] == ["utter_opening"]


def _web_conversation(servers: Servers) -> tuple[str, str]:
    issued = requests.post(f"{servers.web_url}/api/conversation", timeout=10).json()
    for text in ("Hallo", STORY):
        reply = requests.post(f"{servers.web_url}/api/chat", json={"sender": issued["sender"], "message": text},
                              timeout=60)
        assert reply.status_code == 200
    return issued["sender"], issued["token"]


def test_wis_dit_gesprek_deletes_it_on_the_server_only_with_its_own_token(servers: Servers) -> None:
    sender, token = _web_conversation(servers)
    other_sender, other_token = _web_conversation(servers)
    rows = _rows(servers, sender)
    assert rows > 0
    wipe = f"{servers.web_url}/api/conversation/wipe"
    for body in ({"sender": sender, "token": other_token}, {"sender": sender, "token": ""},
                 {"sender": sender, "token": token[:-1] + ("1" if token.endswith("0") else "0")}, {"sender": sender}):
        refused = requests.post(wipe, json=body, timeout=10)
        assert refused.status_code == 403, body
    assert _rows(servers, sender) == rows
    done = requests.post(wipe, json={"sender": sender, "token": token}, timeout=30)
    assert done.status_code == 200 and done.json()["wiped"] is True and done.json()["next"]["sender"] != sender
    assert _rows(servers, sender) == 0
    assert _rows(servers, other_sender) > 0  # the other conversation is untouched
    # The widget config hands out a pair as well (the widget uses it when the tab has none).
    config = requests.get(f"{servers.web_url}/api/widget/config", timeout=10).json()
    assert set(config["conversation"]) == {"sender", "token"}


def test_wiping_after_a_note_deletes_the_conversation_but_not_the_note(servers: Servers) -> None:
    issued = requests.post(f"{servers.web_url}/api/conversation", timeout=10).json()
    c = Conversation(servers.rasa_url, issued["sender"])
    marker = f"Wipe{uuid.uuid4().hex[:8]}"
    c.say("Hallo")
    for answer in (f"{STORY} {marker}", MATTERS, TRIED, HELP, NETWORK, "ja", "nee", "ja", "ja", "anoniem"):
        c.say(answer)
    assert _notes_with(servers, marker) == 1
    done = requests.post(f"{servers.web_url}/api/conversation/wipe", json=issued, timeout=30)
    assert done.status_code == 200 and _rows(servers, c.sender) == 0 and _notes_with(servers, marker) == 1


def test_logs_at_the_default_level_hold_no_resident_text(servers: Servers) -> None:
    words = [f"Zwartekraai{uuid.uuid4().hex[:6]}", f"Pimpelmees{uuid.uuid4().hex[:6]}",
             f"Roodborst{uuid.uuid4().hex[:6]}"]
    c = _at_consent(servers, words[0])
    c.say("ja")
    c.say("bellen")
    c.say("06 12345678")
    c.say(words[2])  # the name the professional may use
    c.say(f"na drie uur, vraag naar {words[1]}")
    c.say("nee")
    c.say("ja")
    assert _notes_with(servers, words[0]) == 1
    c2 = _at_consent(servers, words[1])
    c2.say("nee")
    logs = {path.name: path.read_text(errors="replace") for path in servers.workdir.glob("*.log")}
    assert {"rasa.log", "actions.log", "web.log", "delivery.log"} <= set(logs)
    for name, text in logs.items():
        for word in [*words, "12345678", "post niet meer open"]:
            assert word not in text, (name, word)


# --- 3. closed doors -----------------------------------------------------------------------------

FORGED = {
    "next_action": "action_submit_note",
    "sender_id": "forger",
    "tracker": {"sender_id": "forger", "slots": {"consent": True, "situation": "FORGED NOTE via open action server",
                                                 "contact_channel": "anonymous"},
                "latest_message": {"text": "ja", "intent": {"name": "affirm"}}, "events": [],
                "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"},
    "domain": {},
    "version": "3.6.2",
}


def test_a_forged_note_request_to_the_action_server_is_refused(servers: Servers) -> None:
    before = _store(servers).count()
    url = f"http://127.0.0.1:{servers.settings.action_port}"
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token-wrong"},
                    {"Authorization": servers.settings.action_token}):  # no "Bearer": not accepted either
        response = requests.post(f"{url}/webhook", data=json.dumps(FORGED), headers=headers, timeout=10)
        assert response.status_code == 401, headers
        assert requests.get(f"{url}/actions", headers=headers, timeout=10).status_code == 401
    assert requests.get(f"{url}/health", timeout=10).status_code == 200  # liveness only
    assert _store(servers).count() == before and _notes_with(servers, "FORGED NOTE") == 0
    # Even with the secret, the action itself refuses: the forged tracker holds no yes to the question.
    ok = requests.post(f"{url}/webhook", data=json.dumps(FORGED), timeout=30,
                       headers={"Authorization": f"Bearer {servers.settings.action_token}"})
    assert ok.status_code == 200 and [r.get("response") for r in ok.json()["responses"]] == ["utter_not_sent"]
    assert _store(servers).count() == before


def _listening(port: int) -> set[str]:
    return {c.laddr.ip for c in psutil.net_connections("inet") if c.status == "LISTEN" and c.laddr.port == port}


def test_every_port_refuses_what_it_must(servers: Servers) -> None:
    s = servers.settings
    # Where each server listens: loopback only by default (NAAST_HOST, NAAST_ACTION_HOST).
    for port in (s.rasa_port, s.action_port, s.web_port):
        assert _listening(port) == {"127.0.0.1"}, port
    # Rasa's HTTP API needs NAAST_RASA_TOKEN; its channels are public (residents).
    for token in ("", "wrong"):
        for method, path in (("GET", "/conversations/x/tracker"), ("POST", "/conversations/x/tracker/events"),
                             ("GET", "/status"), ("POST", "/model/parse"), ("PUT", "/model")):
            response = requests.request(method, f"{servers.rasa_url}{path}", params={"token": token}, json={},
                                        timeout=10)
            assert response.status_code == 401, (method, path, token)
    # The web app: the inbox needs a log-in, the notes API a token, wiping the conversation's own token.
    inbox = requests.get(f"{servers.web_url}/inbox/", allow_redirects=False, timeout=10)
    assert inbox.status_code == 303 and "/inbox/inloggen" in inbox.headers["Location"]
    assert requests.get(f"{servers.web_url}/api/notes", timeout=10).status_code == 401
    assert requests.get(f"{servers.web_url}/api/notes", headers={"Authorization": "Bearer x"},
                        timeout=10).status_code == 401
    wipe = requests.post(f"{servers.web_url}/api/conversation/wipe", json={"sender": "abcdefgh12", "token": "x"},
                         timeout=10)
    assert wipe.status_code == 403
