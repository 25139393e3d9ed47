"""A message the widget sends again reaches Rasa once (bot/web/message_ledger.py, the chat proxy).

Rasa here is a stand-in that is slower than the web app waits: the one thing these tests need from it
is its slowness and a count of what it received (the real Rasa behind nginx is in bench/load.py and
tests/ops). The web app, its chat proxy and the ledger are the real ones.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.config import Settings
from bot.web.app import create_app
from bot.web.message_ledger import MessageLedger
from bot.web.rasa_client import RasaUnavailable

SENDER = "abcdef0123456789"


class SlowRasa:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.received: list[str] = []

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body["message"])
        await asyncio.sleep(self.seconds)
        return web.json_response([{"recipient_id": body["sender"], "text": f"antwoord op {body['message']}"}])


async def _proxy(aiohttp_server, aiohttp_client, rasa: SlowRasa):  # noqa: ANN001, ANN202 - pytest-aiohttp
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", rasa.webhook)
    server = await aiohttp_server(app)
    settings = Settings.load(rasa_url=str(server.make_url("")).rstrip("/"), rasa_timeout_s=5.5,
                             lock_lifetime_s=5)
    return await aiohttp_client(create_app(settings))


async def test_a_message_sent_again_after_a_timeout_is_handled_once_and_gets_its_late_answer(
        aiohttp_server, aiohttp_client) -> None:  # noqa: ANN001
    rasa = SlowRasa(7.0)  # longer than the web app waits (5.5 s), shorter than its request lives (11 s)
    client = await _proxy(aiohttp_server, aiohttp_client, rasa)
    body = {"sender": SENDER, "message": "ik kan de huur niet betalen", "message_id": "m1"}

    first = await client.post("/api/chat", json=body)
    assert first.status == 503 and "niet kwijt" in (await first.json())["error"]  # the widget keeps it
    again = await client.post("/api/chat", json=body)  # the widget's next attempt, same id
    assert again.status == 200
    assert [m["text"] for m in (await again.json())["messages"]] == ["antwoord op ik kan de huur niet betalen"]
    once_more = await client.post("/api/chat", json=body)  # the answer is kept: no third request
    assert once_more.status == 200
    assert rasa.received == ["ik kan de huur niet betalen"]


async def test_the_same_words_as_a_new_message_are_a_new_message(aiohttp_server, aiohttp_client) -> None:  # noqa: ANN001
    rasa = SlowRasa(0.0)
    client = await _proxy(aiohttp_server, aiohttp_client, rasa)
    for message_id in ("m1", "m2"):  # "ja", then "ja" again to the next question
        response = await client.post("/api/chat", json={"sender": SENDER, "message": "ja", "message_id": message_id})
        assert response.status == 200
    other = await client.post("/api/chat", json={"sender": "another0conversation", "message": "ja", "message_id": "m1"})
    assert other.status == 200
    without_id = await client.post("/api/chat", json={"sender": SENDER, "message": "ja"})
    assert without_id.status == 200
    assert rasa.received == ["ja", "ja", "ja", "ja"]


async def test_a_bad_message_id_is_refused_in_dutch(aiohttp_server, aiohttp_client) -> None:  # noqa: ANN001
    rasa = SlowRasa(0.0)
    client = await _proxy(aiohttp_server, aiohttp_client, rasa)
    for bad in ("<script>", "x" * 65, 12, ""):
        response = await client.post("/api/chat", json={"sender": SENDER, "message": "hallo", "message_id": bad})
        assert response.status == 400 and (await response.json())["error"]
    assert rasa.received == []


async def test_a_request_that_never_reached_rasa_is_sent_again() -> None:
    ledger, calls = MessageLedger(), []

    async def refused() -> list[dict]:
        calls.append("refused")
        raise RasaUnavailable("connection refused")

    async def answered() -> list[dict]:
        calls.append("answered")
        return [{"text": "ok"}]

    try:
        await ledger.send(SENDER, "m1", refused, wait_seconds=1)
    except RasaUnavailable:
        pass
    else:
        raise AssertionError("a refused connection must reach the resident as RasaUnavailable")
    assert await ledger.send(SENDER, "m1", answered, wait_seconds=1) == [{"text": "ok"}]
    assert calls == ["refused", "answered"]


async def test_answers_are_forgotten_after_their_time() -> None:
    ledger = MessageLedger(keep_seconds=0.0)
    calls = []

    async def answered() -> list[dict]:
        calls.append(1)
        return [{"text": "ok"}]

    await ledger.send(SENDER, "m1", answered, wait_seconds=1)
    ledger._swept_at = 0.0  # the sweep runs at most once a second; let the next call sweep
    await asyncio.sleep(0.01)
    await ledger.send(SENDER, "m2", answered, wait_seconds=1)
    assert (SENDER, "m1") not in ledger._entries and len(ledger) == 1
