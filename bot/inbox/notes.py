"""The inbox's view of the notes: lists with filters, one note, counts. Only reads.

Shared by the HTML inbox (``bot/web/inbox``) and the JSON API (``bot/web/api.py``); both pass the
``Account`` of whoever asks, and this module decides what that account may see. A professional sees
the notes routed to their teams; nobody else sees notes at all.

Statuses (bot/inbox/status.py): ``nieuw`` (delivered, nobody has it), ``opgepakt`` (assigned to a
professional), ``afgerond`` (done, with a short remark). Notes still ``wachtrij`` are not shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.engine import Engine

from bot.accounts.tables import UserRow
from bot.accounts.users import Account
from bot.db import session_scope
from bot.inbox.status import (
    ALL,
    FILTER_STATUSES,
    MAX_SEARCH,
    NOTE_ID,
    OPEN,
    OPEN_STATUSES,
    STATUS_DONE,
    STATUSES,
    NotFound,
    Refused,
)
from bot.inbox.tables import InboxLabelRow, InboxNoteRow
from bot.notes.model import Note
from bot.notes.tables import NoteRow
from bot.texts import live


def note_from_row(row: NoteRow) -> Note:
    from bot.notes.store import note_from_row as from_row  # the store's own reading of a row

    return from_row(row)


@dataclass(frozen=True)
class Filters:
    status: str = OPEN  # open | alle | nieuw | opgepakt | afgerond
    team: str = ""
    label: str = ""
    urgent: bool | None = None
    reference: str = ""
    mine: bool = False

    @classmethod
    def parse(cls, query: dict[str, str], *, default_status: str = OPEN) -> Filters:
        """Filters from a query string; raises ValueError with a Dutch message on a wrong value."""
        status = (query.get("status") or default_status).strip()
        if status not in FILTER_STATUSES:
            raise ValueError(live.text("inbox.filter_error.status"))
        urgent_text = (query.get("urgent") or "").strip()
        if urgent_text not in ("", "ja", "nee", "true", "false"):
            raise ValueError(live.text("inbox.filter_error.urgent"))
        urgent = None if not urgent_text else urgent_text in ("ja", "true")
        reference = (query.get("reference") or query.get("kenmerk") or "").replace("\x00", "").strip()
        if len(reference) > MAX_SEARCH:
            raise ValueError(live.text("inbox.filter_error.reference_too_long", max=MAX_SEARCH))
        team = (query.get("team") or "").strip()[:64]
        label = (query.get("label") or "").strip()[:64]
        mine = (query.get("mine") or query.get("van_mij") or "") in ("1", "ja", "true")
        return cls(status, team, label, urgent, reference, mine)


@dataclass(frozen=True)
class NoteSummary:
    id: str
    reference: str
    created_at: dt.datetime
    status: str
    urgent: bool
    anonymous: bool
    has_contact: bool
    labels: tuple[str, ...]
    team: str
    assigned_to: str | None
    picked_up_at: dt.datetime | None
    done_at: dt.datetime | None


@dataclass(frozen=True)
class NoteView:
    note: Note
    summary: NoteSummary
    done_remark: str | None = None
    mine: bool = False

    def inbox_dict(self) -> dict:
        s = self.summary
        return {
            "team": s.team, "labels": list(s.labels), "has_contact": s.has_contact, "assigned_to": s.assigned_to,
            "picked_up_at": s.picked_up_at.isoformat() if s.picked_up_at else None,
            "done_at": s.done_at.isoformat() if s.done_at else None, "done_remark": self.done_remark,
        }


def _require_reader(account: Account) -> None:
    if not account.reads_notes:
        raise Refused()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_COLUMNS = (NoteRow.id, NoteRow.reference, NoteRow.created_at, NoteRow.status, NoteRow.urgent, NoteRow.anonymous,
            InboxNoteRow.has_contact, InboxNoteRow.labels, InboxNoteRow.team, UserRow.name,
            InboxNoteRow.picked_up_at, InboxNoteRow.done_at)


def _summary(values: tuple) -> NoteSummary:
    (note_id, reference, created_at, status, urgent, anonymous, has_contact, labels, team, assigned,
     picked_up_at, done_at) = values
    return NoteSummary(note_id, reference, created_at, status, bool(urgent), bool(anonymous), bool(has_contact),
                       tuple(label for label in (labels or "").split(",") if label), team, assigned,
                       picked_up_at, done_at)


def _base_query(account: Account):
    return (select(*_COLUMNS).join(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .outerjoin(UserRow, UserRow.id == InboxNoteRow.assigned_to)
            .where(NoteRow.status.in_(STATUSES), InboxNoteRow.team.in_(account.teams or ("",))))


def list_notes(engine: Engine, account: Account, filters: Filters, *, page: int = 1,
               per_page: int = 50) -> tuple[list[NoteSummary], int]:
    """The notes this account may see, urgent open notes first, then newest first."""
    _require_reader(account)
    query = _base_query(account)
    if filters.status == OPEN:
        query = query.where(NoteRow.status.in_(OPEN_STATUSES))
    elif filters.status in STATUSES:
        query = query.where(NoteRow.status == filters.status)
    if filters.team:
        query = query.where(InboxNoteRow.team == filters.team)
    if filters.label:
        query = query.where(exists().where(and_(InboxLabelRow.note_id == NoteRow.id,
                                                InboxLabelRow.label == filters.label)))
    if filters.urgent is not None:
        query = query.where(NoteRow.urgent.is_(filters.urgent))
    if filters.reference:
        query = query.where(func.upper(NoteRow.reference).like(f"%{_escape_like(filters.reference.upper())}%",
                                                               escape="\\"))
    if filters.mine:
        query = query.where(InboxNoteRow.assigned_to == account.id)
    urgent_open = case((and_(NoteRow.urgent.is_(True), NoteRow.status != STATUS_DONE), 0), else_=1)
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(urgent_open, NoteRow.created_at.desc(), NoteRow.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return [_summary(tuple(row)) for row in rows], total


def labels_in_use(engine: Engine, account: Account) -> list[str]:
    """The label keys on notes this account may see (for the label filter)."""
    _require_reader(account)
    with session_scope(engine) as session:
        return sorted(session.execute(
            select(InboxLabelRow.label).distinct().join(InboxNoteRow, InboxNoteRow.note_id == InboxLabelRow.note_id)
            .where(InboxNoteRow.team.in_(account.teams or ("",)))
        ).scalars())


def get_note(engine: Engine, account: Account, note_id: str) -> NoteView:
    """One note this account may see; NotFound for an unknown note or another team's note."""
    _require_reader(account)
    if not NOTE_ID.match(note_id or ""):
        raise NotFound()
    with session_scope(engine) as session:
        found = session.execute(
            select(NoteRow, *_COLUMNS[6:], InboxNoteRow.done_remark, InboxNoteRow.assigned_to)
            .join(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .outerjoin(UserRow, UserRow.id == InboxNoteRow.assigned_to)
            .where(NoteRow.id == note_id, NoteRow.status.in_(STATUSES),
                   InboxNoteRow.team.in_(account.teams or ("",)))
        ).first()
    if found is None:
        raise NotFound()
    row, *rest = found
    done_remark, assigned_id = rest[-2], rest[-1]
    summary = _summary((row.id, row.reference, row.created_at, row.status, row.urgent, row.anonymous, *rest[:-2]))
    return NoteView(note_from_row(row), summary, done_remark, assigned_id == account.id)


def get_notes(engine: Engine, account: Account, note_ids: list[str]) -> list[NoteView]:
    """Several notes this account may see, in the order of ``note_ids`` (one query; for API pages)."""
    _require_reader(account)
    if not note_ids:
        return []
    with session_scope(engine) as session:
        found = session.execute(
            select(NoteRow, *_COLUMNS[6:], InboxNoteRow.done_remark, InboxNoteRow.assigned_to)
            .join(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .outerjoin(UserRow, UserRow.id == InboxNoteRow.assigned_to)
            .where(NoteRow.id.in_(note_ids), NoteRow.status.in_(STATUSES),
                   InboxNoteRow.team.in_(account.teams or ("",)))
        ).all()
    views = {}
    for row, *rest in found:
        done_remark, assigned_id = rest[-2], rest[-1]
        summary = _summary((row.id, row.reference, row.created_at, row.status, row.urgent, row.anonymous,
                            *rest[:-2]))
        views[row.id] = NoteView(note_from_row(row), summary, done_remark, assigned_id == account.id)
    return [views[note_id] for note_id in note_ids if note_id in views]


def counts(engine: Engine, account: Account) -> dict[str, int]:
    """How many notes per status this account may see (for the page's overview line)."""
    _require_reader(account)
    with session_scope(engine) as session:
        rows = session.execute(
            select(NoteRow.status, func.count()).join(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .where(NoteRow.status.in_(STATUSES), InboxNoteRow.team.in_(account.teams or ("",)))
            .group_by(NoteRow.status)
        ).all()
    return {status: count for status, count in rows}


__all__ = ["ALL", "OPEN", "Filters", "NoteSummary", "NoteView", "counts", "get_note", "get_notes", "labels_in_use",
           "list_notes", "note_from_row"]
