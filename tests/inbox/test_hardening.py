"""Hardening of the web app: the client address from the trusted proxy only, security headers on every
response (errors and redirects too), request size limits, CORS for configured origins only, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import ConfigError, Settings
from bot.web.app import create_app
from tests.inbox.conftest import PASSWORD, csrf_of, make_settings

WRONG = "raden raden raden"


async def _login(client: TestClient, name: str, password: str, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = await client.get("/inbox/inloggen", headers=headers)
    response = await client.post("/inbox/inloggen", headers=headers, allow_redirects=False,
                                 data={"naam": name, "wachtwoord": password, "csrf_token": csrf_of(await page.text()),
                                       "volgende": "/inbox/"})
    return response.status


async def test_behind_nginx_one_attacker_does_not_lock_everyone_out(tmp_path: Path, accounts) -> None:
    settings = make_settings(tmp_path, login_ip_max_failures=3, trusted_proxies="127.0.0.1")
    async with TestClient(TestServer(create_app(settings, background=False))) as client:
        # As nginx sends it: whatever the attacker put in the header, then the address nginx saw.
        attacker = "203.0.113.9, 198.51.100.66"
        for number in range(3):
            assert await _login(client, f"naam{number}", WRONG, attacker) == 401
        assert await _login(client, "anna", PASSWORD, attacker) == 429  # that address is limited
        # The attacker cannot move the limit onto someone else by forging the left of the header.
        assert await _login(client, "anna", PASSWORD, "198.51.100.7, 198.51.100.66") == 429
        # Another resident's professional behind the same nginx logs in.
        assert await _login(client, "anna", PASSWORD, "198.51.100.7") == 303


async def test_the_header_of_an_untrusted_peer_is_ignored(tmp_path: Path, accounts) -> None:
    # The proxy is elsewhere: this peer (127.0.0.1) is no proxy, so its X-Forwarded-For means nothing.
    settings = make_settings(tmp_path, login_ip_max_failures=3, trusted_proxies="10.9.9.9")
    async with TestClient(TestServer(create_app(settings, background=False))) as client:
        for number in range(3):
            assert await _login(client, f"naam{number}", WRONG, f"198.51.100.{number}") == 401
        assert await _login(client, "anna", PASSWORD, "198.51.100.200") == 429  # all from 127.0.0.1


def test_wrong_trusted_proxies_are_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NAAST_TRUSTED_PROXIES"):
        make_settings(tmp_path, trusted_proxies="nginx.local")


HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


async def test_security_headers_on_redirects_errors_and_crashes(tmp_path: Path, accounts) -> None:
    app = create_app(make_settings(tmp_path), background=False)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app.router.add_get("/kapot", broken)  # stands for any bug in a handler
    async with TestClient(TestServer(app)) as client:
        checks = {
            "redirect": await client.get("/inbox/", allow_redirects=False),  # 303 to the log-in page
            "not found": await client.get("/bestaat-niet"),
            "too large": await client.post("/api/chat", data=b"x" * (65 * 1024),
                                           headers={"Content-Type": "application/json"}),
            "bad method": await client.delete("/api/chat"),
            "crash": await client.get("/kapot"),
        }
        statuses = {name: response.status for name, response in checks.items()}
        assert statuses == {"redirect": 303, "not found": 404, "too large": 413, "bad method": 405, "crash": 500}
        for name, response in checks.items():
            for header in HEADERS:
                assert header in response.headers, (name, header)
        assert "Traceback" not in await checks["crash"].text() and "a bug" not in await checks["crash"].text()


async def test_every_post_endpoint_refuses_a_huge_body(tmp_path: Path, accounts) -> None:
    app = create_app(make_settings(tmp_path), background=False)
    huge = b"{" + b" " * (80 * 1024) + b"}"
    posts = sorted({route.resource.canonical for route in app.router.routes()
                    if route.method == "POST" and route.resource is not None})
    assert "/api/chat" in posts and "/inbox/inloggen" in posts
    statuses = {}
    async with TestClient(TestServer(app)) as client:
        for path in posts:
            response = await client.post(path.replace("{note_id}", "00000000-0000-0000-0000-000000000000"),
                                         data=huge, headers={"Content-Type": "application/json"})
            statuses[path] = response.status
    # Every endpoint that reads a body refuses it as too large (or the inbox's CSRF check, which reads the
    # form first, refuses it); one that reads none ignores it. None fails.
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses["/api/chat"] == 413 and statuses["/inbox/inloggen"] in (403, 413), statuses
    assert statuses["/api/notes/{note_id}/status"] in (401, 413), statuses


def test_production_takes_its_secrets_from_the_environment_only(tmp_path: Path, monkeypatch) -> None:
    for name in ("NAAST_RASA_TOKEN", "NAAST_SECRET_KEY", "NAAST_ACTION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as problem:
        Settings.load(_env_file=None, profile="prod", prod_dir=tmp_path / "prod", rasa_token="r" * 32)
    assert "NAAST_SECRET_KEY" in str(problem.value) and "NAAST_ACTION_TOKEN" in str(problem.value)
    assert "NAAST_RASA_TOKEN" not in str(problem.value)
    with pytest.raises(ConfigError, match="NAAST_SECRET_KEY needs at least 32"):
        Settings.load(_env_file=None, secret_key="kort")


async def test_a_wipe_with_a_non_ascii_token_is_refused_not_a_crash(tmp_path: Path, accounts) -> None:
    """Found by tests/e2e/test_input_fuzz.py: hmac.compare_digest raised on a non-ASCII str (a 500)."""
    async with TestClient(TestServer(create_app(make_settings(tmp_path), background=False))) as client:
        conversation = await (await client.post("/api/conversation")).json()
        for token in ("é", "\u202e" * 64, conversation["token"][:-1] + "ß"):
            response = await client.post("/api/conversation/wipe", json={"sender": conversation["sender"],
                                                                          "token": token})
            assert response.status == 403, token
