"""The inbox as its own package: a note is indexed once, at delivery; reads never write; the retention
purge runs once per interval per deployment however many web replicas run it."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from bot.db import init_db, session_scope, utcnow
from bot.delivery.outbox import claim_due, deliver_to_inbox
from bot.inbox import index, retention
from bot.inbox import notes as inbox
from bot.inbox.routing import load_routing
from bot.inbox.tables import InboxNoteRow, JobRow
from bot.notes.model import STATUS_NEW
from bot.notes.store import NoteStore
from tests.inbox.factory import make_note, store_note


def _indexed(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(InboxNoteRow)).scalar_one()


def test_delivery_indexes_the_note_once_with_its_team(engine, settings, accounts) -> None:
    note = store_note(engine, labels=("finances",), delivered=False)
    assert _indexed(engine) == 0  # queued: not in the inbox, no facts
    now, routing = utcnow(), load_routing(settings.routing_file)
    [claimed] = claim_due(engine, now, limit=10, lease_s=600)  # the worker's own claim and delivery
    assert deliver_to_inbox(engine, claimed, now, routing)
    with session_scope(engine) as session:
        row = session.get(InboxNoteRow, note.id)
        assert (row.team, row.labels, row.has_contact) == ("schuldhulp", "finances", True)
    assert NoteStore(engine).get(note.id).status == STATUS_NEW
    assert not deliver_to_inbox(engine, claimed, now, routing)  # a repeat of the same claim changes nothing
    assert claim_due(engine, now, limit=10, lease_s=600) == []
    assert _indexed(engine) == 1
    items, total = inbox.list_notes(engine, accounts["anna"], inbox.Filters())
    assert total == 1 and items[0].team == "schuldhulp"


def test_reading_the_inbox_writes_nothing(engine, settings, accounts) -> None:
    # A delivered note without facts (as if delivered before indexing at delivery existed).
    note = NoteStore(engine).save(make_note(), consent=True)
    NoteStore(engine).set_status(note.id, STATUS_NEW)
    routing = load_routing(settings.routing_file)
    index.ensure_routed(engine, routing)
    inbox.list_notes(engine, accounts["anna"], inbox.Filters(status="alle"))
    assert _indexed(engine) == 0  # the reads did not index it ...
    assert index.index_missing(engine, routing) == 1  # ... the maintenance job does
    assert inbox.list_notes(engine, accounts["anna"], inbox.Filters(status="alle"))[1] == 1


def _claims(engine, callers: int, now: dt.datetime) -> list[bool]:
    results: list[bool] = []
    barrier = threading.Barrier(callers)

    def claim(number: int) -> None:
        barrier.wait()
        results.append(retention.claim_round(engine, "test", dt.timedelta(minutes=60), now, f"replica-{number}"))

    threads = [threading.Thread(target=claim, args=(number,)) for number in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _once_per_interval(engine) -> None:
    now = utcnow()
    assert sorted(_claims(engine, 4, now)) == [False, False, False, True]  # the first round ever
    assert sorted(_claims(engine, 4, now + dt.timedelta(minutes=30))) == [False] * 4  # within the interval
    assert sorted(_claims(engine, 4, now + dt.timedelta(minutes=61))) == [False, False, False, True]
    with session_scope(engine) as session:
        assert session.get(JobRow, "test").holder.startswith("replica-")


def test_the_purge_round_is_won_by_one_replica_sqlite(engine) -> None:
    _once_per_interval(engine)


def test_the_purge_round_is_won_by_one_replica_postgresql(pg_url) -> None:
    engine = init_db(pg_url)
    try:
        _once_per_interval(engine)
    finally:
        engine.dispose()


def test_maintain_purges_once_and_skips_in_the_other_replicas(engine, settings) -> None:
    expired = store_note(engine, created_at=utcnow() - dt.timedelta(days=200))
    first = retention.maintain(engine, settings)
    assert first is not None and first.notes == 1
    assert NoteStore(engine).get(expired.id) is None
    assert retention.maintain(engine, settings) is None  # another replica, same interval: skipped
    later = utcnow() + dt.timedelta(minutes=settings.purge_interval_minutes + 1)
    assert retention.maintain(engine, settings, now=later) is not None


def _imports(package: str) -> set[str]:
    import ast

    from bot.config import ROOT

    found: set[str] = set()
    for path in (ROOT / "bot" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_imports_go_one_way_notes_delivery_inbox() -> None:
    """channel -> Rasa -> actions -> notes store -> delivery -> inbox; accounts are used by the inbox."""
    def reaches(package: str, other: str) -> bool:
        return any(name == f"bot.{other}" or name.startswith(f"bot.{other}.") for name in _imports(package))

    assert not reaches("notes", "inbox")
    assert not reaches("accounts", "inbox") and not reaches("accounts", "delivery")
    assert not reaches("inbox", "delivery") and not reaches("inbox", "web")
    assert reaches("delivery", "inbox") and reaches("inbox", "accounts") and reaches("inbox", "notes")
