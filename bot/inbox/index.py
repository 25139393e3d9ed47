"""The inbox's facts about a note (team, labels, contact present), made once when it is delivered.

``index_delivered`` runs inside the delivery worker's transaction that moves the note from
``wachtrij`` to ``nieuw`` (bot/delivery/outbox.py): a note is in the inbox exactly when it has its
facts, and reading the inbox never writes. ``reroute`` moves new, unassigned notes when
``config/routing.yml`` changed; ``index_missing`` indexes delivered notes that have no facts (notes
delivered before this was so). Both run in the deployment-wide maintenance job (bot/inbox/retention.py)
and at web start-up, not on reads.
"""

from __future__ import annotations

import json

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.inbox.routing import Routing, label_key
from bot.inbox.status import STATUS_NEW, STATUSES
from bot.inbox.tables import InboxLabelRow, InboxNoteRow
from bot.notes.tables import NoteRow


def facts(body_json: str, anonymous: bool, routing: Routing) -> tuple[str, list[str], bool]:
    """Team, label keys and whether contact details are present, from the stored note."""
    body = json.loads(body_json)
    labels: list[str] = []
    for theme in (body.get("sections") or {}).get("themes") or []:
        key = label_key(str(theme.get("label", "")))
        if key and key not in labels:
            labels.append(key)
    contact = body.get("contact") or {}
    has_contact = not anonymous and bool(contact.get("phone") or contact.get("email"))
    return routing.team_for(labels), labels, has_contact


def index_delivered(connection: Connection, note_id: str, routing: Routing) -> bool:
    """Give a just-delivered note its inbox facts, in the caller's transaction. False: it had them."""
    row = connection.execute(select(NoteRow.body, NoteRow.anonymous).where(NoteRow.id == note_id)).first()
    if row is None or connection.execute(select(InboxNoteRow.note_id)
                                         .where(InboxNoteRow.note_id == note_id)).first() is not None:
        return False
    team, labels, has_contact = facts(row.body, bool(row.anonymous), routing)
    connection.execute(InboxNoteRow.__table__.insert().values(
        note_id=note_id, team=team, labels=",".join(labels), has_contact=has_contact,
        routing_version=routing.version))
    if labels:
        connection.execute(InboxLabelRow.__table__.insert(), [{"note_id": note_id, "label": label} for label in labels])
    return True


def index_missing(engine: Engine, routing: Routing) -> int:
    """Index delivered notes without facts, one transaction each (a concurrent delivery may win)."""
    with engine.connect() as connection:
        missing = connection.execute(
            select(NoteRow.id).outerjoin(InboxNoteRow, InboxNoteRow.note_id == NoteRow.id)
            .where(InboxNoteRow.note_id.is_(None), NoteRow.status.in_(STATUSES))
        ).scalars().all()
    done = 0
    for note_id in missing:
        try:
            with engine.begin() as connection:
                done += index_delivered(connection, note_id, routing)
        except IntegrityError:
            pass  # indexed meanwhile by another process, or deleted
    return done


def reroute(engine: Engine, routing: Routing) -> int:
    """After a routing change: new labels for every note, a new team for new, unassigned notes only."""
    with engine.connect() as connection:
        stale = connection.execute(
            select(InboxNoteRow.note_id, NoteRow.body, NoteRow.anonymous)
            .join(NoteRow, NoteRow.id == InboxNoteRow.note_id)
            .where(InboxNoteRow.routing_version != routing.version)
        ).all()
    for note_id, body, anonymous in stale:
        team, labels, _ = facts(body, bool(anonymous), routing)
        with engine.begin() as connection:
            connection.execute(update(InboxNoteRow).where(InboxNoteRow.note_id == note_id)
                               .values(routing_version=routing.version, labels=",".join(labels)))
            # Only a new, unassigned note moves; a note somebody works on stays where it is. The status
            # is checked in the UPDATE itself, so a pick-up meanwhile is respected.
            connection.execute(update(InboxNoteRow).where(
                InboxNoteRow.note_id == note_id, InboxNoteRow.assigned_to.is_(None),
                exists().where(and_(NoteRow.id == InboxNoteRow.note_id, NoteRow.status == STATUS_NEW)),
            ).values(team=team))
            connection.execute(delete(InboxLabelRow).where(InboxLabelRow.note_id == note_id))
            if labels:
                connection.execute(InboxLabelRow.__table__.insert(),
                                   [{"note_id": note_id, "label": label} for label in labels])
    return len(stale)


def bring_up_to_date(engine: Engine, routing: Routing) -> int:
    """Both of the above: what the maintenance job and web start-up run."""
    return index_missing(engine, routing) + reroute(engine, routing)


# (database url, routing version) pairs this process has brought up to date: a read re-routes only
# the first time it sees a new routing file, never otherwise.
_routed: set[tuple[str, str]] = set()


def ensure_routed(engine: Engine, routing: Routing) -> None:
    """Re-route once per process when ``config/routing.yml`` changed (the inbox reads call this)."""
    key = (engine.url.render_as_string(hide_password=True), routing.version)
    if key not in _routed:
        reroute(engine, routing)
        _routed.add(key)
