"""Fixtures for the inbox tests: a migrated SQLite database, accounts, notes, and the web app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from bot.accounts import users
from bot.config import Settings
from bot.db import init_db
from bot.inbox.routing import load_routing
from bot.processes import free_port
from bot.web.app import create_app

PASSWORD = "een lang wachtwoord 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Fast hashing for tests; production uses the defaults (64 MiB, t=3, p=4).
FAST_HASH = {"password_time_cost": 1, "password_memory_kib": 1024, "password_parallelism": 1}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'naast.db'}",
        "rasa_url": f"http://127.0.0.1:{free_port()}",
        "public_url": "http://127.0.0.1:8000",
        **FAST_HASH,
    }
    values.update(overrides)
    return Settings.load(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = init_db(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def accounts(engine: Engine, settings: Settings) -> dict[str, users.Account]:
    """anna: schuldhulp + wijkteam; bram: jeugd; eva: editor; beheer: admin; zaak: API-only professional."""
    teams = set(load_routing(settings.routing_file).teams)
    return {
        "anna": users.add_user(engine, settings, "anna", "professional", PASSWORD, ("schuldhulp", "wijkteam"), teams),
        "bram": users.add_user(engine, settings, "bram", "professional", PASSWORD, ("jeugd",), teams),
        "eva": users.add_user(engine, settings, "eva", "editor", PASSWORD),
        "beheer": users.add_user(engine, settings, "beheer", "admin", PASSWORD),
        "zaak": users.add_user(engine, settings, "zaak", "professional", None, ("schuldhulp", "wijkteam"), teams),
    }


@pytest.fixture
async def client(settings: Settings, engine: Engine, accounts: dict) -> AsyncIterator[TestClient]:
    app = create_app(settings, engine, background=False)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = await client.get("/inbox/inloggen")
    token = csrf_of(await page.text())
    return await client.post("/inbox/inloggen", data={"naam": name, "wachtwoord": password, "csrf_token": token,
                                                      "volgende": "/inbox/"}, allow_redirects=False)


async def csrf_from(client: TestClient, path: str) -> str:
    response = await client.get(path)
    return csrf_of(await response.text())


@pytest.fixture
def pg_url(pg_server) -> str:
    from tests.notes import pg

    pg.reset_schema(pg_server)
    return pg_server.url()
