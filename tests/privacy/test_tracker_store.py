"""Naast's tracker store and purge on Rasa's own ``events`` table, on SQLite and on a real PostgreSQL.

Rasa's ``SQLTrackerStore`` code runs as it does in the server (our subclass, Rasa's tables and queries);
only the dialogue around it is replaced by hand-made trackers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.privacy.conversations import count_rows, purge
from bot.privacy.tracker_store import PrivacyTrackerStore
from tests.notes import pg

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivacyTrackerStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        server: pg.PgServer = request.getfixturevalue("pg_server")
        pg.reset_schema(server)
        url = server.url()
    # Built the way Rasa builds a custom store from endpoints.yml (host=url, dialect as a keyword).
    built = PrivacyTrackerStore(host=url, domain=DOMAIN, dialect=url.split(":")[0].split("+")[0])
    yield built
    built.engine.dispose()


def _session(at: float, text: str, *slots: tuple[str, object]) -> list:
    events = [ActionExecuted("action_session_start", timestamp=at + 0.002), SessionStarted(timestamp=at + 0.001),
              ActionExecuted("action_listen", timestamp=at + 0.003),
              UserUttered(text, {"name": "tell", "confidence": 1.0}, timestamp=at + 0.004)]
    events += [SlotSet(name, value, timestamp=at + 0.005 + i / 1000) for i, (name, value) in enumerate(slots)]
    return events


async def _save(store: PrivacyTrackerStore, sender: str, events: list) -> DialogueStateTracker:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


async def test_closing_without_a_note_deletes_every_row(store: PrivacyTrackerStore) -> None:
    now = time.time()
    await _save(store, "a", _session(now, "Mijn buurvrouw is eenzaam."))
    await _save(store, "b", _session(now, "Iemand anders."))
    assert count_rows(store.engine, "a") > 0
    for reason in ("stopped",):
        await _save(store, "a", [SlotSet("conversation_closed", reason, timestamp=now + 1)])
    assert count_rows(store.engine, "a") == 0 and count_rows(store.engine, "b") > 0
    assert await store.retrieve("a") is None  # the next message starts an empty conversation


async def test_closing_after_a_note_keeps_it_and_a_later_close_keeps_the_notes_session(
        store: PrivacyTrackerStore) -> None:
    now = time.time()
    await _save(store, "c", _session(now, "Ik heb hulp nodig.", ("note_reference", "NST-AB12")))
    await _save(store, "c", [SlotSet("conversation_closed", "goodbye", timestamp=now + 1)])
    kept = count_rows(store.engine, "c")
    assert kept > 0  # the note's conversation follows the note's retention
    # Two hours later, a new session in the same tab that ends with a stop: only that session goes.
    await _save(store, "c", _session(now + 7200, "Nog iets anders."))
    assert count_rows(store.engine, "c") > kept
    await _save(store, "c", [SlotSet("conversation_closed", "stopped", timestamp=now + 7201)])
    assert count_rows(store.engine, "c") == kept
    rows = count_rows(store.engine, "c")
    await _save(store, "c", [SlotSet("conversation_closed", "wiped", timestamp=now + 7300)])
    assert rows > 0 and count_rows(store.engine, "c") == 0  # wiped: everything, note or not


async def test_purge_deletes_abandoned_after_hours_and_noted_after_retention(store: PrivacyTrackerStore) -> None:
    now = time.time()
    await _save(store, "left", _session(now, "Ik weet niet waar ik moet beginnen."))
    await _save(store, "noted", _session(now, "Ik wil hulp.", ("note_reference", "NST-CD34")))
    await _save(store, "fresh", _session(now + 20 * 3600, "Net begonnen."))
    result = purge(store.engine, abandoned_hours=24, retention_days=28, now=now + 23 * 3600)
    assert (result.abandoned, result.expired) == (0, 0)
    result = purge(store.engine, abandoned_hours=24, retention_days=28, now=now + 25 * 3600)
    assert (result.abandoned, result.expired) == (1, 0)
    assert count_rows(store.engine, "left") == 0 and count_rows(store.engine, "noted") > 0
    assert count_rows(store.engine, "fresh") > 0
    result = purge(store.engine, abandoned_hours=24, retention_days=28, now=now + 28 * DAY + 60)
    assert result.expired == 1 and count_rows(store.engine) == 0


async def test_reads_the_same_tracker_as_rasas_own_query(store: PrivacyTrackerStore) -> None:
    """The lighter read and count (data column only) give what Rasa's SQLTrackerStore gives."""
    from rasa.core.tracker_store import SQLTrackerStore

    tracker = DialogueStateTracker("two-sessions", DOMAIN.slots)
    for session in range(2):
        tracker.update(ActionExecuted("action_session_start", timestamp=1000.0 * (session + 1)))
        tracker.update(SessionStarted(timestamp=1000.0 * (session + 1) + 1))
        for turn in range(3):
            tracker.update(UserUttered(f"sessie {session} bericht {turn}", timestamp=1000.0 * (session + 1) + 2 + turn))
            tracker.update(SlotSet("situation", f"antwoord {turn}", timestamp=1000.0 * (session + 1) + 2.5 + turn))
        await store.save(tracker)
    for all_sessions in (False, True):
        ours = await store._retrieve("two-sessions", all_sessions)
        rasas = await SQLTrackerStore._retrieve(store, "two-sessions", all_sessions)
        assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
        texts = [e.text for e in ours.events if isinstance(e, UserUttered)]
        assert texts[-1] == "sessie 1 bericht 2"
        assert any(t.startswith("sessie 0") for t in texts) == all_sessions
    with store.session_scope() as session:
        tracker.update(UserUttered("nog niet opgeslagen", timestamp=3000.0))
        assert list(store._additional_events(session, tracker))[-1].text == "nog niet opgeslagen"
        assert (list(store._additional_events(session, tracker))
                == list(SQLTrackerStore._additional_events(store, session, tracker)))
