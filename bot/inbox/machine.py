"""The inbox's status machine: pick a note up, hand it back, mark it done.

``nieuw`` -> ``opgepakt`` (assigned to whoever picks it up) -> ``afgerond`` (with a short remark), and
``opgepakt`` -> ``nieuw`` (handed back). Each move is a compare-and-set on the note's status, so two
people cannot both pick a note up, and each is written to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.accounts import audit
from bot.accounts.users import Account
from bot.db import session_scope, utcnow
from bot.inbox.notes import NoteView, get_note
from bot.inbox.status import MAX_REMARK, STATUS_DONE, STATUS_NEW, STATUS_PICKED_UP, Conflict, NotFound
from bot.inbox.tables import InboxNoteRow
from bot.notes.tables import NoteRow
from bot.texts import live


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
                raise ValueError(live.text("inbox.action_error.no_remark", engine))
            if len(remark) > MAX_REMARK:
                raise ValueError(live.text("inbox.action_error.remark_too_long", engine, max=MAX_REMARK))
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
            raise ValueError(live.text("inbox.action_error.unknown_status", engine))
        audit.record(session, actor=account.name, via=via, action=action, note_id=note_id,
                     reference=view.summary.reference, detail=f"{current} -> {status}", ip=ip)
    return get_note(engine, account, note_id)


def _move(session, note_id: str, expected: str, values: dict) -> bool:
    """Compare-and-set on the note's status, so two people cannot both pick it up."""
    result = session.execute(update(NoteRow).where(NoteRow.id == note_id, NoteRow.status == expected).values(**values))
    return result.rowcount == 1
