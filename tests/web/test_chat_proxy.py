"""The chat proxy refuses bad input with a clear Dutch message and survives Rasa being down."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.processes import free_port
from bot.web.app import create_app

SENDER = "abcdef0123456789"


@pytest.fixture
async def client(aiohttp_client) -> TestClient:  # noqa: ANN001 - pytest-aiohttp fixture
    # Rasa is "down": nothing listens on this port.
    settings = Settings.load(rasa_url=f"http://127.0.0.1:{free_port()}", max_message_chars=200)
    return await aiohttp_client(create_app(settings))


async def _post(client: TestClient, **body: object) -> tuple[int, dict]:
    response = await client.post("/api/chat", json=body)
    return response.status, await response.json()


async def test_empty_message_is_refused(client: TestClient) -> None:
    status, body = await _post(client, sender=SENDER, message="   ")
    assert status == 400 and "leeg" in body["error"]


async def test_too_long_message_is_refused(client: TestClient) -> None:
    status, body = await _post(client, sender=SENDER, message="a" * 201)
    assert status == 413 and "te lang" in body["error"] and "200" in body["error"]


async def test_bad_sender_is_refused(client: TestClient) -> None:
    status, body = await _post(client, sender="<script>", message="hallo")
    assert status == 400 and "opnieuw" in body["error"]


async def test_not_json_is_refused(client: TestClient) -> None:
    response = await client.post("/api/chat", data="hallo", headers={"Content-Type": "application/json"})
    assert response.status == 400 and "niet lezen" in (await response.json())["error"]


async def test_rasa_down_gives_a_phone_number(client: TestClient) -> None:
    status, body = await _post(client, sender=SENDER, message="hallo")
    assert status == 503 and body["phone"] in body["error"] and "niet kwijt" in body["error"]


async def test_rasa_too_slow_is_rasa_unavailable_not_a_bare_504(aiohttp_server) -> None:  # noqa: ANN001
    """Under load Rasa can take longer than the web app waits (bench/load.py saw it): the same calm 503."""
    import asyncio

    import aiohttp
    from aiohttp import web

    from bot.web.rasa_client import RasaClient, RasaUnavailable

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response([])

    rasa = web.Application()
    rasa.router.add_post("/webhooks/rest/webhook", slow)
    server = await aiohttp_server(rasa)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.2)) as session:
        with pytest.raises(RasaUnavailable):
            await RasaClient(str(server.make_url("")), "token", session).send(SENDER, "hallo")


async def test_health_reports_rasa_down(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 503 and (await response.json())["rasa"] == "unavailable"


async def test_chat_page_is_dutch_accessible_and_strict(client: TestClient) -> None:
    response = await client.get("/")
    html = await response.text()
    # The page mounts the widget in page mode; its role="log" and labelled input are checked in tests/browser.
    assert '<html lang="nl">' in html and 'data-mode="page"' in html and 'href="tel:' in html
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp


async def test_summary_link_without_valid_seal_is_gone(client: TestClient) -> None:
    for token in (SENDER, "A" * 80, "not base64 !"):
        response = await client.get(f"/samenvatting/{token}")
        assert response.status == 410 and "werkt niet meer" in await response.text()


async def test_sealed_summary_link_shows_the_story_without_rasa(client: TestClient) -> None:
    from bot.links import summary_link
    from bot.web.keys import SETTINGS

    secret = client.server.app[SETTINGS].secret_key
    link = summary_link("http://x", secret, {"situation": "Mijn kat is weggelopen en ik ben verdrietig."})
    response = await client.get(link.removeprefix("http://x"))  # Rasa is down: the link is enough
    html = await response.text()
    assert response.status == 200 and "Mijn kat is weggelopen" in html
    assert response.headers["Cache-Control"] == "no-store"
    # Written for the resident, styled from /static under the app's strict CSP (no inline <style>).
    assert '<html lang="nl">' in html and "Uw verhaal" in html and "Stap 2" not in html
    assert "<style" not in html and 'href="/static/summary.css"' in html
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert (await client.get("/static/summary.css")).status == 200


async def test_warm_up_gives_up_when_rasa_never_comes() -> None:
    import aiohttp

    from bot.web.rasa_client import RasaClient, warm_up

    async with aiohttp.ClientSession() as session:
        down = RasaClient(f"http://127.0.0.1:{free_port()}", "token", session)
        assert await warm_up(down, poll_seconds=0, attempts=3) is None
