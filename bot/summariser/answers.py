"""The intake as a typed object, built from Rasa slot values (slot names: bot/slots.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, validator

from bot.lexicons import cues
from bot.slots import INTAKE_SLOTS, SKIPPED

_TRUE = {"true", "ja", "yes", "1"}
_FALSE = {"false", "nee", "no", "0"}


class IntakeAnswers(BaseModel):
    situation: str | None = None
    what_matters: str | None = None
    what_matters_effect: str | None = None
    what_was_tried: str | None = None
    what_would_help: str | None = None
    network: str | None = None
    network_load: str | None = None
    urgency_detail: str | None = None
    urgent: bool = False
    safety_signals: list[str] = Field(default_factory=list)
    resources_shown: list[str] = Field(default_factory=list)
    read_back_confirmed: bool = False
    additions: list[str] = Field(default_factory=list)
    consent: bool | None = None  # only True means yes
    for_whom: str | None = None  # "self" or the person as the resident wrote it
    contact_channel: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_address: str | None = None
    contact_unverified: list[str] = Field(default_factory=list)
    contact_time: str | None = None
    access_needs: str | None = None
    client_support: bool | None = None

    class Config:
        allow_mutation = False

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> IntakeAnswers:
        """From a tracker's slot dict; unknown slots are ignored, missing ones stay empty."""
        values = {name: slots[name] for name in cls.__fields__ if name in slots}
        return cls(**values)

    @validator("situation", "what_matters", "what_matters_effect", "what_was_tried",
               "what_would_help", "network", "network_load", "urgency_detail", "contact_channel",
               "contact_phone", "contact_email", "contact_time", "access_needs", "for_whom", "contact_name",
               "contact_address", pre=True)
    def _text(cls, value: Any) -> str | None:  # noqa: N805
        if value is None:
            return None
        if isinstance(value, (list, tuple)):  # a slot filled twice by Rasa
            value = "\n".join(str(v) for v in value if v)
        text = str(value).strip()
        return text or None

    @validator("urgent", "read_back_confirmed", pre=True)
    def _flag(cls, value: Any) -> bool:  # noqa: N805
        return _as_bool(value) is True

    @validator("consent", "client_support", pre=True)
    def _optional_flag(cls, value: Any) -> bool | None:  # noqa: N805
        return _as_bool(value)

    @validator("safety_signals", "resources_shown", "additions", "contact_unverified", pre=True)
    def _list(cls, value: Any) -> list[str]:  # noqa: N805
        if value is None:
            return []
        items = [value] if isinstance(value, str) else list(value)
        return [str(item).strip() for item in items if item is not None and str(item).strip()
                and item != SKIPPED]

    def skipped(self, name: str) -> bool:
        return getattr(self, name) == SKIPPED

    def text(self, name: str) -> str | None:
        """The answer to an intake question, or None when it was skipped or not given."""
        value = getattr(self, name)
        return None if value in (None, SKIPPED) else value

    @property
    def told_for(self) -> str | None:
        """The person the story is about when someone else told it; None when it is about themselves."""
        person = self.text("for_whom")
        return None if person in (None, "self") else person

    @property
    def anonymous(self) -> bool:
        return self.contact_channel == "anonymous"

    def network_heavy(self) -> bool | None:
        """True/False when the answer about the load on the people around them was a bare ja/nee."""
        return cues.yes_or_no(self.text("network_load") or "")

    def free_texts(self) -> list[tuple[str, str]]:
        """Every free-text answer as ``(slot, text)``, in the order the bot asks (a bare ja/nee left out)."""
        texts = [(name, self.text(name)) for name in INTAKE_SLOTS
                 if not (name == "network_load" and self.network_heavy() is not None)]
        texts += [("additions", text) for text in self.additions]
        return [(name, text) for name, text in texts if text]


def _as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
