"""Persona scripts: load and check the YAML files under tests/personas/residents/.

The schema is described in tests/personas/README.md. A persona is a resident who *reacts* to what the
bot asks: the runner looks at the bot's last message (its domain response name, e.g.
``utter_ask_what_matters`` -> question key ``what_matters``) and sends the persona's answer to that
question. Everything here is plain data; tests/personas/runner.py holds the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RESIDENTS_DIR = Path(__file__).with_name("residents")
SIGNALS = ("acute", "suicide", "violence")
# Sections of the stored note an expectation can name (bot/notes/model.py), plus `urgency`
# (signals.urgency_detail) and `any` (every resident text in the note).
NOTE_SECTIONS = ("situation", "what_matters", "what_goes_well", "what_was_tried", "what_would_help", "network",
                 "own_ideas", "additions", "urgency", "any")
CONTACT_FIELDS = ("channel", "phone", "email", "time", "access_needs", "name")
CHANNELS = ("phone", "email", "visit", "chat", "anonymous")
PERSONA_KEYS = {"id", "about", "tags", "opening", "answers", "fallback", "interjections", "expect", "turn_budget"}
EXPECT_KEYS = {"read_back", "note", "sections", "absent", "contact", "crisis", "anonymous", "client_support"}
DEFAULT_TURN_BUDGET = 40


@dataclass(frozen=True)
class Message:
    """One message the resident types.

    ``crisis``: the signals this message carries (the bot must show their resource on this turn, and a
    crisis reply here is not a false alarm). ``answer``: False for a question back or a remark that must
    not end up in the note as an answer. ``keeps_question`` (interjections): after it the bot must ask
    the same question again (false for "sla maar over", after which moving on is right).
    """

    text: str
    crisis: tuple[str, ...] = ()
    answer: bool = True
    keeps_question: bool = True  # interjections: the bot should ask the same question again afterwards


@dataclass(frozen=True)
class Interjection:
    """Messages sent when question ``before`` is asked (the ``occurrence``-th time), before answering it."""

    before: str
    messages: tuple[Message, ...]
    occurrence: int = 1


@dataclass(frozen=True)
class Expect:
    read_back: bool = True
    note: bool = True
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)
    crisis: tuple[str, ...] = ()
    anonymous: bool | None = None
    client_support: bool | None = None


@dataclass(frozen=True)
class Persona:
    id: str
    about: str
    file: str
    tags: tuple[str, ...]
    opening: tuple[Message, ...]
    answers: dict[str, tuple[Message, ...]]
    fallback: tuple[Message, ...]
    interjections: tuple[Interjection, ...]
    expect: Expect
    turn_budget: int = DEFAULT_TURN_BUDGET

    @property
    def crisis_messages(self) -> list[Message]:
        every = [*self.opening, *self.fallback, *(m for ms in self.answers.values() for m in ms),
                 *(m for i in self.interjections for m in i.messages)]
        return [m for m in every if m.crisis]


class PersonaError(ValueError):
    pass


def _message(raw: Any, where: str, *, answer: bool = True) -> Message:
    if isinstance(raw, (str, int, float)):
        return Message(str(raw), (), answer)
    if not isinstance(raw, dict) or "text" not in raw:
        raise PersonaError(f"{where}: a message is a string or {{text, crisis, answer, keeps_question}}, not {raw!r}")
    unknown = set(raw) - {"text", "crisis", "answer", "keeps_question"}
    if unknown:
        raise PersonaError(f"{where}: unknown keys {sorted(unknown)}")
    crisis = raw.get("crisis") or ()
    crisis = (crisis,) if isinstance(crisis, str) else tuple(crisis)
    bad = [s for s in crisis if s not in SIGNALS]
    if bad:
        raise PersonaError(f"{where}: unknown crisis signal(s) {bad}; use {SIGNALS}")
    return Message(str(raw["text"]), crisis, bool(raw.get("answer", answer)), bool(raw.get("keeps_question", True)))


def _messages(raw: Any, where: str, *, answer: bool = True) -> tuple[Message, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PersonaError(f"{where}: empty")
    return tuple(_message(item, f"{where}[{i}]", answer=answer) for i, item in enumerate(items))


def _phrases(raw: Any, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (raw or {}).items():
        if key not in allowed:
            raise PersonaError(f"{where}: unknown section {key!r}; use {allowed}")
        values = value if isinstance(value, list) else [value]
        out[key] = tuple(str(v) for v in values if str(v).strip())
    return out


def _expect(raw: dict[str, Any], where: str) -> Expect:
    unknown = set(raw) - EXPECT_KEYS
    if unknown:
        raise PersonaError(f"{where}: unknown keys {sorted(unknown)}")
    contact = {str(k): str(v) for k, v in (raw.get("contact") or {}).items()}
    bad = set(contact) - set(CONTACT_FIELDS)
    if bad:
        raise PersonaError(f"{where}.contact: unknown fields {sorted(bad)}")
    if contact.get("channel") and contact["channel"] not in CHANNELS:
        raise PersonaError(f"{where}.contact.channel: {contact['channel']!r} is not one of {CHANNELS}")
    crisis = raw.get("crisis") or ()
    crisis = (crisis,) if isinstance(crisis, str) else tuple(crisis)
    return Expect(
        read_back=bool(raw.get("read_back", True)),
        note=bool(raw.get("note", True)),
        sections=_phrases(raw.get("sections"), f"{where}.sections", NOTE_SECTIONS),
        absent=_phrases(raw.get("absent"), f"{where}.absent", NOTE_SECTIONS),
        contact=contact,
        crisis=crisis,
        anonymous=raw.get("anonymous"),
        client_support=raw.get("client_support"),
    )


def parse_persona(raw: dict[str, Any], defaults: dict[str, Any], file: str) -> Persona:
    where = f"{file}:{raw.get('id', '?')}"
    unknown = set(raw) - PERSONA_KEYS
    if unknown:
        raise PersonaError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "about", "answers", "expect"):
        if key not in raw:
            raise PersonaError(f"{where}: `{key}` is required")
    merged = {**(defaults.get("answers") or {}), **raw["answers"]}
    answers = {str(key): _messages(value, f"{where}.answers.{key}") for key, value in merged.items()}
    interjections = []
    for i, item in enumerate(raw.get("interjections") or []):
        if not isinstance(item, dict) or "before" not in item or "say" not in item:
            raise PersonaError(f"{where}.interjections[{i}]: needs `before` (a question key) and `say`")
        interjections.append(Interjection(str(item["before"]), _messages(item["say"], f"{where}.interjections[{i}]",
                                                                         answer=False),
                                          int(item.get("occurrence", 1))))
    expect = _expect(raw["expect"], f"{where}.expect")
    persona = Persona(
        id=str(raw["id"]),
        about=str(raw["about"]),
        file=file,
        tags=tuple(str(t) for t in raw.get("tags") or ()),
        opening=_messages(raw.get("opening", defaults.get("opening", "hallo")), f"{where}.opening"),
        answers=answers,
        fallback=_messages(raw.get("fallback", defaults.get("fallback", "ik weet het niet")), f"{where}.fallback"),
        interjections=tuple(interjections),
        expect=expect,
        turn_budget=int(raw.get("turn_budget", defaults.get("turn_budget", DEFAULT_TURN_BUDGET))),
    )
    marked = {s for m in persona.crisis_messages for s in m.crisis}
    if set(expect.crisis) - marked:
        raise PersonaError(f"{where}: expect.crisis {expect.crisis} but no message is marked with "
                           f"{sorted(set(expect.crisis) - marked)}")
    if marked and not expect.crisis:
        raise PersonaError(f"{where}: messages are marked crisis {sorted(marked)}; list them in expect.crisis")
    return persona


def load_file(path: Path) -> list[Persona]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    defaults = data.get("defaults") or {}
    return [parse_persona(raw, defaults, path.name) for raw in data.get("personas") or []]


def load_personas(directory: Path = RESIDENTS_DIR) -> list[Persona]:
    personas = [p for path in sorted(directory.glob("*.yml")) for p in load_file(path)]
    ids = [p.id for p in personas]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PersonaError(f"persona ids used twice: {duplicates}")
    return personas
