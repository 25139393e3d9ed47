"""The router in front of the embedded default's Rasa processes (bot/router.py).

The Rasa processes are stood in for by small aiohttp servers that say which one answered (Rasa is
outside Naast; the real processes behind the router are in tests/ops/test_rasa_processes.py).
"""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bot.processes import free_port
from bot.router import REPLICA_RESPONSE_HEADER, make_app, ranked


def fake_rasa(name: str) -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"process": name, "path": request.path_qs, "body": body.decode()})

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str(f"{name}:{message.data}")
        return ws

    app = web.Application()
    app.router.add_get("/socket.io/", socket)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@pytest.fixture
async def processes(aiohttp_server):  # noqa: ANN001, ANN201 - pytest-aiohttp's fixture
    return {name: await aiohttp_server(fake_rasa(name)) for name in ("a", "b", "c")}


@pytest.fixture
async def router(aiohttp_client, processes):  # noqa: ANN001, ANN201
    upstreams = [str(server.make_url("")).rstrip("/") for server in processes.values()]
    return await aiohttp_client(make_app(upstreams))


async def process_for(router, **request) -> str:  # noqa: ANN001
    method = request.pop("method", "POST")
    path = request.pop("path", "/webhooks/rest/webhook")
    response = await router.request(method, path, **request)
    assert response.status == 200
    data = await response.json()
    assert response.headers[REPLICA_RESPONSE_HEADER]
    return data["process"]


async def test_every_message_of_a_conversation_goes_to_one_process(router) -> None:  # noqa: ANN001
    chosen = {sender: await process_for(router, json={"sender": sender, "message": "hallo"})
              for sender in (f"resident-{n}" for n in range(30))}
    assert len(set(chosen.values())) == 3, "thirty conversations should be spread over the processes"
    for sender, process in chosen.items():
        # The same conversation, however the request names it, lands on the same process.
        assert await process_for(router, json={"sender": sender, "message": "nog iets"}) == process
        assert await process_for(router, json={"message": "x"}, headers={"X-Naast-Sender": sender}) == process
        assert await process_for(router, method="GET", path=f"/conversations/{sender}/tracker?token=t") == process
        assert await process_for(router, method="GET", path=f"/status?sender={sender}") == process


async def test_the_request_reaches_the_process_unchanged(router) -> None:  # noqa: ANN001
    response = await router.post("/model/parse?token=geheim", json={"text": "hallo"})
    data = await response.json()
    assert data["path"] == "/model/parse?token=geheim"
    assert data["body"] == '{"text": "hallo"}'


async def test_a_process_that_is_down_hands_its_conversations_to_the_next(router, processes) -> None:  # noqa: ANN001
    senders = [f"resident-{n}" for n in range(30)]
    before = {s: await process_for(router, json={"sender": s, "message": "hallo"}) for s in senders}
    await processes["b"].close()
    after = {s: await process_for(router, json={"sender": s, "message": "hallo"}) for s in senders}
    for sender in senders:
        if before[sender] == "b":
            assert after[sender] != "b"
        else:
            assert after[sender] == before[sender], "conversations of the other processes stay put"


async def test_no_process_at_all_is_a_clear_502(aiohttp_client) -> None:  # noqa: ANN001
    router = await aiohttp_client(make_app([f"http://127.0.0.1:{free_port()}"]))
    response = await router.post("/webhooks/rest/webhook", json={"sender": "s", "message": "hallo"})
    assert response.status == 502


async def test_a_websocket_is_passed_through_sticky_on_the_client(router) -> None:  # noqa: ANN001
    answers = set()
    for _ in range(3):
        async with router.ws_connect("/socket.io/?EIO=4&transport=websocket") as ws:
            await ws.send_str("40")
            message = await ws.receive(timeout=5)
            assert message.type == aiohttp.WSMsgType.TEXT
            answers.add(message.data.split(":")[0])
            assert message.data.endswith(":40")
    assert len(answers) == 1, "one client's sockets all go to one process"


def test_rendezvous_order_is_stable_and_complete() -> None:
    upstreams = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]
    order = ranked("sender:x", upstreams)
    assert sorted(order) == sorted(upstreams)
    assert ranked("sender:x", list(reversed(upstreams))) == order
