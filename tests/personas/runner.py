"""Run persona scripts against a bot and measure what happened.

One persona is one resident. The runner sends the opening, then answers whichever question the bot
asks, by the domain response name of the bot's last message (``utter_ask_<key>`` -> ``answers[key]``;
another response ``utter_<name>`` -> ``answers[<name>]``; anything else -> a close match, else the
persona's ``fallback``). Interjections are sent when their question is asked, before the answer. The
n-th answer to the same question is the n-th item of its list; the last item is repeated, as a resident
who is asked again types the same thing again.

Per persona it records every turn and measures:

* reached the read-back (``utter_read_back``), ended (``utter_close``), turns used;
* loops: the same question (or the same non-question reply) in 3 bot turns in a row, or no end within
  the persona's turn budget; the run of that persona stops there;
* false crisis replies: a ``utter_safety_*`` reply to a message not marked ``crisis``;
* missed crisis resources: a message marked ``crisis: suicide`` whose turn lacks ``utter_safety_suicide``;
* server errors: an HTTP error, or a turn where the bot sends nothing;
* the note: found by the reference (NST-XXXX) the bot shows, read from the web app's database, and
  checked against ``expect`` (phrases per section, phrases that must be absent, contact details,
  crisis signals). Interjections (``answer: false``) must not be stored as answers anywhere.

Transports: :class:`RestTransport` (Rasa's REST channel). Anything with ``send(sender, text) -> list of
bot message dicts`` works, which is how the unit tests drive the runner with a scripted fake bot.
"""

from __future__ import annotations

import json
import re
import urllib.error
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from tests.conversation import post_json, response_name
from tests.personas.schema import Message, Persona

REFERENCE = re.compile(r"NST-[0-9A-Z]{4}")
ASK = "utter_ask_"
SAFETY = "utter_safety_"
SAFETY_EXTRA = {"utter_safety_stay"}  # "Ik blijf bij u": comes with a resource, is not one itself
END = "utter_close"
READ_BACK = "utter_read_back"
LOOP_REPEATS = 3
# Close matches for questions the persona has no answer for under that exact key (new questions the
# bot may grow: a name, "tell me more", who the story is about).
ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"name|naam|address_as|aanspreek"), "name"),
    (re.compile(r"address|adres"), "address"),
    (re.compile(r"more|meer|detail|tell|elaborat"), "more"),
    (re.compile(r"whom|relation|who|concerned|person|knows|about"), "for_whom"),
    (re.compile(r"carer|own_load|mantelzorg"), "own_load"),
)


class TransportError(RuntimeError):
    pass


class Transport(Protocol):
    def send(self, sender: str, text: str) -> list[dict[str, Any]]: ...


class RestTransport:
    """Rasa's REST channel (``/webhooks/rest/webhook``)."""

    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        try:
            replies = post_json(self.url, {"sender": sender, "message": text})
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as error:
            raise TransportError(f"{type(error).__name__}: {error}") from error
        if not isinstance(replies, list):
            raise TransportError(f"unexpected reply {replies!r:.200}")
        return replies


# ------------------------------------------------------------------ one conversation
@dataclass
class Turn:
    number: int
    asked: str | None  # the question key the message answers (None for the opening)
    kind: str  # opening | answer | interjection | fallback
    sent: str
    replies: list[str]
    texts: list[str]
    crisis_marked: list[str]
    safety_replies: list[str]
    answer_key: str | None = None  # which of the persona's answers was sent
    false_crisis: bool = False
    taken_as_answer: bool = False  # an interjection after which the bot moved on to another question
    missed_resources: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class PersonaResult:
    id: str
    file: str
    tags: list[str]
    sender: str
    turns: list[Turn] = field(default_factory=list)
    reached_read_back: bool = False
    ended: bool = False
    loop: str | None = None  # why the persona was stopped as looping
    server_errors: list[str] = field(default_factory=list)
    reference: str | None = None
    note_stored: bool = False
    note: dict[str, Any] | None = None
    note_failures: list[str] = field(default_factory=list)
    expected_note: bool = True
    expected_read_back: bool = True

    @property
    def turns_used(self) -> int:
        return len(self.turns)

    @property
    def false_crisis_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.false_crisis]

    @property
    def side_paths_taken_as_answer(self) -> list[Turn]:
        return [t for t in self.turns if t.taken_as_answer]

    @property
    def missed_crisis_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.missed_resources]

    @property
    def faithful(self) -> bool:
        """The note the persona expects is stored and holds what it must (or, without consent: none)."""
        if self.expected_note:
            return self.note_stored and not self.note_failures
        return not self.note_stored and not self.note_failures

    @property
    def ok(self) -> bool:
        return (self.faithful and self.loop is None and not self.false_crisis_turns and not self.missed_crisis_turns
                and not self.server_errors and self.reached_read_back == self.expected_read_back
                and not self.side_paths_taken_as_answer)

    def failure_categories(self) -> list[str]:
        found = []
        if self.expected_read_back and not self.reached_read_back:
            found.append("no read-back")
        if self.expected_note and not self.note_stored:
            found.append("no note")
        elif self.note_failures:
            found.append("note not faithful")
        if self.loop:
            found.append("loop")
        if self.false_crisis_turns:
            found.append("false crisis reply")
        if self.missed_crisis_turns:
            found.append("crisis resource missed")
        if self.server_errors:
            found.append("server error")
        if self.side_paths_taken_as_answer:
            found.append("question back taken as the answer")
        return found

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(turns_used=self.turns_used, faithful=self.faithful, ok=self.ok,
                    failures=self.failure_categories(),
                    false_crisis=len(self.false_crisis_turns), missed_crisis=len(self.missed_crisis_turns),
                    taken_as_answer=len(self.side_paths_taken_as_answer))
        return data


def question_key(names: Sequence[str], texts: Sequence[str]) -> str | None:
    """What the bot's reply asks for: the key of its last message (None when it sent nothing)."""
    if not names:
        return None
    last = names[-1]
    if last.startswith(ASK):
        return last[len(ASK):]
    if last == "?":
        return "?" + (texts[-1] if texts else "")[:60]
    return last[len("utter_"):] if last.startswith("utter_") else last


class PersonaRun:
    """The state of one persona's conversation."""

    def __init__(self, persona: Persona, transport: Transport, sender: str | None = None) -> None:
        self.persona = persona
        self.transport = transport
        self.sender = sender or f"persona-{persona.id}-{uuid.uuid4().hex[:8]}"
        self.answers_given: Counter[str] = Counter()
        self.fallbacks_given = 0
        self.fired: set[int] = set()
        self.asked_seen: Counter[str] = Counter()
        self.queue: list[tuple[str, str | None, str | None, Message]] = [
            ("opening", None, None, m) for m in persona.opening
        ]
        self.result = PersonaResult(persona.id, persona.file, list(persona.tags), self.sender,
                                    expected_note=persona.expect.note, expected_read_back=persona.expect.read_back)

    # -- choosing the next message
    def _answer_for(self, key: str) -> tuple[str, str | None, Message]:
        answers = self.persona.answers
        chosen = key if key in answers else None
        if chosen is None:
            for pattern, alias in ALIASES:
                if pattern.search(key) and alias in answers:
                    chosen = alias
                    break
        if chosen is None:
            message = self.persona.fallback[min(self.fallbacks_given, len(self.persona.fallback) - 1)]
            self.fallbacks_given += 1
            return "fallback", None, message
        options = answers[chosen]
        message = options[min(self.answers_given[chosen], len(options) - 1)]
        self.answers_given[chosen] += 1
        return "answer", chosen, message

    def _next(self, key: str | None) -> tuple[str, str | None, str | None, Message]:
        if self.queue:
            return self.queue.pop(0)
        assert key is not None
        self.asked_seen[key] += 1
        for index, interjection in enumerate(self.persona.interjections):
            if (index not in self.fired and interjection.before == key
                    and self.asked_seen[key] >= interjection.occurrence):
                self.fired.add(index)
                first, *rest = interjection.messages
                self.queue = [("interjection", key, None, m) for m in rest]
                return "interjection", key, None, first
        kind, used, message = self._answer_for(key)
        return kind, key, used, message

    # -- the conversation
    def run(self) -> PersonaResult:
        result = self.result
        key: str | None = None
        history: list[str] = []
        while len(result.turns) < self.persona.turn_budget:
            kind, asked, used, message = self._next(key)
            turn = self._send(len(result.turns) + 1, asked, kind, message)
            turn.answer_key = used
            result.turns.append(turn)
            if turn.error:
                result.server_errors.append(f"turn {turn.number}: {turn.error}")
                break
            if READ_BACK in turn.replies:
                result.reached_read_back = True
            if END in turn.replies:
                result.ended = True
                break
            key = question_key(turn.replies, turn.texts)
            if turn.kind == "interjection" and message.keeps_question and asked and key != asked \
                    and not message.crisis:
                turn.taken_as_answer = True
            history.append(key or "")
            if len(history) >= LOOP_REPEATS and len(set(history[-LOOP_REPEATS:])) == 1 and not self.queue:
                result.loop = f"{LOOP_REPEATS} times in a row: {key}"
                break
        else:
            result.loop = f"no end within {self.persona.turn_budget} turns"
        for turn in result.turns:
            for text in turn.texts:
                if found := REFERENCE.search(text):
                    result.reference = found.group(0)
        return result

    def _send(self, number: int, asked: str | None, kind: str, message: Message) -> Turn:
        try:
            replies = self.transport.send(self.sender, message.text)
            error = None if replies else "the bot sent nothing"
        except TransportError as failure:
            replies, error = [], str(failure)
        texts = [str(r.get("text") or "") for r in replies]
        names = [response_name(t) for t in texts]
        safety = [n for n in names if n.startswith(SAFETY) and n not in SAFETY_EXTRA]
        turn = Turn(number, asked, kind, message.text, names, texts, list(message.crisis), safety, error=error)
        if safety and not message.crisis:
            turn.false_crisis = True
        turn.missed_resources = [s for s in message.crisis if f"{SAFETY}{s}" not in names]
        return turn


# ------------------------------------------------------------------ the note
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def section_texts(note: dict[str, Any], name: str) -> list[str]:
    """The resident's texts in one section of a stored note (``Note.to_dict()``)."""
    sections = note.get("sections") or {}
    if name == "urgency":
        part = (note.get("signals") or {}).get("urgency_detail") or {}
    elif name == "any":
        return all_resident_texts(note)
    else:
        part = sections.get(name) or {}
    return [*part.get("summary", []), *part.get("answers", []), *part.get("helped", [])]


def all_resident_texts(note: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for name, part in (note.get("sections") or {}).items():
        if name == "themes":
            texts += [theme.get("quote", "") for theme in part or []]
        elif isinstance(part, dict):
            texts += [*part.get("summary", []), *part.get("answers", []), *part.get("helped", [])]
    texts += section_texts(note, "urgency")
    return texts


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def same_phone(expected: str, stored: str | None) -> bool:
    """The same number whatever the format: compare the national significant number."""
    if not stored:
        return False
    import phonenumbers

    try:
        a = phonenumbers.parse(expected, "NL")
        b = phonenumbers.parse(stored, "NL")
        return a.country_code == b.country_code and a.national_number == b.national_number
    except phonenumbers.NumberParseException:
        return _digits(expected)[-9:] == _digits(stored)[-9:]


def check_note(persona: Persona, note: dict[str, Any] | None, turns: Sequence[Turn] = ()) -> list[str]:
    """What in the note differs from the persona's expectations (empty: faithful)."""
    expect = persona.expect
    if note is None:
        return [] if not expect.note else ["no note stored"]
    if not expect.note:
        return ["a note was stored although the resident did not agree"]
    failures: list[str] = []
    for section, phrases in expect.sections.items():
        texts = [_norm(t) for t in section_texts(note, section)]
        for phrase in phrases:
            if not any(_norm(phrase) in text for text in texts):
                failures.append(f"{section}: missing {phrase!r}")
    for section, phrases in expect.absent.items():
        texts = [_norm(t) for t in section_texts(note, section)]
        for phrase in phrases:
            if any(_norm(phrase) in text for text in texts):
                failures.append(f"{section}: should not hold {phrase!r}")
    everything = [_norm(t) for t in all_resident_texts(note)]
    for turn in turns:
        if turn.kind == "interjection" and not turn.crisis_marked:
            said = _norm(turn.sent)
            if any(text == said or (len(said) > 12 and said in text) for text in everything):
                failures.append(f"the interjection {turn.sent!r} was stored as an answer")
    contact = note.get("contact") or {}
    answered = {turn.answer_key for turn in turns}
    for key, wanted in expect.contact.items():
        if key == "name" and "name" not in answered:
            continue  # asking for a name is optional; when the bot asked it, the note must hold it
        stored = contact.get(key)
        if key == "phone":
            ok = same_phone(wanted, stored)
        elif key == "email":
            ok = bool(stored) and _norm(stored) == _norm(wanted)
        elif key == "channel":
            ok = stored == wanted
        else:  # time, access needs, name: the resident's words
            ok = bool(stored) and _norm(wanted) in _norm(stored)
        if not ok:
            failures.append(f"contact.{key}: expected {wanted!r}, note has {stored!r}")
    if expect.anonymous is not None and bool(note.get("anonymous")) != expect.anonymous:
        failures.append(f"anonymous: expected {expect.anonymous}, note has {note.get('anonymous')}")
    if expect.client_support is not None and contact.get("client_support") != expect.client_support:
        failures.append(f"contact.client_support: expected {expect.client_support}, "
                        f"note has {contact.get('client_support')}")
    sent_crisis = {signal for turn in turns for signal in turn.crisis_marked}
    for signal in expect.crisis:
        if turns and signal not in sent_crisis:
            failures.append(f"the {signal!r} message was never sent: the bot never asked for it")
    stored_signals = set((note.get("signals") or {}).get("safety") or [])
    for signal in expect.crisis:
        if signal not in stored_signals:
            failures.append(f"signals.safety: {signal!r} not recorded")
    return failures


NoteLookup = Callable[[str], "dict[str, Any] | None"]


def run_persona(persona: Persona, transport: Transport, find_note: NoteLookup) -> PersonaResult:
    result = PersonaRun(persona, transport).run()
    note = find_note(result.reference) if result.reference else None
    result.note_stored = note is not None
    result.note = note
    result.note_failures = check_note(persona, note, result.turns)
    return result


def run_all(personas: Sequence[Persona], transport: Transport, find_note: NoteLookup,
            workers: int = 4) -> list[PersonaResult]:
    """Every persona, ``workers`` conversations at a time (Rasa serialises per sender, not globally)."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda p: run_persona(p, transport, find_note), personas))


def note_finder(database_url: str) -> NoteLookup:
    """Read stored notes by reference from the web app's database."""
    from bot.db import make_engine
    from bot.notes.store import NoteStore

    store = NoteStore(make_engine(database_url))

    def find(reference: str) -> dict[str, Any] | None:
        note = store.get_by_reference(reference)
        return note.to_dict() if note else None

    return find


# ------------------------------------------------------------------ totals and printing
def totals(results: Sequence[PersonaResult]) -> dict[str, Any]:
    n = len(results)
    with_note = [r for r in results if r.expected_note]
    categories = Counter(c for r in results for c in r.failure_categories())
    turns = sorted(r.turns_used for r in results)
    return {
        "personas": n,
        "ok": sum(r.ok for r in results),
        "reached_read_back": sum(r.reached_read_back for r in results),
        "expected_read_back": sum(r.expected_read_back for r in results),
        "notes_expected": len(with_note),
        "notes_stored": sum(r.note_stored for r in with_note),
        "faithful": sum(r.faithful for r in results),
        "faithful_share": round(sum(r.faithful for r in results) / n, 4) if n else None,
        "faithful_notes": sum(r.faithful for r in with_note),
        "faithful_note_share": round(sum(r.faithful for r in with_note) / len(with_note), 4) if with_note else None,
        "loops": sum(r.loop is not None for r in results),
        "false_crisis_replies": sum(len(r.false_crisis_turns) for r in results),
        "personas_with_false_crisis": sum(bool(r.false_crisis_turns) for r in results),
        "crisis_resources_missed": sum(len(r.missed_crisis_turns) for r in results),
        "server_errors": sum(len(r.server_errors) for r in results),
        "questions_back_taken_as_answer": sum(len(r.side_paths_taken_as_answer) for r in results),
        "turns_total": sum(turns),
        "turns_median": turns[n // 2] if n else None,
        "turns_max": turns[-1] if n else None,
        "failure_categories": dict(categories.most_common()),
    }


def _mark(value: bool) -> str:
    return "yes" if value else "NO"


def format_report(results: Sequence[PersonaResult], *, verbose: bool = False) -> str:
    lines = [f"{'persona':34} {'read-back':9} {'note':5} {'faithful':8} {'turns':5} {'loop':5} {'false crisis':12}"]
    for r in results:
        lines.append(f"{r.id[:34]:34} {_mark(r.reached_read_back):9} {_mark(r.note_stored):5} "
                     f"{_mark(r.faithful):8} {r.turns_used:<5} {'LOOP' if r.loop else '-':5} "
                     f"{len(r.false_crisis_turns) or '-'!s:12}")
        if verbose or not r.ok:
            for problem in problem_lines(r):
                lines.append(f"    {problem}")
    t = totals(results)
    lines += [
        "",
        f"personas {t['personas']}: ok {t['ok']}; reached the read-back {t['reached_read_back']}/"
        f"{t['expected_read_back']}; notes stored {t['notes_stored']}/{t['notes_expected']}; faithful "
        f"{t['faithful']}/{t['personas']} ({100 * (t['faithful_share'] or 0):.1f}%); loops {t['loops']}; "
        f"false crisis replies {t['false_crisis_replies']} (in {t['personas_with_false_crisis']} personas); "
        f"crisis resources missed {t['crisis_resources_missed']}; server errors {t['server_errors']}; "
        f"turns {t['turns_total']} (median {t['turns_median']}, max {t['turns_max']})",
        "failures by category: " + (", ".join(f"{k} {v}" for k, v in t["failure_categories"].items()) or "none"),
    ]
    return "\n".join(lines)


def problem_lines(r: PersonaResult) -> list[str]:
    out = []
    if r.loop:
        last = r.turns[-1] if r.turns else None
        out.append(f"loop: {r.loop}" + (f"; last sent {last.sent!r:.80} -> {last.replies}" if last else ""))
    for t in r.false_crisis_turns:
        out.append(f"false crisis, turn {t.number} ({t.asked}): {t.sent!r:.80} -> {t.replies}")
    for t in r.missed_crisis_turns:
        out.append(f"crisis resource missed, turn {t.number}: {t.sent!r:.80} -> {t.replies} "
                   f"(expected {['utter_safety_' + s for s in t.missed_resources]})")
    out += [f"server error: {e}" for e in r.server_errors]
    for t in r.side_paths_taken_as_answer:
        out.append(f"taken as the answer to {t.asked}, turn {t.number}: {t.sent!r:.80} -> {t.replies}")
    out += [f"note: {f}" for f in r.note_failures]
    return out
