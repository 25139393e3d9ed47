"""The text database goes away mid-conversation: the resident still gets the trained domain's text.

Its own Rasa and action server (no web app), with Naast's database on a PostgreSQL of this module
alone, which is stopped between two messages of one conversation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import init_db
from bot.processes import Servers
from bot.texts import store
from tests.conftest import MODEL
from tests.conversation import Conversation
from tests.notes import pg

EDITED_HELP = "Dat geeft niets. Een paar woorden is genoeg. U mag deze vraag ook overslaan."
EDITED_QUESTION = "Wat is voor u nu het belangrijkste?"


@pytest.fixture(scope="module")
def postgres() -> Iterator[pg.PgServer]:
    server = pg.start()
    try:
        yield server
    finally:
        pg.stop(server)


@pytest.fixture(scope="module")
def rasa_on_postgres(postgres: pg.PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")
    engine = init_db(postgres.url())
    shipped = store.current(engine, "utter_ask_what_matters").variations
    store.publish(engine, "utter_help_situation", [{"text": EDITED_HELP}], actor="test", via="cli")
    # The variations without a condition become the edited question; those for someone else stay.
    store.publish(engine, "utter_ask_what_matters",
                  [v for v in shipped if v.get("condition")] + [{"text": EDITED_QUESTION}], actor="test", via="cli")
    engine.dispose()
    workdir: Path = tmp_path_factory.mktemp("texts-db-down")
    servers = Servers(workdir=workdir, with_web=False, extra_env={"DATABASE_URL": postgres.url()}).start()
    yield servers
    servers.stop()


def test_the_resident_gets_the_domain_text_when_the_text_database_stops(
        rasa_on_postgres: Servers, postgres: pg.PgServer) -> None:
    chat = Conversation(rasa_on_postgres.rasa_url, f"down-{uuid.uuid4().hex}")
    assert "utter_ask_situation" in chat.say("hallo")
    chat.say("/dont_know")
    assert EDITED_HELP in chat.texts, chat.texts  # the database is up: the edit

    result = postgres.run("pg_ctl", "-D", str(postgres.datadir), "-m", "immediate", "-w", "stop")
    assert result.returncode == 0, result.stderr

    names = chat.say("/skip")
    assert "utter_ask_what_matters" in names, chat.texts  # the trained domain's question, not silence
    assert EDITED_QUESTION not in chat.texts
