"""Rasa's response generator over the text store, with Rasa's own domain and tracker classes and a
real database: edits are used for the next message, conditions, {slots} and buttons behave as in
the trained domain, and a database that goes away mid-conversation means the domain's text."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.config import ROOT
from bot.db import init_db
from bot.texts import live, store
from bot.texts.nlg import TextStoreNLG
from tests.notes import pg

QUESTION = "utter_ask_what_was_tried"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def make_nlg(url: str, domain: Domain) -> TextStoreNLG:
    nlg = TextStoreNLG(EndpointConfig(type="bot.texts.nlg.TextStoreNLG", database_url=url), domain)
    nlg.texts.interval = 0  # look at the version on every message (the default: every 0.25 s)
    nlg.texts.expire()
    return nlg


def tracker(domain: Domain, **slots: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", [SlotSet(k, v) for k, v in slots.items()], slots=domain.slots)


def say(nlg: TextStoreNLG, name: str, state: DialogueStateTracker) -> dict:
    return asyncio.run(nlg.generate(name, state, "rest"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'naast.db'}"
    init_db(url).dispose()
    return url


def test_the_next_message_uses_the_published_edit(sqlite_url: str, domain: Domain) -> None:
    nlg = make_nlg(sqlite_url, domain)
    state = tracker(domain, about_other=False)
    assert say(nlg, QUESTION, state)["text"] in {v["text"] for v in domain.responses[QUESTION]}
    engine = init_db(sqlite_url)
    shipped = [dict(v) for v in domain.responses[QUESTION]]
    edited = [shipped[0], {"text": "Wat heeft u al geprobeerd?", "buttons": shipped[1]["buttons"]}]
    store.publish(engine, QUESTION, edited, actor="eva", via="web")
    message = say(nlg, QUESTION, state)
    assert message["text"] == "Wat heeft u al geprobeerd?"
    assert [b["title"] for b in message["buttons"]] == ["Ik weet het niet", "Ik wil een mens spreken"]
    # The condition of the shipped variation still decides: telling for someone else.
    other = say(nlg, QUESTION, tracker(domain, about_other=True, person="uw vader"))
    assert other["text"] == "Wat is er al geprobeerd, door uw vader, door u of door anderen?"
    engine.dispose()


def test_slots_are_filled_in_an_edit(sqlite_url: str, domain: Domain) -> None:
    engine = init_db(sqlite_url)
    store.publish(engine, "utter_human_contact", [{"text": "Bel de gemeente op {municipality_phone}."}],
                  actor="eva", via="api")
    message = say(make_nlg(sqlite_url, domain), "utter_human_contact", tracker(domain, municipality_phone="14 030"))
    assert message["text"] == "Bel de gemeente op 14 030."
    engine.dispose()


def test_only_names_of_the_trained_domain(sqlite_url: str, domain: Domain) -> None:
    trained_without = Domain.from_dict({"responses": {"utter_greet_back": [{"text": "Hallo."}]}})
    nlg = make_nlg(sqlite_url, trained_without)
    assert say(nlg, "utter_continue_here", tracker(domain)) is None
    assert say(nlg, "utter_greet_back", tracker(domain))["text"] == "Hallo."


@pytest.fixture
def own_postgres() -> Iterator[pg.PgServer]:
    """A PostgreSQL of this test alone: it is stopped halfway."""
    server = pg.start()
    try:
        yield server
    finally:
        pg.stop(server)


def test_a_database_that_goes_away_means_the_domain_text(own_postgres: pg.PgServer, domain: Domain) -> None:
    url = own_postgres.url()
    engine = init_db(url)
    store.publish(engine, "utter_continue_here", [{"text": "Prima. Dan gaan we hier verder."}], actor="eva",
                  via="web")
    engine.dispose()
    nlg = make_nlg(url, domain)
    state = tracker(domain)
    assert say(nlg, "utter_continue_here", state)["text"] == "Prima. Dan gaan we hier verder."
    own_postgres.run("pg_ctl", "-D", str(own_postgres.datadir), "-m", "immediate", "-w", "stop")
    nlg.texts.expire()  # the next message looks again
    assert say(nlg, "utter_continue_here", state)["text"] == "Goed. Dan gaan we hier verder."
    assert live.shared(url) is nlg.texts
