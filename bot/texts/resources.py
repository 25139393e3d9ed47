"""Crisis lines and the municipality's details: ``config/resources.yml`` plus editors' edits.

Each entry (``municipality`` and every key under ``resources:``) has the date it was last checked. An
editor changes a field or confirms the entry is still right (a new date); the newest edit of an entry
wins over the file, live for the next conversation (``bot.texts.live``), and the file stays the base.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_scope, utcnow
from bot.resources import load_resources
from bot.texts import live
from bot.texts.tables import ResourceEditRow, TextStoreVersionRow

# The fields an editor may change, with their Dutch labels (others, such as `when`, are for developers).
MUNICIPALITY_FIELDS = {
    "name": "Naam", "phone": "Telefoonnummer", "phone_hours": "Bereikbaar", "walk_in": "Adres om langs te komen",
    "walk_in_hours": "Open", "general_info_url": "Website", "privacy_url": "Privacyverklaring",
    "response_days": "Binnen hoeveel werkdagen er contact is",
}
RESOURCE_FIELDS = {"name": "Naam", "phone": "Telefoonnummer", "phone_free": "Gratis nummer", "chat": "Chat"}


class ResourceError(Exception):
    """A wrong edit, in Dutch for the editor."""


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    fields: dict[str, str]  # label key -> value
    labels: dict[str, str]
    checked: dt.date
    edited_by: str | None


def current_resources(source: live.Source = None) -> dict[str, Any]:
    """The resources file with the newest edit of each entry applied (the file alone without a database)."""
    data = copy.deepcopy(load_resources())
    snap = live.shared(source).snapshot()
    if snap is None:
        return data
    for key, (fields, checked) in snap.resources.items():
        target = data["municipality"] if key == "municipality" else data["resources"].get(key)
        if target is not None:
            target.update(fields)
            target["checked"] = checked
    return data


def _file_checked(data: dict[str, Any], key: str) -> dt.date:
    if key == "municipality":
        return data["municipality"].get("checked") or data["checked"]
    return data["resources"][key]["checked"]


def entries(engine: Engine) -> list[Entry]:
    data = load_resources()
    edits: dict[str, ResourceEditRow] = {}
    with session_scope(engine) as session:
        for row in session.execute(select(ResourceEditRow).order_by(ResourceEditRow.id)).scalars():
            edits[row.key] = row
    out = []
    for key in ["municipality", *data["resources"]]:
        source = data["municipality"] if key == "municipality" else data["resources"][key]
        labels = MUNICIPALITY_FIELDS if key == "municipality" else RESOURCE_FIELDS
        values = {f: str(source[f]) for f in labels if f in source}
        checked, by = _file_checked(data, key), None
        if key in edits:
            values.update(json.loads(edits[key].fields))
            checked, by = edits[key].checked, edits[key].actor
        title = "De gemeente" if key == "municipality" else str(values.get("name", key))
        out.append(Entry(key, title, values, {f: labels[f] for f in values}, checked, by))
    return out


def save(engine: Engine, key: str, values: dict[str, str], actor: str, today: dt.date | None = None) -> Entry:
    """Store the entry's fields as checked today (also when nothing changed: "still right")."""
    current = {e.key: e for e in entries(engine)}
    if key not in current:
        raise ResourceError("Dit gegeven bestaat niet.")
    entry = current[key]
    fields = {}
    for name in entry.fields:
        value = " ".join(str(values.get(name, entry.fields[name])).split())
        if not value:
            raise ResourceError(f"{entry.labels[name]} mag niet leeg zijn.")
        if len(value) > 200:
            raise ResourceError(f"{entry.labels[name]} is te lang (hoogstens 200 tekens).")
        fields[name] = value
    if key == "municipality" and not fields.get("response_days", "1").isdigit():
        raise ResourceError("Het aantal werkdagen is een getal, bijvoorbeeld 5.")
    with session_scope(engine) as session:
        session.add(ResourceEditRow(key=key, fields=json.dumps(fields, ensure_ascii=False),
                                    checked=today or dt.date.today(), actor=actor[:64], created_at=utcnow()))
        session.execute(TextStoreVersionRow.__table__.update().where(TextStoreVersionRow.id == 1)
                        .values(version=TextStoreVersionRow.version + 1))
    return {e.key: e for e in entries(engine)}[key]


def is_stale(entry: Entry, max_age_days: int, today: dt.date | None = None) -> bool:
    return ((today or dt.date.today()) - entry.checked).days > max_age_days
