"""The widget's server side, without a browser: script, settings, CORS, CSP, the demo page."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import ROOT, Settings
from bot.processes import free_port
from bot.web.app import create_app
from bot.web.keys import SETTINGS
from bot.web.widget import WIDGET_JS, embedding_csp


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "rasa_url": f"http://127.0.0.1:{free_port()}",
        "public_url": "http://naast.test:8000",
        "database_url": f"sqlite:///{tmp_path / 'naast.db'}",
        "max_message_chars": 300,
    }
    values.update(overrides)
    return Settings.load(**values)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(_settings(tmp_path)))) as c:
        yield c


async def test_widget_script_is_served_as_javascript(client: TestClient) -> None:
    response = await client.get("/widget.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = await response.text()
    assert "session_request" in body and "user_uttered" in body  # socket.io client and our code, bundled
    assert "https://cdn" not in body and "//unpkg" not in body


async def test_widget_config_tells_where_rasa_is_and_the_limits(client: TestClient) -> None:
    response = await client.get("/api/widget/config", headers={"Origin": "https://www.gemeente.nl"})
    data = await response.json()
    assert data["rasaUrl"].startswith("http://127.0.0.1:")
    assert data["socketPath"] == "/socket.io"
    assert data["maxChars"] == 300
    assert data["phone"] == "14 020"
    assert data["privacyUrl"].startswith("https://")
    # NAAST_ALLOWED_ORIGINS defaults to "*"; aiohttp-cors answers with the origin that asked.
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.gemeente.nl"
    assert "Set-Cookie" not in response.headers


async def test_cors_preflight_for_the_rest_fallback(client: TestClient) -> None:
    response = await client.options(
        "/api/chat",
        headers={
            "Origin": "https://www.gemeente.nl",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.gemeente.nl"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


async def test_only_listed_origins_get_cors(tmp_path: Path) -> None:
    settings = _settings(tmp_path, allowed_origins="https://www.gemeente.nl https://gemeente.nl")
    async with TestClient(TestServer(create_app(settings))) as c:
        ok = await c.get("/api/widget/config", headers={"Origin": "https://gemeente.nl"})
        assert ok.headers["Access-Control-Allow-Origin"] == "https://gemeente.nl"
        other = await c.get("/api/widget/config", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        refused = await c.options("/api/chat", headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
        assert refused.status == 403
        allowed = await c.options("/api/chat", headers={"Origin": "https://gemeente.nl",
                                                        "Access-Control-Request-Method": "POST",
                                                        "Access-Control-Request-Headers": "content-type"})
        assert allowed.status == 200 and allowed.headers["Access-Control-Allow-Origin"] == "https://gemeente.nl"
        # A method or header the widget never uses is refused in the preflight.
        delete = await c.options("/api/chat", headers={"Origin": "https://gemeente.nl",
                                                       "Access-Control-Request-Method": "DELETE"})
        assert delete.status == 403


async def test_server_refuses_a_too_long_message_in_dutch(client: TestClient) -> None:
    response = await client.post("/api/chat", json={"sender": "a" * 32, "message": "x" * 301})
    assert response.status == 413
    data = await response.json()
    assert "te lang" in data["error"] and "300" in data["error"]
    assert data["phone"] == "14 020"


async def test_chat_page_is_the_widget_in_page_mode_with_a_csp_that_allows_rasa(client: TestClient) -> None:
    response = await client.get("/")
    html = await response.text()
    assert 'data-mode="page"' in html and "/static/widget/naast-widget.js" in html
    assert '<html lang="nl">' in html
    csp = response.headers["Content-Security-Policy"]
    rasa = (await (await client.get("/api/widget/config")).json())["rasaUrl"]
    connect = next(part for part in csp.split(";") if part.strip().startswith("connect-src")).split()
    assert "'self'" in connect and rasa in connect and rasa.replace("http://", "ws://") in connect
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


async def test_demo_page_embeds_the_widget_under_a_strict_csp(client: TestClient) -> None:
    response = await client.get("/demo?transport=rest&color=%23123456&lang=<script>&rasa-url=javascript:alert(1)")
    html = await response.text()
    assert 'src="http://naast.test:8000/widget.js"' in html
    assert 'data-transport="rest"' in html and 'data-color="#123456"' in html
    assert "<script>&" not in html and "javascript:" not in html and "data-lang" not in html
    csp = response.headers["Content-Security-Policy"]
    assert csp == embedding_csp("http://naast.test:8000", client.server.app[SETTINGS])
    assert "script-src 'self' http://naast.test:8000;" in csp
    assert "'unsafe-inline'" not in csp
    assert (await client.get("/demo/contact")).status == 200


def test_committed_widget_build_is_current(tmp_path: Path) -> None:
    node = shutil.which("node")
    if not node or not (ROOT / "widget" / "node_modules" / "esbuild").exists():
        pytest.skip("Node.js and `npm ci --prefix widget` are needed to rebuild the widget")
    subprocess.run([node, "build.mjs", "--outdir", str(tmp_path)], cwd=ROOT / "widget", check=True, capture_output=True)
    built = (tmp_path / "naast-widget.js").read_bytes()
    assert built == WIDGET_JS.read_bytes(), "widget/src changed: run `make widget` and commit the built file"
