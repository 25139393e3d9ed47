"""Routing of notes to teams, the inbox's rules for status changes, and the retention purge."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from bot.accounts import users
from bot.accounts.tables import AuditRow
from bot.db import init_db, session_scope, utcnow
from bot.inbox import index, machine
from bot.inbox import notes as inbox
from bot.inbox.retention import purge
from bot.inbox.routing import RoutingError, label_key, load_routing, parse_routing
from bot.inbox.status import Conflict, NotFound, Refused
from bot.inbox.tables import InboxLabelRow, InboxNoteRow
from bot.notes.store import NoteStore
from bot.notes.tables import NoteRow, OutboxRow
from tests.inbox.conftest import PASSWORD
from tests.inbox.factory import store_note

TEAMS = {"wijkteam", "schuldhulp", "wmo", "jeugd"}


def test_routing_file_routes_labels_to_teams(settings) -> None:
    routing = load_routing(settings.routing_file)
    assert routing.team_for(["Opvoeding", "Financiën"]) == "jeugd"  # the first rule that matches
    assert routing.team_for(["Financiën"]) == "schuldhulp"
    assert routing.team_for(["finances"]) == "schuldhulp"  # a key works as well as a label
    assert routing.team_for(["Lichamelijke gezondheid"]) == "wmo"
    assert routing.team_for(["Huisvesting"]) == "wijkteam"
    assert routing.team_for([]) == "wijkteam"
    assert label_key("Algemene dagelijkse levensverrichtingen (ADL)") == "adl"


@pytest.mark.parametrize("data, message", [
    (None, "mapping"),
    ({"teams": {}, "default": "x"}, "teams"),
    ({"teams": {"a": "A"}, "default": "b"}, "default team"),
    ({"teams": {"a": "A"}, "default": "a", "rules": [{"labels": "finances", "team": "a"}]}, "rule 1"),
    ({"teams": {"a": "A"}, "default": "a", "rules": [{"labels": ["finances"], "team": "b"}]}, "rule 1 names team"),
])
def test_wrong_routing_is_explained(data, message) -> None:
    with pytest.raises(RoutingError, match=message):
        parse_routing(data)


def test_changed_routing_moves_only_unassigned_new_notes(engine, settings, accounts, tmp_path) -> None:
    routing = load_routing(settings.routing_file)
    waiting, taken = store_note(engine, labels=("housing",)), store_note(engine, labels=("housing",))
    machine.change_status(engine, 90, accounts["anna"], taken.id, "opgepakt")
    changed = parse_routing({"teams": dict(routing.teams), "default": "wijkteam",
                             "rules": [{"labels": ["housing"], "team": "wmo"}]})
    assert index.reroute(engine, changed) == 2
    with session_scope(engine) as session:
        teams = dict(session.execute(select(InboxNoteRow.note_id, InboxNoteRow.team)).all())
    assert teams == {waiting.id: "wmo", taken.id: "wijkteam"}
    assert index.reroute(engine, changed) == 0  # nothing left to do


def test_undelivered_notes_are_not_in_the_inbox(engine, settings, accounts) -> None:
    queued = store_note(engine, delivered=False)
    items, total = inbox.list_notes(engine, accounts["anna"], inbox.Filters(status="alle"))
    assert total == 0
    with pytest.raises(NotFound):
        inbox.get_note(engine, accounts["anna"], queued.id)


def test_only_professionals_read_notes(engine, settings, accounts) -> None:
    note = store_note(engine)
    for name in ("eva", "beheer"):
        with pytest.raises(Refused):
            inbox.list_notes(engine, accounts[name], inbox.Filters())
        with pytest.raises(Refused):
            inbox.get_note(engine, accounts[name], note.id)


def test_two_people_cannot_both_pick_up(engine, settings, accounts) -> None:
    note = store_note(engine)
    machine.change_status(engine, 90, accounts["anna"], note.id, "opgepakt")
    with pytest.raises(Conflict) as problem:
        machine.change_status(engine, 90, accounts["zaak"], note.id, "opgepakt")
    assert problem.value.reason == "picked_up" and problem.value.who == "anna"
    with pytest.raises(Conflict):
        machine.change_status(engine, 90, accounts["zaak"], note.id, "afgerond", "klaar")
    with pytest.raises(ValueError):
        machine.change_status(engine, 90, accounts["anna"], note.id, "afgerond", "x" * 501)


def test_retention_dates_follow_the_status(engine, settings, accounts) -> None:
    old = store_note(engine, created_at=utcnow() - dt.timedelta(days=80))
    view = machine.change_status(engine, 90, accounts["anna"], old.id, "opgepakt")
    assert view.note.retention_until > utcnow() + dt.timedelta(days=89)  # kept while someone works on it
    view = machine.change_status(engine, 30, accounts["anna"], old.id, "afgerond", "Klaar.")
    assert abs(view.note.retention_until - (utcnow() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)


def _rows_about(engine, note_id: str) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            "notes": session.execute(select(func.count()).select_from(NoteRow).where(NoteRow.id == note_id)).scalar(),
            "outbox": session.execute(select(func.count()).select_from(OutboxRow)
                                      .where(OutboxRow.note_id == note_id)).scalar(),
            "inbox_notes": session.execute(select(func.count()).select_from(InboxNoteRow)
                                           .where(InboxNoteRow.note_id == note_id)).scalar(),
            "inbox_note_labels": session.execute(select(func.count()).select_from(InboxLabelRow)
                                                 .where(InboxLabelRow.note_id == note_id)).scalar(),
        }


def _purge_leaves_nothing(engine, settings) -> None:
    teams = {"wijkteam", "schuldhulp", "wmo", "jeugd"}
    anna = users.add_user(engine, settings, "anna", "professional", PASSWORD, ("schuldhulp", "wijkteam"), teams)
    expired = store_note(engine, labels=("finances", "housing"), created_at=utcnow() - dt.timedelta(days=200))
    done = store_note(engine, labels=("finances",))
    kept = store_note(engine, labels=("finances",))
    machine.change_status(engine, 1, anna, done.id, "opgepakt")
    machine.change_status(engine, 1, anna, done.id, "afgerond", "Geholpen.")
    assert all(_rows_about(engine, expired.id).values())
    result = purge(engine, settings, now=utcnow() + dt.timedelta(days=2))
    assert result.notes == 2
    for note in (expired, done):
        assert _rows_about(engine, note.id) == {"notes": 0, "outbox": 0, "inbox_notes": 0, "inbox_note_labels": 0}
    assert NoteStore(engine).get(kept.id) is not None
    # No content of a purged note anywhere: search every text column of every table for its words.
    with session_scope(engine) as session:
        dump = " ".join(str(value) for table in ("notes", "outbox", "inbox_notes", "inbox_note_labels", "audit_log",
                                                 "users", "user_teams", "api_tokens", "login_failures")
                        for row in session.execute(text(f"SELECT * FROM {table}")) for value in row)
        assert "Geholpen" not in dump
        purge_rows = session.execute(select(AuditRow).where(AuditRow.action == "purge")).scalars().all()
    assert [row.detail for row in purge_rows] == ["2 notities verwijderd; 0 oude logregels verwijderd"]


def test_purge_leaves_nothing_behind_sqlite(engine, settings) -> None:
    _purge_leaves_nothing(engine, settings)


def test_purge_leaves_nothing_behind_postgresql(pg_url, settings) -> None:
    engine = init_db(pg_url)
    try:
        _purge_leaves_nothing(engine, settings)
    finally:
        engine.dispose()


def test_audit_entries_expire_on_their_own_clock(engine, settings) -> None:
    from bot.accounts import audit

    audit.record(engine, actor="anna", via="web", action="note.view", at=utcnow() - dt.timedelta(days=800))
    audit.record(engine, actor="anna", via="web", action="note.view")
    result = purge(engine, settings)
    assert result.audit_entries == 1
