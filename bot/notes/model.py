"""The handover note as a typed object: what the summariser makes, the store keeps and the inbox shows.

``Note.to_dict()`` / ``Note.to_json()`` give the JSON contract other parts rely on (docs/architecture.md):
``id, reference, created_at, status, urgent, resident_confirmed, told_for, anonymous, signals, sections,
contact, retention_until`` plus ``privacy`` (what was scrubbed). Every string inside ``sections`` is the
resident's own (scrubbed) text; Naast's own words live only in the templates and the text store
(``bot/texts/notes_nl.yml`` plus editors' edits).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, Field

# A note's status, the one definition of these words: "wachtrij" until the inbox channel delivered it
# (bot/delivery), then "nieuw"; the inbox moves it on to "opgepakt" and "afgerond" (its status machine:
# bot/inbox/machine.py). The store does not restrict the values.
STATUS_QUEUED = "wachtrij"
STATUS_NEW = "nieuw"
STATUS_PICKED_UP = "opgepakt"
STATUS_DONE = "afgerond"

TEXT_SECTIONS = ("situation", "what_matters", "what_goes_well", "what_was_tried", "what_would_help",
                 "network", "own_ideas", "additions")


class _Frozen(BaseModel):
    class Config:
        allow_mutation = False
        extra = "forbid"


class TextSection(_Frozen):
    """One section: a short extractive line (1–2 verbatim sentences) beside the full answers."""

    summary: list[str] = Field(default_factory=list)
    answers: list[str] = Field(default_factory=list)
    skipped: bool = False

    @property
    def empty(self) -> bool:
        return not self.summary and not self.answers


class TriedSection(TextSection):
    """What was tried; ``helped`` holds the resident's sentences that say something helped."""

    helped: list[str] = Field(default_factory=list)


class Theme(_Frozen):
    label: str
    quote: str


class NetworkSection(TextSection):
    """The people around the resident; ``heavy`` is a plain ja/nee to "Wordt het voor hen soms te zwaar?"."""

    heavy: bool | None = None


class Sections(_Frozen):
    situation: TextSection = TextSection()
    what_matters: TextSection = TextSection()
    what_goes_well: TextSection = TextSection()
    what_was_tried: TriedSection = TriedSection()
    what_would_help: TextSection = TextSection()
    network: NetworkSection = NetworkSection()
    own_ideas: TextSection = TextSection()
    themes: list[Theme] = Field(default_factory=list)
    additions: TextSection = TextSection()


class ResourceShown(_Frozen):
    key: str
    name: str
    phone: str = ""


class Signals(_Frozen):
    safety: list[str] = Field(default_factory=list)  # suicide | violence | acute
    resources_shown: list[ResourceShown] = Field(default_factory=list)
    urgency_detail: TextSection = TextSection()


class Contact(_Frozen):
    channel: str | None = None  # phone | email | visit | chat | anonymous
    name: str | None = None  # how the resident wants to be addressed (any name they chose)
    phone: str | None = None
    email: str | None = None
    address: str | None = None  # for a visit
    unverified: list[str] = Field(default_factory=list)  # "phone" / "email" kept as typed, not checked
    time: str | None = None
    access_needs: str | None = None
    client_support: bool | None = None


class Privacy(_Frozen):
    scrubbed: dict[str, int] = Field(default_factory=lambda: {"bsn": 0, "iban": 0})


class Note(_Frozen):
    id: str
    reference: str | None = None  # given by the store when it is saved
    created_at: dt.datetime
    status: str = STATUS_QUEUED
    urgent: bool = False
    resident_confirmed: bool = False
    # Told by someone else about this person, as the teller wrote it ("mijn vader"); None: about themselves.
    told_for: str | None = None
    anonymous: bool = False
    signals: Signals = Signals()
    sections: Sections = Sections()
    contact: Contact = Contact()
    retention_until: dt.datetime
    privacy: Privacy = Privacy()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract as plain Python values (datetimes as ISO 8601 strings)."""
        return json.loads(self.json())

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        return cls.parse_obj(data)

    def body_json(self) -> str:
        """The part stored as JSON text beside the scalar columns (it holds no datetimes)."""
        body = self.dict(include={"signals", "sections", "contact", "privacy", "told_for"})
        return json.dumps(body, ensure_ascii=False)

    def resident_texts(self) -> list[str]:
        """Every string in the note that comes from the resident (for checks and for redaction)."""
        texts: list[str] = []
        sections = [getattr(self.sections, name) for name in TEXT_SECTIONS]
        for section in [*sections, self.signals.urgency_detail]:
            texts += section.summary + section.answers + getattr(section, "helped", [])
        texts += [theme.quote for theme in self.sections.themes]
        contact = self.contact
        texts += [v for v in (contact.name, contact.phone, contact.email, contact.address, contact.time,
                              contact.access_needs, self.told_for) if v]
        return texts

    def render_text(self) -> str:
        from bot.notes.render import render_text

        return render_text(self)

    def render_html(self) -> str:
        from bot.notes.render import render_html

        return render_html(self)
