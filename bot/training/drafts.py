"""Editors' drafts: examples added to an intent, and new topics (intent, answer, rule).

One row per intent. Every change names the ``version`` it was made on; when someone else changed the
intent since, ``DraftConflict`` is raised and nothing is written (the web app answers 409 and shows the
editor's text again). Texts are checked here for what Rasa cannot check (empty, too long, markup);
``bot.training.validation`` checks the project with the draft applied before it is saved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import session_scope, utcnow
from bot.texts import live
from bot.training.tables import DraftRow

MAX_EXAMPLE_CHARS = 300
MAX_RESPONSE_CHARS = 1000
INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class DraftError(ValueError):
    """A change that cannot be saved; the message is Dutch, for the editor."""


class DraftConflict(DraftError):
    """Someone else changed the same intent since the editor loaded it."""

    def __init__(self, current: Draft) -> None:
        super().__init__(live.text("editor.draft.conflict"))
        self.current = current


@dataclass(frozen=True)
class Draft:
    intent: str
    examples: tuple[str, ...] = ()
    new: bool = False  # a topic editors added (intent, response and rule come from the draft)
    title: str = ""
    response: str = ""
    version: int = 0  # 0: no row yet
    state: str = "open"
    published_in: int | None = None
    updated_by: str = ""

    @property
    def response_name(self) -> str:
        return f"utter_{self.intent}"

    def payload(self) -> dict[str, Any]:
        return {"examples": list(self.examples), "new": self.new, "title": self.title, "response": self.response}


@dataclass
class Change:
    """What an editor asks for; ``apply`` gives the draft after it."""

    add_examples: list[str] = field(default_factory=list)
    remove_example: str | None = None
    title: str | None = None
    response: str | None = None

    def apply(self, draft: Draft) -> Draft:
        examples = [e for e in draft.examples if e != self.remove_example]
        for text in self.add_examples:
            if text not in examples:
                examples.append(text)
        return Draft(draft.intent, tuple(examples), draft.new, self.title if self.title is not None else draft.title,
                     self.response if self.response is not None else draft.response, draft.version, "open",
                     draft.published_in, draft.updated_by)


def clean_text(text: str, *, limit: int, what: str) -> str:
    """``text`` on one line; ``what`` names the field in the messages: ``example``, ``answer`` or ``title``."""
    text = " ".join(str(text).split())
    name = live.text("editor.draft.what_" + what)
    if not text:
        raise DraftError(live.text("editor.draft.empty", what=name))
    if len(text) > limit:
        raise DraftError(live.text("editor.draft.too_long", what=name, length=len(text), limit=limit))
    if re.search(r"[<>]", text):
        raise DraftError(live.text("editor.draft.markup", what=name))
    return text


def _draft(row: DraftRow) -> Draft:
    data = json.loads(row.payload)
    return Draft(row.intent, tuple(data.get("examples", ())), bool(data.get("new")), data.get("title", ""),
                 data.get("response", ""), row.version, row.state, row.published_in, row.updated_by)


def all_drafts(engine: Engine) -> list[Draft]:
    with session_scope(engine) as session:
        return [_draft(row) for row in session.execute(select(DraftRow).order_by(DraftRow.intent)).scalars()]


def get_draft(engine: Engine, intent: str) -> Draft:
    with session_scope(engine) as session:
        row = session.get(DraftRow, intent)
        return _draft(row) if row else Draft(intent)


def save_draft(engine: Engine, draft: Draft, *, expected_version: int, editor: str) -> Draft:
    """Write ``draft`` if the stored version is still ``expected_version``; else ``DraftConflict``."""
    payload = json.dumps(draft.payload(), ensure_ascii=False)
    now = utcnow()
    with session_scope(engine) as session:
        if expected_version == 0:
            if session.get(DraftRow, draft.intent) is None:
                session.add(DraftRow(intent=draft.intent, payload=payload, version=1, state="open",
                                     updated_by=editor, updated_at=now))
                session.flush()
                return _draft(session.get(DraftRow, draft.intent))
        else:
            # One statement: the version check and the write cannot be split by another editor's write.
            done = session.execute(
                update(DraftRow).where(DraftRow.intent == draft.intent, DraftRow.version == expected_version)
                .values(payload=payload, version=expected_version + 1, state="open", updated_by=editor,
                        updated_at=now)
            ).rowcount
            if done:
                return _draft(session.get(DraftRow, draft.intent))
    raise DraftConflict(get_draft(engine, draft.intent))


def mark_published(engine: Engine, versions: dict[str, int], model_id: int) -> None:
    """The drafts trained into model ``model_id`` (at the versions it trained) are live now."""
    with session_scope(engine) as session:
        for intent, version in versions.items():
            session.execute(update(DraftRow).where(DraftRow.intent == intent, DraftRow.version == version)
                            .values(state="published", published_in=model_id))


def reopen_after(engine: Engine, model_id: int) -> None:
    """After a rollback to model ``model_id``: drafts published in later models are drafts again."""
    with session_scope(engine) as session:
        session.execute(update(DraftRow).where(DraftRow.published_in > model_id)
                        .values(state="open", published_in=None))


def new_intent_name(title: str, existing: set[str]) -> str:
    """A Rasa intent name for a topic title: "Afval ophalen" -> "vraag_afval_ophalen"."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:30] or "onderwerp"
    name, n = f"vraag_{slug}", 2
    while name in existing:
        name, n = f"vraag_{slug}_{n}", n + 1
    return name
