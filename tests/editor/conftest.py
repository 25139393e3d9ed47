"""Fixtures for the editor tests: the inbox's database, accounts and web app, logged in at /editor."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.inbox.conftest import PASSWORD, accounts, client, csrf_of, engine, settings  # noqa: F401


async def editor_login(client: TestClient, name: str, password: str = PASSWORD) -> Any:  # noqa: F811
    response = await client.post("/editor/inloggen", data={"naam": name, "wachtwoord": password,
                                                           "volgende": "/editor/begrip"}, allow_redirects=False)
    return response


async def page_token(client: TestClient, path: str) -> tuple[str, str]:  # noqa: F811
    response = await client.get(path)
    assert response.status == 200, await response.text()
    html = await response.text()
    return html, csrf_of(html)
