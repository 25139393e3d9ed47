"""The production topology for real (`naast run --prod`, bot/prod.py): PostgreSQL, Redis, two Rasa
replicas, the action server, the web app, the delivery worker and nginx, started once for this module.

Residents' messages go where a browser sends them: nginx's public port, the web app's chat proxy
(`/api/chat`, the widget's REST transport), then nginx in front of the Rasa replicas.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import aiohttp
import psycopg2
import pytest
import redis
import requests
from sqlalchemy.engine import make_url

from bot.processes import Topology
from tests.conversation import response_name, wait_for
from tests.e2e.test_privacy import HELP, MATTERS, NETWORK, STORY, TRIED
from tests.ops.topology import running_topology


@pytest.fixture(scope="module")
def prod() -> Iterator[Topology]:
    yield from running_topology(420, rasa_replicas=2)


class Resident:
    """One resident through nginx and the web app's chat proxy."""

    def __init__(self, prod: Topology, sender: str | None = None) -> None:
        self.prod = prod
        self.sender = sender or uuid.uuid4().hex
        self.texts: list[str] = []

    def say(self, text: str) -> list[str]:
        response = requests.post(f"{self.prod.url}/api/chat", json={"sender": self.sender, "message": text},
                                 timeout=60)
        assert response.status_code == 200, (response.status_code, response.text)
        self.texts = [reply.get("text", "") for reply in response.json()["messages"]]
        return [response_name(text) for text in self.texts]

    def tracker(self) -> tuple[dict, str]:
        """The conversation (Rasa's API through nginx, which routes it like the messages) and its replica."""
        response = requests.get(f"{self.prod.rasa_url}/conversations/{self.sender}/tracker",
                                params={"token": self.prod.settings.rasa_token}, timeout=30)
        response.raise_for_status()
        return response.json(), response.headers["X-Naast-Replica"]


def _user_texts(tracker: dict) -> list[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def _tracker_rows(prod: Topology, sender: str) -> int:
    url = make_url(prod.layout.tracker_db_url)
    with psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                          dbname=url.database) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
        return cursor.fetchone()[0]


def test_a_whole_conversation_through_nginx_reaches_the_read_back(prod: Topology) -> None:
    r = Resident(prod)
    assert r.say("Hallo")[-1] == "utter_ask_situation"
    for answer in (STORY, MATTERS, TRIED, HELP, NETWORK, "ja"):
        r.say(answer)
    assert r.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]
    assert "Ik durf de post niet meer open te maken" in r.texts[0] and HELP in r.texts[0]
    tracker, replica = r.tracker()
    assert tracker["slots"]["situation"] == STORY and tracker["slots"]["network"] == NETWORK
    assert replica in {f"127.0.0.1:{port}" for port in prod.layout.rasa_ports}
    assert _tracker_rows(prod, r.sender) > 0  # Rasa's events are in the topology's PostgreSQL


def test_the_public_port_routes_the_channels_but_never_rasas_api(prod: Topology) -> None:
    token = prod.settings.rasa_token
    for path in ("/status", "/version", f"/conversations/x{uuid.uuid4().hex}/tracker"):
        assert requests.get(f"{prod.url}{path}", params={"token": token}, timeout=10).status_code == 404, path
    # socket.io's polling handshake reaches Rasa through nginx.
    handshake = requests.get(f"{prod.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert handshake.status_code == 200 and '"sid"' in handshake.text
    # The REST channel, with the conversation named where nginx can route on it.
    sender = uuid.uuid4().hex
    replies = requests.post(f"{prod.url}/webhooks/rest/webhook", params={"sender": sender},
                            json={"sender": sender, "message": "Hallo"}, timeout=60).json()
    assert response_name(replies[-1]["text"]) == "utter_ask_situation"


def test_socketio_upgrades_to_a_websocket_through_nginx(prod: Topology) -> None:
    async def handshake() -> str:
        url = prod.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as session, session.ws_connect(url, timeout=10) as socket:
            message = await socket.receive(timeout=10)
            return message.data

    opened = asyncio.run(handshake())
    assert opened.startswith("0") and '"sid"' in opened  # engine.io's open packet, from a Rasa replica


def _at_once(send_first, send_second, gap: float = 0.01) -> tuple[object, object, bool]:  # noqa: ANN001
    """Two sends, the second ``gap`` seconds after the first, both in flight; True when they overlapped."""
    results: dict[str, object] = {}
    done: dict[str, float] = {}

    def run(name: str, send) -> None:  # noqa: ANN001
        results[name] = send()
        done[name] = time.monotonic()

    first = threading.Thread(target=run, args=("first", send_first))
    second = threading.Thread(target=run, args=("second", send_second))
    first.start()
    time.sleep(gap)
    second_sent = time.monotonic()
    second.start()
    first.join(90)
    second.join(90)
    return results["first"], results["second"], done["first"] > second_sent


def _redis_commands(prod: Topology) -> int:
    client = redis.StrictRedis(host="127.0.0.1", port=prod.layout.redis_port,
                               password=prod.layout.secret("redis"))
    return int(client.info("stats")["total_commands_processed"])


def test_two_messages_at_once_for_one_conversation_are_both_handled_in_order(prod: Topology) -> None:
    r = Resident(prod)
    assert r.say("Hallo")[-1] == "utter_ask_situation"
    locks_before = _redis_commands(prod)
    first, second, overlapped = _at_once(lambda: Resident(prod, r.sender).say(STORY),
                                         lambda: Resident(prod, r.sender).say(MATTERS))
    assert overlapped, "the second message was sent after the first was answered: not at once"
    assert first == ["utter_ask_what_matters"]
    assert second == ["utter_ask_what_was_tried"]
    tracker, _ = r.tracker()
    assert _user_texts(tracker)[-2:] == [STORY, MATTERS]
    assert tracker["slots"]["situation"] == STORY and tracker["slots"]["what_matters"] == MATTERS
    assert _redis_commands(prod) > locks_before  # the conversation lock is Rasa's Redis lock store


def test_a_message_sent_again_with_its_id_is_handled_once_through_nginx(prod: Topology) -> None:
    """The widget's resend after an error (same outbox id) reaches Rasa once, on whichever web replica."""
    r = Resident(prod)
    assert r.say("Hallo")[-1] == "utter_ask_situation"
    body = {"sender": r.sender, "message": STORY, "message_id": "m-resent"}
    headers = {"X-Naast-Sender": r.sender}
    answers = [requests.post(f"{prod.url}/api/chat", json=body, headers=headers, timeout=60) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({tuple(m.get("text") for m in a.json()["messages"]) for a in answers}) == 1  # one answer, kept
    tracker, _ = r.tracker()
    assert _user_texts(tracker).count(STORY) == 1
    assert tracker["slots"]["situation"] == STORY and tracker["active_loop"]["name"]
    assert r.say(MATTERS) == ["utter_ask_what_was_tried"]  # the conversation goes on from the one turn


def test_two_messages_at_once_on_two_replicas_are_serialised_by_the_redis_lock(prod: Topology) -> None:
    """What happens while a conversation moves between replicas: the lock store keeps it in order."""
    sender = uuid.uuid4().hex
    first_port, second_port = prod.layout.rasa_ports[:2]

    def direct(port: int, text: str):  # noqa: ANN202
        def send() -> list[str]:
            replies = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": text}, timeout=60).json()
            return [response_name(reply.get("text", "")) for reply in replies]
        return send

    assert direct(first_port, "Hallo")()[-1] == "utter_ask_situation"
    first, second, overlapped = _at_once(direct(first_port, STORY), direct(second_port, MATTERS))
    assert overlapped
    assert (first, second) == (["utter_ask_what_matters"], ["utter_ask_what_was_tried"])
    tracker, _ = Resident(prod, sender).tracker()
    assert _user_texts(tracker)[-2:] == [STORY, MATTERS]
    assert tracker["slots"]["situation"] == STORY and tracker["slots"]["what_matters"] == MATTERS


def test_a_killed_rasa_replica_the_conversation_continues_on_another_with_nothing_lost(prod: Topology) -> None:
    r = Resident(prod)
    r.say("Hallo")
    assert r.say(STORY) == ["utter_ask_what_matters"]
    assert r.say(MATTERS) == ["utter_ask_what_was_tried"]
    _, replica = r.tracker()
    name = f"rasa_{prod.layout.rasa_ports.index(int(replica.rsplit(':', 1)[1])) + 1}"
    before = prod.info(name)
    os.kill(before["pid"], signal.SIGKILL)

    assert r.say(TRIED) == ["utter_ask_what_would_help"]  # the next message, at once
    tracker, moved_to = r.tracker()
    assert moved_to != replica
    slots = tracker["slots"]
    assert (slots["situation"], slots["what_matters"], slots["what_was_tried"]) == (STORY, MATTERS, TRIED)

    # supervisord starts the killed replica again; the conversation goes back to it, still whole.
    def back() -> bool:
        info = prod.info(name)
        return info["statename"] == "RUNNING" and info["pid"] != before["pid"] and \
            prod.replica_ready(int(replica.rsplit(":", 1)[1]))

    wait_for(back, 300)
    assert r.say(HELP) == ["utter_ask_network"]
    tracker, now_on = r.tracker()
    assert now_on == replica
    assert _user_texts(tracker)[-4:] == [STORY, MATTERS, TRIED, HELP]
    for other in ("postgres", "redis", "nginx", "web_1", "actions_1", "delivery"):
        assert prod.info(other)["statename"] == "RUNNING", other
