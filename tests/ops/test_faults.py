"""Faults on the real production topology (`naast run --prod`): PostgreSQL away, Redis away, a lock
left behind by a killed replica. One topology for the module; each test puts back what it stopped.

What a resident sees is what the web app's chat proxy answers (`/api/chat`, the widget's REST
transport, through nginx); what is stored is read from the topology's own PostgreSQL.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from rasa.core.lock import TicketLock
from sqlalchemy.engine import make_url

from bot.processes import Topology
from bot.resources import load_resources
from tests.conversation import response_name, wait_for
from tests.e2e.test_privacy import HELP, MATTERS, NETWORK, STORY, TRIED
from tests.ops.topology import running_topology

PHONE = load_resources()["municipality"]["phone"]
RASA_TIMEOUT_S = 50


@pytest.fixture(scope="module")
def prod() -> Iterator[Topology]:
    # The web app waits longer for Rasa than by default: the machine is shared, and the lock test needs
    # the wait to exceed the lock's lifetime by more than one slow turn (still below Rasa's 60 s default).
    # A shared 2-core machine: other topologies may be starting too.
    yield from running_topology(600, rasa_replicas=2, extra_env={"NAAST_RASA_TIMEOUT_S": str(RASA_TIMEOUT_S)})


class Resident:
    def __init__(self, prod: Topology) -> None:
        self.prod = prod
        self.sender = uuid.uuid4().hex
        self.texts: list[str] = []

    def send(self, text: str) -> requests.Response:
        return requests.post(f"{self.prod.url}/api/chat", json={"sender": self.sender, "message": text}, timeout=90)

    def say(self, text: str) -> list[str]:
        response = self.send(text)
        assert response.status_code == 200, (response.status_code, response.text)
        self.texts = [reply.get("text", "") for reply in response.json()["messages"]]
        return [response_name(text) for text in self.texts]

    def at_consent(self, marker: str) -> Resident:
        assert self.say("Hallo")[-1] == "utter_ask_situation"
        for answer in (f"{STORY} Mijn kat heet {marker}.", MATTERS, TRIED, HELP, NETWORK):
            self.say(answer)
        self.say("ja")  # it is heavy for the people around them
        assert self.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]
        assert self.say("ja, dat klopt") == ["utter_ask_consent"]
        return self


def _query(prod: Topology, sql: str, *args: object) -> list[tuple]:
    url = make_url(prod.layout.database_url())
    with psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                          dbname=url.database, connect_timeout=5) as connection, connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _notes_with(prod: Topology, marker: str) -> list[tuple[str, str]]:
    return _query(prod, "SELECT id, status FROM notes WHERE body LIKE %s", f"%{marker}%")


def _calm(resident: Resident, text: str) -> None:
    """The resident's message when the database is away: Rasa's calm message (bot/rasa_runtime), with the
    phone number, and never Rasa's own fallback (a new conversation from the opening, kept in memory)."""
    assert resident.say(text) == ["utter_action_server_down"]
    assert PHONE in resident.texts[0] and "niet kwijt" in resident.texts[0]


def _stop(prod: Topology, name: str) -> None:
    assert prod.rpc.supervisor.stopProcess(name, True)


def _start(prod: Topology, name: str) -> None:
    assert prod.rpc.supervisor.startProcess(name, True)


def _eventually(check, seconds: float = 180) -> None:  # noqa: ANN001
    """``check`` becomes true (errors while a part reconnects count as not yet)."""
    def quiet() -> bool:
        try:
            return bool(check())
        except (OSError, psycopg2.Error, redis.RedisError, IndexError):
            return False

    wait_for(quiet, seconds)


def test_postgresql_away_the_resident_is_told_calmly_and_the_confirmed_note_is_stored_once(prod: Topology) -> None:
    marker = f"Pg{uuid.uuid4().hex[:8]}"
    r = Resident(prod).at_consent(marker)
    _stop(prod, "postgres")
    try:
        # The yes cannot be stored now: the resident hears so, calmly, with the phone number, twice alike.
        for _ in range(2):
            _calm(r, "ja")
        # Nothing else died with the database.
        for other in ("redis", "nginx", "rasa_1", "rasa_2", "web_1", "actions_1", "delivery"):
            assert prod.info(other)["statename"] == "RUNNING", other
    finally:
        _start(prod, "postgres")
    _eventually(lambda: Resident(prod).send("Hallo").status_code == 200)
    assert _notes_with(prod, marker) == []  # nothing half-stored while it was away

    # The same yes again: the conversation is where it was (the consent question), the note is stored.
    assert r.say("ja") == ["utter_ask_contact_channel"]
    names = r.say("anoniem")
    assert "utter_note_sent" in names
    notes = _notes_with(prod, marker)
    assert len(notes) == 1
    note_id = notes[0][0]
    # The delivery worker (which kept running through the outage) puts it in the inbox, once.
    _eventually(lambda: _notes_with(prod, marker)[0][1] == "nieuw")
    rows = _query(prod, "SELECT channel, status FROM outbox WHERE note_id = %s", note_id)
    assert rows == [("inbox", "delivered")]
    assert len(_query(prod, "SELECT note_id FROM inbox_notes WHERE note_id = %s", note_id)) == 1


def test_postgresql_away_a_confirmed_note_waiting_for_delivery_is_delivered_once_when_it_is_back(
        prod: Topology) -> None:
    marker = f"Out{uuid.uuid4().hex[:8]}"
    r = Resident(prod).at_consent(marker)
    r.say("ja")
    assert "utter_note_sent" in r.say("anoniem")
    # Stop the database at once: the note may still be waiting in the outbox (the worker polls).
    _stop(prod, "postgres")
    time.sleep(6)  # not a timing assertion: at least one delivery round of the worker fails meanwhile
    _start(prod, "postgres")
    _eventually(lambda: _notes_with(prod, marker)[0][1] == "nieuw")
    note_id = _notes_with(prod, marker)[0][0]
    assert _query(prod, "SELECT channel, status FROM outbox WHERE note_id = %s", note_id) == [("inbox", "delivered")]
    assert prod.info("delivery")["statename"] == "RUNNING"


def _redis(prod: Topology) -> redis.StrictRedis:
    return redis.StrictRedis(host="127.0.0.1", port=prod.layout.redis_port, password=prod.layout.secret("redis"), db=1)


def test_redis_away_residents_are_still_answered_and_locks_go_back_to_redis(prod: Topology) -> None:
    """Decided behaviour: Redis only serialises a conversation that moves between replicas, so while it
    is away every replica keeps its locks in memory (bot/rasa_runtime/lock_store.py) and answers."""
    r = Resident(prod)
    assert r.say("Hallo")[-1] == "utter_ask_situation"
    _stop(prod, "redis")
    try:
        assert r.say(STORY) == ["utter_ask_what_matters"]
        assert r.say(MATTERS) == ["utter_ask_what_was_tried"]
        fresh = Resident(prod)
        assert fresh.say("Hallo")[-1] == "utter_ask_situation"
    finally:
        _start(prod, "redis")
    client = _redis(prod)
    _eventually(client.ping, 60)
    before = int(client.info("stats")["total_commands_processed"])

    def locks_in_redis() -> bool:
        # The replicas try Redis again a few seconds after it failed; each message then uses it.
        Resident(prod).say("Hallo")
        return int(client.info("stats")["total_commands_processed"]) > before + 2

    _eventually(locks_in_redis, 120)
    assert r.say(TRIED) == ["utter_ask_what_would_help"]
    for name in ("rasa_1", "rasa_2"):
        assert prod.info(name)["statename"] == "RUNNING", name


def test_a_lock_left_by_a_killed_replica_does_not_silence_the_conversation(prod: Topology) -> None:
    """A replica killed while it handled a message leaves that conversation's ticket in Redis. It expires
    after NAAST_LOCK_LIFETIME_S, below the web app's wait for Rasa: the next message is answered (with
    Rasa's 60 s default the web app would give up first and the resident would hear only an error)."""
    lifetime = prod.settings.lock_lifetime_s
    assert lifetime < RASA_TIMEOUT_S < 60
    # Every replica runs with that lifetime (Rasa reads TICKET_LOCK_LIFETIME: rasa/core/lock_store.py).
    for port_index in range(len(prod.layout.rasa_ports)):
        pid = prod.info(f"rasa_{port_index + 1}")["pid"]
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"TICKET_LOCK_LIFETIME={lifetime}".encode() in environ
    r = Resident(prod)
    assert r.say("Hallo")[-1] == "utter_ask_situation"
    # Exactly what a replica killed right after taking the lock leaves behind: Rasa's own ticket lock.
    lock = TicketLock(r.sender)
    lock.issue_ticket(lifetime)
    client = _redis(prod)
    client.set(f"naast:lock:{r.sender}", lock.dumps())
    assert json.loads(client.get(f"naast:lock:{r.sender}"))["tickets"]
    assert r.say(STORY) == ["utter_ask_what_matters"]
    assert client.get(f"naast:lock:{r.sender}") is None  # the replica cleaned up after itself
