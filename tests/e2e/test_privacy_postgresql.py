"""The tracker store on PostgreSQL: Rasa and the action server with Rasa's events in a real PostgreSQL
(one module-scoped server set; the web app is not needed), and the same zero-row promise as on SQLite."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from bot.privacy.conversations import count_rows, purge_for
from bot.processes import Servers
from tests.conversation import Conversation
from tests.e2e.test_privacy import HELP, MATTERS, NETWORK, STORY, TRIED
from tests.notes import pg


@pytest.fixture(scope="module")
def pg_servers(tmp_path_factory: pytest.TempPathFactory, pg_server: pg.PgServer) -> Iterator[tuple[Servers, str]]:
    pg.reset_schema(pg_server)  # the session's server: start from an empty schema
    url = pg_server.url()
    env = {"NAAST_TRACKER_DB_URL": url, "NAAST_TRACKER_URL": url, "NAAST_TRACKER_DIALECT": "postgresql"}
    running = Servers(workdir=tmp_path_factory.mktemp("pg-servers"), with_web=False, extra_env=env)
    try:
        yield running.start(), url
    finally:
        running.stop()


def _at_consent(servers: Servers) -> Conversation:
    c = Conversation(servers.rasa_url, f"e2e-pg-{uuid.uuid4().hex[:12]}")
    c.say("Hallo")
    for answer in (STORY, MATTERS, TRIED, HELP, NETWORK, "ja"):
        c.say(answer)
    assert c.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]
    assert c.say("ja, dat klopt") == ["utter_ask_consent"]
    return c


def test_no_consent_leaves_zero_rows_in_postgresql(pg_servers: tuple[Servers, str]) -> None:
    servers, url = pg_servers
    engine = create_engine(url)
    c = _at_consent(servers)
    assert count_rows(engine, c.sender) > 0  # Rasa writes to PostgreSQL through Naast's store
    assert c.say("nee") == ["utter_not_sent", "utter_summary_to_keep", "utter_close"]
    assert count_rows(engine, c.sender) == 0


def test_stop_and_abandoned_conversations_are_deleted_in_postgresql(pg_servers: tuple[Servers, str]) -> None:
    servers, url = pg_servers
    engine = create_engine(url)
    stopped = Conversation(servers.rasa_url, f"e2e-pg-{uuid.uuid4().hex[:12]}")
    stopped.say("Hallo")
    stopped.say(STORY)
    assert stopped.say("ik wil stoppen")[:2] == ["utter_stop", "utter_come_back"]
    assert count_rows(engine, stopped.sender) == 0
    left = _at_consent(servers)  # no answer to the consent question
    purge_for(servers.settings, engine)
    assert count_rows(engine, left.sender) > 0
    purge_for(servers.settings, engine, now=time.time() + servers.settings.abandoned_conversation_hours * 3600 + 60)
    assert count_rows(engine, left.sender) == 0
