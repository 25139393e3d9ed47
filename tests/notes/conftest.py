"""Fixtures for the note tests: databases (SQLite and a real PostgreSQL), SMTP and HTTP receivers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiosmtpd.controller import Controller

from bot.config import Settings
from bot.db import init_db
from bot.notes.store import NoteStore
from bot.summariser import IntakeAnswers
from tests.notes import pg

CONVERSATIONS_FILE = Path(__file__).with_name("conversations.yml")
WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def load_conversations() -> list[dict[str, Any]]:
    return yaml.safe_load(CONVERSATIONS_FILE.read_text(encoding="utf-8"))["conversations"]


CONVERSATIONS = load_conversations()


def answers_of(conversation: dict[str, Any]) -> IntakeAnswers:
    return IntakeAnswers.from_slots(conversation["slots"])


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "public_url": "http://naast.test",
        "delivery_base_delay_s": 1.0,
        "delivery_max_delay_s": 60.0,
        "delivery_max_attempts": 5,
        "delivery_timeout_s": 5.0,
        "delivery_lease_s": 30.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- databases -----------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'naast.db'}"
    server: pg.PgServer = request.getfixturevalue("pg_server")
    pg.reset_schema(server)
    return server.url()


@pytest.fixture
def store(db_url: str) -> Iterator[NoteStore]:
    engine = init_db(db_url)
    try:
        yield NoteStore(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[NoteStore]:
    engine = init_db(f"sqlite:///{tmp_path / 'naast.db'}")
    try:
        yield NoteStore(engine)
    finally:
        engine.dispose()


# --- a real HTTP receiver for the webhook ------------------------------------------------------------

class WebhookReceiver:
    """An aiohttp server in its own thread; answers with the scripted statuses, then ``default``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.script: list[int] = []
        self.default = 200
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._lock:
            self.requests.append({"headers": dict(request.headers), "body": body})
            status = self.script.pop(0) if self.script else self.default
        return web.Response(status=status, text="ok" if status < 300 else "error")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def start(self) -> WebhookReceiver:
        self._thread.start()
        assert self._ready.wait(10), "webhook receiver did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    try:
        yield server
    finally:
        server.stop()


# --- a real SMTP server ------------------------------------------------------------------------------

class MailSink:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content})
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
