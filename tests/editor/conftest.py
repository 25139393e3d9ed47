"""Fixtures for the editor tests: the inbox's database, accounts and web app, logged in at /redactie (the
one log-in of every staff page)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.inbox.conftest import PASSWORD, accounts, client, csrf_of, engine, settings  # noqa: F401


async def editor_login(client: TestClient, name: str, password: str = PASSWORD,  # noqa: F811
                       target: str = "/redactie/begrip") -> Any:
    token = csrf_of(await (await client.get("/redactie/inloggen")).text())
    return await client.post("/redactie/inloggen", data={"naam": name, "wachtwoord": password, "csrf_token": token,
                                                         "volgende": target}, allow_redirects=False)


async def page_token(client: TestClient, path: str) -> tuple[str, str]:  # noqa: F811
    response = await client.get(path)
    assert response.status == 200, await response.text()
    html = await response.text()
    return html, csrf_of(html)
