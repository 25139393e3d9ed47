"""The inbox's view of the notes: routing to teams, lists with filters, one note, status changes.

Shared by the HTML inbox (``bot/web/inbox``) and the JSON API (``bot/web/api.py``); both pass the
``Account`` of whoever asks, and this module decides what that account may see. A professional sees
the notes routed to their teams; nobody else sees notes at all.

Statuses: ``nieuw`` (delivered, nobody has it), ``opgepakt`` (assigned to a professional),
``afgerond`` (done, with a short remark). Notes still ``wachtrij`` (not yet delivered) are not shown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy import and_, case, delete, exists, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.accounts import audit
from bot.accounts.routing import Routing, label_key
from bot.accounts.tables import InboxLabelRow, InboxNoteRow, UserRow
from bot.accounts.users import Account
from bot.db import session_scope, utcnow
from bot.notes.model import Note
from bot.notes.tables import NoteRow

STATUS_NEW = "nieuw"
STATUS_PICKED_UP = "opgepakt"
STATUS_DONE = "afgerond"
STATUSES = (STATUS_NEW, STATUS_PICKED_UP, STATUS_DONE)
STATUS_NAMES = {STATUS_NEW: "Nieuw", STATUS_PICKED_UP: "Opgepakt", STATUS_DONE: "Afgerond"}
OPEN = "open"  # filter value: nieuw and opgepakt
ALL = "alle"
NOTE_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
MAX_REMARK = 500
MAX_SEARCH = 40


class Refused(Exception):
    """The account may not do this (the web answers 403)."""


class NotFound(Exception):
    """No such note, or not one this account may see (the web answers 404)."""


class Conflict(Exception):
    """The note is not in a state that allows this; ``reason`` is a key for a Dutch message."""

    def __init__(self, reason: str, who: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.who = who


def note_from_row(row: NoteRow) -> Note:
    from bot.notes.store import note_from_row as from_row  # the store's own reading of a row

    return from_row(row)


def _facts(row: NoteRow, routing: Routing) -> tuple[str, list[str], bool]:
    """Team, label keys and whether contact details are present, from the stored note."""
    body = json.loads(row.body)
    labels: list[str] = []
    for theme in (body.get("sections") or {}).get("themes") or []:
        key = label_key(str(theme.get("label", "")))
        if key and key not in labels:
            labels.append(key)
    contact = body.get("contact") or {}
    has_contact = not row.anonymous and bool(contact.get("phone") or contact.get("email"))
    return routing.team_for(labels), labels, has_contact


def sync(engine: Engine, routing: Routing) -> int:
    """Give every delivered note its inbox facts; re-route unassigned new notes when routing changed.

    Cheap when there is nothing to do (one anti-join); called before every list and by the purge job.
    """
    changed = 0
    with session_scope(engine) as session:
        missing = session.execute(
            select(NoteRow).outerjoin(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .where(InboxNoteRow.note_id.is_(None), NoteRow.status.in_(STATUSES))
        ).scalars().all()
        stale = session.execute(
            select(InboxNoteRow, NoteRow).join(NoteRow, NoteRow.id == InboxNoteRow.note_id)
            .where(InboxNoteRow.routing_version != routing.version)
        ).all()
    if missing:
        try:  # usually one transaction for all; one by one when another request was quicker
            changed += _index(engine, routing, missing)
        except IntegrityError:
            for row in missing:
                try:
                    changed += _index(engine, routing, [row])
                except IntegrityError:
                    pass  # another request indexed it first, or the note was deleted meanwhile
    if stale:
        with session_scope(engine) as session:
            for inbox_row, note_row in stale:
                team, labels, _ = _facts(note_row, routing)
                values: dict = {"routing_version": routing.version, "labels": ",".join(labels)}
                # Only a new, unassigned note moves; a note somebody works on stays where it is. The status
                # is checked in the UPDATE itself, so a pick-up meanwhile is respected.
                session.execute(update(InboxNoteRow).where(InboxNoteRow.note_id == inbox_row.note_id)
                                .values(**values))
                session.execute(update(InboxNoteRow).where(
                    InboxNoteRow.note_id == inbox_row.note_id, InboxNoteRow.assigned_to.is_(None),
                    exists().where(and_(NoteRow.id == InboxNoteRow.note_id, NoteRow.status == STATUS_NEW)),
                ).values(team=team).execution_options(synchronize_session=False))
                session.execute(delete(InboxLabelRow).where(InboxLabelRow.note_id == inbox_row.note_id))
                session.add_all(InboxLabelRow(note_id=inbox_row.note_id, label=label) for label in labels)
        changed += len(stale)
    return changed


def _index(engine: Engine, routing: Routing, rows: list[NoteRow]) -> int:
    with session_scope(engine) as session:
        for row in rows:
            team, labels, has_contact = _facts(row, routing)
            session.add(InboxNoteRow(note_id=row.id, team=team, labels=",".join(labels), has_contact=has_contact,
                                     routing_version=routing.version))
            session.add_all(InboxLabelRow(note_id=row.id, label=label) for label in labels)
    return len(rows)


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
        if status not in (OPEN, ALL, *STATUSES):
            raise ValueError("Kies een status uit de lijst.")
        urgent_text = (query.get("urgent") or "").strip()
        if urgent_text not in ("", "ja", "nee", "true", "false"):
            raise ValueError("Kies bij urgentie ja of nee.")
        urgent = None if not urgent_text else urgent_text in ("ja", "true")
        reference = (query.get("reference") or query.get("kenmerk") or "").replace("\x00", "").strip()
        if len(reference) > MAX_SEARCH:
            raise ValueError(f"Een kenmerk heeft hooguit {MAX_SEARCH} tekens.")
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
        query = query.where(NoteRow.status.in_((STATUS_NEW, STATUS_PICKED_UP)))
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


def change_status(engine: Engine, settings_retention_days: int, account: Account, note_id: str, status: str,
                  remark: str = "", *, via: str = "web", ip: str | None = None) -> NoteView:
    """Move a note: ``opgepakt`` (pick up, assigns it to me), ``nieuw`` (hand back), ``afgerond`` (done).

    Raises Refused, NotFound, Conflict, or ValueError (a Dutch message) for a wrong remark.
    """
    view = get_note(engine, account, note_id)
    current = view.summary.status
    now = utcnow()
    remark = (remark or "").replace("\x00", "").strip()
    keep_until = now + dt.timedelta(days=settings_retention_days)
    with session_scope(engine) as session:
        note_row = session.get(NoteRow, note_id)
        inbox_row = session.get(InboxNoteRow, note_id)
        if note_row is None or inbox_row is None:
            raise NotFound()
        if status == STATUS_PICKED_UP:
            if current == STATUS_PICKED_UP and inbox_row.assigned_to == account.id:
                return view
            if current != STATUS_NEW:
                raise Conflict("picked_up" if current == STATUS_PICKED_UP else "done", view.summary.assigned_to)
            values = {"status": STATUS_PICKED_UP}
            # Nobody loses a note they are working on to the retention job.
            if note_row.retention_until < keep_until:
                values["retention_until"] = keep_until
            if not _move(session, note_id, STATUS_NEW, values):
                raise Conflict("changed")
            inbox_row.assigned_to, inbox_row.picked_up_at = account.id, now
            action = "note.pick_up"
        elif status == STATUS_NEW:
            if current == STATUS_NEW:
                return view
            if current != STATUS_PICKED_UP:
                raise Conflict("done")
            if not _move(session, note_id, STATUS_PICKED_UP, {"status": STATUS_NEW}):
                raise Conflict("changed")
            inbox_row.assigned_to, inbox_row.picked_up_at = None, None
            action = "note.hand_back"
        elif status == STATUS_DONE:
            if not remark:
                raise ValueError("Schrijf een korte opmerking bij het afronden.")
            if len(remark) > MAX_REMARK:
                raise ValueError(f"De opmerking mag hooguit {MAX_REMARK} tekens hebben.")
            if current != STATUS_PICKED_UP:
                raise Conflict("done" if current == STATUS_DONE else "not_picked_up")
            if inbox_row.assigned_to != account.id:
                raise Conflict("picked_up", view.summary.assigned_to)
            # Kept for the retention period after it is done (the note's privacy line tells the date).
            if not _move(session, note_id, STATUS_PICKED_UP, {"status": STATUS_DONE, "retention_until": keep_until}):
                raise Conflict("changed")
            inbox_row.done_at, inbox_row.done_remark = now, remark
            action = "note.done"
        else:
            raise ValueError("Onbekende status.")
        audit.record(session, actor=account.name, via=via, action=action, note_id=note_id,
                     reference=view.summary.reference, detail=f"{current} -> {status}", ip=ip)
    return get_note(engine, account, note_id)


def _move(session, note_id: str, expected: str, values: dict) -> bool:
    """Compare-and-set on the note's status, so two people cannot both pick it up."""
    result = session.execute(update(NoteRow).where(NoteRow.id == note_id, NoteRow.status == expected).values(**values))
    return result.rowcount == 1


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


__all__ = ["ALL", "OPEN", "STATUSES", "STATUS_NAMES", "Conflict", "Filters", "NoteSummary", "NoteView",
           "NotFound", "Refused", "change_status", "counts", "get_note", "labels_in_use", "list_notes",
           "note_from_row", "sync"]
