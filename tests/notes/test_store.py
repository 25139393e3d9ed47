"""The notes store on SQLite and on a real PostgreSQL server (every test runs on both)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.db import Base, init_db, utcnow
from bot.delivery import configured_channels
from bot.notes import store as store_module
from bot.notes.handover import hand_over
from bot.notes.reference import ALPHABET, normalise_reference
from bot.notes.store import NoConsentError, NoteAlreadyStoredError, NoteStore
from bot.summariser import IntakeAnswers, summarise
from tests.notes.conftest import CONVERSATIONS, answers_of, make_settings

RICH = next(c for c in CONVERSATIONS if c["id"] == "schulden_lang")
ALL_CHANNELS = ["inbox", "email", "webhook"]


def rich_note(**kwargs: object):  # noqa: ANN201 - a Note
    return summarise(answers_of(RICH), **kwargs)  # type: ignore[arg-type]


def test_save_and_read_back(store: NoteStore) -> None:
    note = rich_note()
    saved = store.save(note, ALL_CHANNELS, consent=True)
    assert re.fullmatch(rf"NST-[{ALPHABET}]{{4}}", saved.reference or "")
    assert saved.status == "wachtrij" and saved.id == note.id
    assert store.get(note.id) == saved
    assert store.get_by_reference(saved.reference.lower().replace("-", " ")) == saved  # type: ignore[union-attr]
    assert store.get_by_reference("NST-0000") is None and store.get(str(uuid.uuid4())) is None
    outbox = store.outbox(note.id)
    assert [entry.channel for entry in outbox] == ["email", "inbox", "webhook"]
    assert all(entry.status == "pending" and entry.attempts == 0 for entry in outbox)
    assert store.list() == []  # not in the inbox before the inbox channel delivered it
    assert store.list(["wachtrij"]) == [saved]


def test_inbox_is_always_a_channel(store: NoteStore) -> None:
    saved = store.save(rich_note(), ["webhook"], consent=True)
    assert sorted(entry.channel for entry in store.outbox(saved.id)) == ["inbox", "webhook"]
    with pytest.raises(ValueError):
        store.save(rich_note(), ["fax"], consent=True)


@pytest.mark.parametrize("consent", [False, None])
def test_no_consent_leaves_nothing_in_naasts_tables(store: NoteStore, consent: bool | None) -> None:
    answers = IntakeAnswers.from_slots({**RICH["slots"], "consent": consent})
    settings = make_settings(smtp_host="127.0.0.1", team_mailbox="team@gemeente.example")
    with pytest.raises(NoConsentError):
        hand_over(answers, store, settings)
    with pytest.raises(NoConsentError):
        store.save(summarise(answers), ["inbox"], consent=consent)  # type: ignore[arg-type]
    assert store.count() == {"notes": 0, "outbox": 0}
    with store.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            # alembic_version and the text store's version counter hold no resident data.
            if table not in ("alembic_version", "text_store_version"):
                assert connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table


def test_consent_stores_one_note_with_its_outbox(store: NoteStore) -> None:
    settings = make_settings(smtp_host="127.0.0.1", team_mailbox="team@gemeente.example",
                             webhook_url="http://127.0.0.1:9/hook", webhook_secret="s" * 20)
    assert configured_channels(settings) == ALL_CHANNELS
    assert configured_channels(make_settings()) == ["inbox"]
    saved = hand_over(answers_of(RICH), store, settings)
    assert saved is not None and saved.reference
    assert store.count() == {"notes": 1, "outbox": 3}
    assert (saved.retention_until - saved.created_at).days == settings.retention_days


def test_the_same_conversation_handed_over_twice_is_one_note(store: NoteStore) -> None:
    """A replica that dies after storing the note but before saving the turn: the turn runs again."""
    settings = make_settings()
    first = hand_over(answers_of(RICH), store, settings, conversation="widget-1|1733000000.5")
    again = hand_over(answers_of(RICH), store, settings, conversation="widget-1|1733000000.5")
    assert again.id == first.id and again.reference == first.reference
    assert store.count() == {"notes": 1, "outbox": 1}
    other = hand_over(answers_of(RICH), store, settings, conversation="widget-1|1733999999.0")  # a new session
    assert other.id != first.id and store.count() == {"notes": 2, "outbox": 2}


def test_note_and_outbox_are_one_transaction(store: NoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = uuid.uuid4()
    monkeypatch.setattr(store_module.uuid, "uuid4", lambda: fixed)  # two outbox rows, one id: fails
    with pytest.raises(IntegrityError):
        store.save(rich_note(), ALL_CHANNELS, consent=True)
    assert store.count() == {"notes": 0, "outbox": 0}


def test_reference_collision_draws_a_new_one(store: NoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["NST-AAAA", "NST-AAAA", "NST-BBBB"])
    monkeypatch.setattr(store_module, "new_reference", lambda: next(drawn))
    first = store.save(rich_note(), consent=True)
    second = store.save(rich_note(), consent=True)
    assert (first.reference, second.reference) == ("NST-AAAA", "NST-BBBB")
    assert store.count() == {"notes": 2, "outbox": 2}


def test_the_same_note_is_stored_once(store: NoteStore) -> None:
    note = rich_note()
    store.save(note, consent=True)
    with pytest.raises(NoteAlreadyStoredError):
        store.save(note, consent=True)
    assert store.count() == {"notes": 1, "outbox": 1}


def test_inbox_list_urgent_first_then_newest(store: NoteStore) -> None:
    start = utcnow() - dt.timedelta(hours=3)
    old = store.save(summarise(IntakeAnswers(situation="Eerste."), now=start), consent=True)
    urgent = store.save(summarise(IntakeAnswers(situation="Dringend.", urgent=True),
                                  now=start + dt.timedelta(hours=1)), consent=True)
    new = store.save(summarise(IntakeAnswers(situation="Nieuwste."), now=start + dt.timedelta(hours=2)),
                     consent=True)
    for note in (old, urgent, new):
        assert store.set_status(note.id, "nieuw")
    assert [n.id for n in store.list()] == [urgent.id, new.id, old.id]
    assert store.set_status(new.id, "in_behandeling")
    assert [n.id for n in store.list(["nieuw"])] == [urgent.id, old.id]
    assert [n.id for n in store.list(limit=1, offset=1)] == [new.id]
    assert not store.set_status(str(uuid.uuid4()), "nieuw")


def test_migrations_match_the_models_and_rerun_safely(store: NoteStore) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    init_db(url).dispose()  # already at head: nothing to do, no error
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
        assert {"notes", "outbox", "alembic_version"} <= set(inspect(connection).get_table_names())


def test_processes_starting_together_migrate_one_at_a_time(db_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            init_db(db_url).dispose()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    engine = init_db(db_url)
    assert NoteStore(engine).count() == {"notes": 0, "outbox": 0}
    engine.dispose()


def test_sqlite_pragmas(sqlite_store: NoteStore) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_reference_normalisation() -> None:
    assert normalise_reference(" nst 7k3q ") == "NST-7K3Q"
    assert normalise_reference("NST7K3Q") == "NST-7K3Q"
    assert normalise_reference("NST-7K3O") is None  # O is not in the alphabet
    assert normalise_reference("hallo") is None
    assert not set("01ILO") & set(ALPHABET)



def test_missing_postgresql_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.notes import pg

    monkeypatch.setattr(pg.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(pg.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="make test"):  # a failure, never a skip
        pg.find_bindir()
