"""The audit log: every view, status change, print and export of a note, every API call, every log-in.

An entry says who, what, when (and the note's id and reference); never what a note or a remark says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.accounts.tables import AuditRow
from bot.db import session_scope, utcnow

# Dutch descriptions for the admin's log page.
ACTIONS = {
    "note.list": "lijst bekeken",
    "note.view": "notitie bekeken",
    "note.print": "notitie afgedrukt",
    "note.export": "notitie als tekst gedownload",
    "note.pick_up": "notitie opgepakt",
    "note.hand_back": "notitie teruggegeven",
    "note.done": "notitie afgerond",
    "note.refused": "toegang tot notitie geweigerd",
    "api.list": "API: lijst opgevraagd",
    "api.view": "API: notitie opgevraagd",
    "api.status": "API: status gewijzigd",
    "api.denied": "API: geweigerd",
    "login.ok": "ingelogd",
    "login.failed": "inloggen mislukt",
    "login.locked": "inloggen geblokkeerd",
    "logout": "uitgelogd",
    "user.add": "account gemaakt",
    "user.disable": "account uitgezet",
    "user.enable": "account aangezet",
    "user.password": "wachtwoord gewijzigd",
    "user.teams": "teams gewijzigd",
    "user.unlock": "blokkade opgeheven",
    "token.create": "API-token gemaakt",
    "token.revoke": "API-token ingetrokken",
    "purge": "bewaartermijn: notities verwijderd",
    "audit.view": "logboek bekeken",
    "texts.publish": "tekst gepubliceerd",
    "texts.refused": "tekst geweigerd door de controle",
    "texts.rollback": "tekst teruggezet",
    "texts.word": "woord toegevoegd aan een woordenlijst",
    "resources.save": "hulplijn of gegeven nagekeken",
}


def record(
    target: Engine | Session,
    *,
    actor: str,
    via: str,
    action: str,
    note_id: str | None = None,
    reference: str | None = None,
    status_code: int | None = None,
    detail: str = "",
    ip: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    row = AuditRow(at=at or utcnow(), actor=(actor or "-")[:64], via=via[:8], action=action[:32],
                   note_id=note_id, reference=reference, status_code=status_code, detail=detail[:200],
                   ip=(ip or None) and ip[:64])
    if isinstance(target, Session):
        target.add(row)
        return
    with session_scope(target) as session:
        session.add(row)


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    via: str
    action: str
    reference: str | None
    status_code: int | None
    detail: str
    ip: str | None

    @property
    def description(self) -> str:
        return ACTIONS.get(self.action, self.action)


def list_entries(
    engine: Engine, *, page: int = 1, per_page: int = 50, actor: str = "", action: str = "", reference: str = ""
) -> tuple[list[AuditEntry], int]:
    query = select(AuditRow)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if action:
        query = query.where(AuditRow.action == action)
    if reference:
        query = query.where(AuditRow.reference == reference)
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(per_page).offset((page - 1) * per_page)
        ).scalars().all()
        entries = [AuditEntry(r.at, r.actor, r.via, r.action, r.reference, r.status_code, r.detail, r.ip)
                   for r in rows]
    return entries, total
