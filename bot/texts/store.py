"""The text store: the shipped base (``bot.texts.catalog``) plus edits in Naast's database.

One way to get a text: ``current(engine, name)`` (editor, API) and ``bot.texts.live`` (Rasa's NLG, the
notes, the web app) both read ``text_published`` over the catalogue. Every change is a revision (who,
when, via what, the variations before and after are the previous and this revision); a publish runs
the plain-language check first and is refused on a hard failure; a rollback publishes an earlier
revision (or the shipped base) again, as a new revision. Each change raises ``text_store_version`` in
the same transaction, which is what the Rasa processes watch.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import session_scope, utcnow
from bot.resources import load_resources
from bot.texts import check
from bot.texts.catalog import BaseText, load_catalog
from bot.texts.live import text as live_text
from bot.texts.tables import TextPublishedRow, TextRevisionRow, TextStoreVersionRow, WordListRow

MAX_VARIATIONS = 10
MAX_TEXT = 1000
MAX_BUTTONS = 8
MAX_TITLE = 80
MAX_PAYLOAD = 200
WORD_LISTS = ("official", "decision")
_WORD = re.compile(r"^[^\W\d_][\w' -]{0,78}[^\W_]$|^[^\W\d_]$")


class TextError(Exception):
    """A problem with a request, in Dutch for the editor."""


class UnknownText(TextError):
    pass


class Refused(TextError):
    """The check found a hard failure; ``report`` has every finding."""

    def __init__(self, report: check.Report) -> None:
        super().__init__("; ".join(f.message for f in report.blocking))
        self.report = report


class Conflict(TextError):
    """Someone else published this text since the editor opened it."""


@dataclass(frozen=True)
class TextView:
    base: BaseText
    variations: list[dict[str, Any]]
    revision_id: int  # 0: the shipped base

    @property
    def name(self) -> str:
        return self.base.name

    @property
    def edited(self) -> bool:
        return self.revision_id != 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.base.kind, "group": self.base.group, "usage": self.base.usage,
                "audience": self.base.audience, "language": self.base.language, "edited": self.edited,
                "revision": self.revision_id, "variations": self.variations,
                "placeholders": shipped_placeholders(self.base)}


def shipped_placeholders(base: BaseText) -> list[str]:
    """The {names} the shipped text uses (shown to editors; a response may also use any other slot)."""
    return sorted({p for v in base.variations for p in check.placeholders(v["text"])})


@dataclass(frozen=True)
class Revision:
    id: int
    name: str
    action: str
    rollback_of: int | None
    actor: str
    via: str
    created_at: dt.datetime
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]


# ------------------------------------------------------------------ reading
def version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(TextStoreVersionRow.version).where(TextStoreVersionRow.id == 1))
                   .scalar_one())


def published(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        rows = connection.execute(select(TextPublishedRow.name, TextPublishedRow.variations)).all()
    return {name: json.loads(variations) for name, variations in rows}


def _base(name: str) -> BaseText:
    catalog = load_catalog()
    if name not in catalog:
        raise UnknownText(f"Er is geen tekst met de naam {name!r}.")
    return catalog[name]


def current(engine: Engine, name: str) -> TextView:
    base = _base(name)
    with session_scope(engine) as session:
        row = session.get(TextPublishedRow, name)
        if row is None:
            return TextView(base, [dict(v) for v in base.variations], 0)
        return TextView(base, json.loads(row.variations), row.revision_id)


def list_texts(engine: Engine) -> list[TextView]:
    with session_scope(engine) as session:
        rows = {r.name: r for r in session.execute(select(TextPublishedRow)).scalars()}
    views = []
    for base in load_catalog().texts.values():
        row = rows.get(base.name)
        views.append(TextView(base, json.loads(row.variations), row.revision_id) if row
                     else TextView(base, [dict(v) for v in base.variations], 0))
    return views


# ------------------------------------------------------------------ word lists and rules
def words(engine: Engine, list_name: str) -> tuple[str, ...]:
    """The shipped list plus the words editors added."""
    shipped = check.official_words() if list_name == "official" else check.decision_words()
    with session_scope(engine) as session:
        added = session.execute(select(WordListRow.word).where(WordListRow.list_name == list_name)
                                .order_by(WordListRow.word)).scalars().all()
    return tuple(dict.fromkeys([*shipped, *added]))


def added_words(engine: Engine, list_name: str) -> list[str]:
    with session_scope(engine) as session:
        return list(session.execute(select(WordListRow.word).where(WordListRow.list_name == list_name)
                                    .order_by(WordListRow.word)).scalars())


def add_word(engine: Engine, list_name: str, word: str, actor: str) -> str:
    if list_name not in WORD_LISTS:
        raise TextError("Deze woordenlijst bestaat niet.")
    word = " ".join(word.lower().split())
    if not _WORD.match(word):
        raise TextError("Schrijf één woord of een paar woorden, met alleen letters (hoogstens 80 tekens).")
    if word in words(engine, list_name):
        raise TextError(f"„{word}” staat al op de lijst.")
    with session_scope(engine) as session:
        session.add(WordListRow(list_name=list_name, word=word, actor=actor, created_at=utcnow()))
    return word


def crisis_numbers(signal: str | None, data: dict[str, Any]) -> tuple[str, ...]:
    """The phone number of the first resource shown for this safety signal (``resources``: config/resources.yml,
    with edits from ``bot.texts.resources.current_resources``)."""
    if not signal:
        return ()
    keys = data["signals"].get(signal, [])
    return (str(data["resources"][keys[0]]["phone"]),) if keys else ()


def rules_for(engine: Engine, base: BaseText) -> check.Rules:
    from bot.texts.resources import current_resources  # imports bot.texts.live, which needs no store

    return check.Rules(language=base.language, resident=base.audience == "resident", placeholders=base.placeholders,
                       numbers=crisis_numbers(base.crisis, current_resources(engine)),
                       official=words(engine, "official"),
                       decision=words(engine, "decision"))


# ------------------------------------------------------------------ writing
def normalise(base: BaseText, raw: Any) -> list[dict[str, Any]]:
    """The variations from a form or an API body, checked for shape (TextError in Dutch)."""
    if not isinstance(raw, list) or not raw:
        raise TextError("Geef minstens één variant, elk met een tekst.")
    if len(raw) > (MAX_VARIATIONS if base.is_response else 1):
        raise TextError("Deze tekst heeft precies één variant." if not base.is_response
                        else f"Hoogstens {MAX_VARIATIONS} varianten.")
    conditions = {json.dumps(v.get("condition"), sort_keys=True) for v in base.variations}
    variations = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or set(item) - {"text", "buttons",
                                                                                              "condition"}:
            raise TextError("Elke variant is een object met een tekst (text) en eventueel knoppen (buttons).")
        text = item["text"].replace("\r\n", "\n").strip()
        if len(text) > MAX_TEXT:
            raise TextError(f"Een tekst is hoogstens {MAX_TEXT} tekens.")
        variation: dict[str, Any] = {"text": text}
        buttons = item.get("buttons") or []
        if buttons and not base.is_response:
            raise TextError("Deze tekst kan geen knoppen hebben.")
        if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
            raise TextError(f"Hoogstens {MAX_BUTTONS} knoppen.")
        clean_buttons = []
        for button in buttons:
            if (not isinstance(button, dict) or not isinstance(button.get("title"), str)
                    or not isinstance(button.get("payload"), str) or set(button) - {"title", "payload"}):
                raise TextError("Elke knop heeft een tekst (title) en een waarde (payload).")
            title, payload = button["title"].strip(), button["payload"].strip()
            if len(title) > MAX_TITLE or len(payload) > MAX_PAYLOAD or not payload:
                raise TextError(f"Een knoptekst is hoogstens {MAX_TITLE} tekens; de waarde mag niet leeg zijn.")
            clean_buttons.append({"title": title, "payload": payload})
        if clean_buttons:
            variation["buttons"] = clean_buttons
        if item.get("condition") is not None:
            # Conditions decide which residents see a variation (e.g. telling for someone else): an
            # editor keeps the shipped ones, never invents new ones (that needs a developer and a retrain).
            if json.dumps(item["condition"], sort_keys=True) not in conditions:
                raise TextError("Een variant heeft een voorwaarde die deze tekst niet kent.")
            variation["condition"] = item["condition"]
        variations.append(variation)
    return variations


def check_variations(engine: Engine, name: str, raw: Any) -> tuple[list[dict[str, Any]], check.Report]:
    base = _base(name)
    variations = normalise(base, raw)
    return variations, check.check(variations, rules_for(engine, base))


def _bump(session: Any) -> None:
    session.execute(update(TextStoreVersionRow).where(TextStoreVersionRow.id == 1)
                    .values(version=TextStoreVersionRow.version + 1))


def _write(engine: Engine, name: str, variations: list[dict[str, Any]], *, action: str, actor: str, via: str,
           rollback_of: int | None = None, expected_revision: int | None = None) -> TextView:
    base = _base(name)
    with session_scope(engine) as session:
        row = session.get(TextPublishedRow, name, with_for_update=True)
        live = row.revision_id if row else 0
        if expected_revision is not None and expected_revision != live:
            raise Conflict(live_text("editor.texts.conflict", engine))
        revision = TextRevisionRow(name=name, variations=json.dumps(variations, ensure_ascii=False), action=action,
                                   rollback_of=rollback_of, actor=actor[:64], via=via, created_at=utcnow())
        session.add(revision)
        session.flush()
        if row is None:
            session.add(TextPublishedRow(name=name, revision_id=revision.id, variations=revision.variations))
        else:
            row.revision_id, row.variations = revision.id, revision.variations
        _bump(session)
        return TextView(base, variations, revision.id)


def publish(engine: Engine, name: str, raw: Any, *, actor: str, via: str,
            expected_revision: int | None = None) -> tuple[TextView, check.Report]:
    """Check and publish; Refused (with the report) on a hard failure."""
    variations, report = check_variations(engine, name, raw)
    if not report.ok:
        raise Refused(report)
    view = _write(engine, name, variations, action="publish", actor=actor, via=via,
                  expected_revision=expected_revision)
    return view, report


def history(engine: Engine, name: str) -> list[Revision]:
    """Every change of the text, newest first, each with the variations before and after."""
    base = _base(name)
    with session_scope(engine) as session:
        rows = session.execute(select(TextRevisionRow).where(TextRevisionRow.name == name)
                               .order_by(TextRevisionRow.id)).scalars().all()
    before = [dict(v) for v in base.variations]
    revisions = []
    for row in rows:
        after = json.loads(row.variations)
        revisions.append(Revision(row.id, name, row.action, row.rollback_of, row.actor, row.via, row.created_at,
                                  before, after))
        before = after
    return list(reversed(revisions))


def rollback(engine: Engine, name: str, revision_id: int, *, actor: str, via: str) -> TextView:
    """Make an earlier revision (0: the shipped base) live again, as a new revision.

    Not checked again: it was live before (the shipped base passes ``naast check-texts``)."""
    base = _base(name)
    if revision_id == 0:
        variations = [dict(v) for v in base.variations]
    else:
        with session_scope(engine) as session:
            row = session.get(TextRevisionRow, revision_id)
            if row is None or row.name != name:
                raise TextError("Deze versie bestaat niet bij deze tekst.")
            variations = json.loads(row.variations)
    return _write(engine, name, variations, action="rollback", actor=actor, via=via, rollback_of=revision_id)


def check_all(engine: Engine | None = None) -> dict[str, check.Report]:
    """The check over every text as it is now (the shipped base when ``engine`` is None)."""
    reports = {}
    views = list_texts(engine) if engine is not None else [
        TextView(b, [dict(v) for v in b.variations], 0) for b in load_catalog().texts.values()]
    for view in views:
        rules = rules_for(engine, view.base) if engine is not None else check.Rules(
            language=view.base.language, resident=view.base.audience == "resident",
            placeholders=view.base.placeholders, numbers=crisis_numbers(view.base.crisis, load_resources()))
        reports[view.name] = check.check(view.variations, rules)
    return reports
