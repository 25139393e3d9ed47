"""Personas (issue 10, item 5): the scripts cover what the issue asks, the runner measures right, and
every persona run through the real servers meets the issue's targets.

The last group fails against a bot that loses answers, loops or cries wolf; its assertion messages
name each failing persona and turn (the whole record is written to tests/artifacts/personas.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from bot.config import ROOT
from bot.processes import Servers
from tests.personas.run import TARGET_FAITHFUL
from tests.personas.runner import (
    PersonaResult,
    RestTransport,
    check_note,
    format_report,
    note_finder,
    problem_lines,
    run_all,
    run_persona,
    same_phone,
    totals,
)
from tests.personas.schema import CHANNELS, PersonaError, load_personas, parse_persona

ARTIFACT = ROOT / "tests" / "artifacts" / "personas.json"


# ------------------------------------------------------------------ the scripts
def test_at_least_sixty_personas_load_and_cover_the_issue() -> None:
    personas = load_personas()
    assert len(personas) >= 60
    channels = {p.expect.contact.get("channel") for p in personas}
    assert set(CHANNELS) <= channels
    phones = {str(m.text) for p in personas for m in p.answers.get("contact_phone", ())}
    for shape in (r"^06-\d{8}$", r"^\+31 6 ", r"^0031", r"^0\d{2}-\d{7}$", r"^06\d{8}$", r"^\+32 "):
        assert any(re.search(shape, phone) for phone in phones), shape
    emails = [str(m.text) for p in personas for m in p.answers.get("contact_email", ())]
    assert len(emails) >= 15
    assert any("+" in e for e in emails) and any(e != e.lower() for e in emails)
    for tld in (".nl", ".be", ".com", ".pl"):
        assert any(e.lower().endswith(tld) for e in emails), tld
    crisis = [p for p in personas if p.expect.crisis]
    assert {s for p in crisis for s in p.expect.crisis} == {"acute", "suicide", "violence"}
    assert any(not p.expect.note for p in personas)  # someone who says no to sending
    tags = {t for p in personas for t in p.tags}
    for tag in ("elderly", "young", "on_behalf", "flemish", "dialect", "capitals", "no_punctuation", "typos",
                "one_word", "long_answers", "question_back", "correction", "dont_know", "heavy_safe",
                "anonymous", "low_literacy"):
        assert tag in tags, tag


def test_the_schema_refuses_mistakes() -> None:
    good = {"id": "x", "about": "x", "answers": {"situation": "iets"}, "expect": {}}
    parse_persona(good, {}, "f.yml")
    for bad in (
        {**good, "answerz": {}},
        {**good, "expect": {"sections": {"situaton": ["x"]}}},
        {**good, "expect": {"contact": {"channel": "fax"}}},
        {**good, "answers": {"situation": {"text": "x", "crisis": "fire"}}},
        {**good, "answers": {"situation": {"text": "x", "crisis": "acute"}}},  # not in expect.crisis
        {**good, "expect": {"crisis": ["suicide"]}},  # no message marked
    ):
        with pytest.raises(PersonaError):
            parse_persona(bad, {}, "f.yml")


# ------------------------------------------------------------------ the runner, against a fake bot
def _texts() -> dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: re.sub(r"\{[^{}]+\}", "X", variations[0]["text"]) for name, variations in domain["responses"].items()}


TEXTS = _texts()
INTAKE = ["situation", "what_matters", "what_was_tried", "what_would_help", "network", "urgent"]
CONTACT = ["contact_channel", "contact_phone", "contact_time", "access_needs", "client_support"]


class FakeBot:
    """A scripted intake: each answer fills the open question; optional faults show the runner notices."""

    def __init__(self, *, repeat: str | None = None, alarm_on: str | None = None, drop: str | None = None,
                 silent_on: str | None = None) -> None:
        self.repeat, self.alarm_on, self.drop, self.silent_on = repeat, alarm_on, drop, silent_on
        self.state: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, dict[str, Any]] = {}

    def _say(self, *names: str, reference: str | None = None) -> list[dict[str, Any]]:
        out = []
        for name in names:
            text = TEXTS[name]
            if reference:
                text = text.replace("X", reference, 1) if name == "utter_note_sent" else text
            out.append({"recipient_id": "r", "text": text})
        return out

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        s = self.state.setdefault(sender, {"queue": None, "answers": {}})
        if self.silent_on and self.silent_on in text:
            return []
        alarm = ["utter_safety_acute", "utter_safety_stay"] if self.alarm_on and self.alarm_on in text else []
        if "niet meer leven" in text:
            alarm = ["utter_safety_suicide", "utter_safety_stay"]
        if s["queue"] is None:
            s["queue"] = [*INTAKE, "read_back_ok", "consent", *CONTACT]
            return self._say("utter_opening", *alarm, "utter_ask_situation")
        asked = s["queue"][0]
        if asked == self.repeat or alarm:
            return self._say(*alarm, f"utter_ask_{asked}")
        if asked != self.drop:
            s["answers"][asked] = text
        s["queue"].pop(0)
        if not s["queue"]:
            reference = f"NST-{len(self.notes):04d}"
            a = s["answers"]
            self.notes[reference] = {
                "sections": {k: {"summary": [], "answers": [a[k]] if k in a else []} for k in INTAKE[:5]},
                "signals": {"safety": [], "urgency_detail": {"summary": [], "answers": []}},
                "contact": {"channel": "phone", "phone": a.get("contact_phone"), "time": a.get("contact_time")},
                "anonymous": False,
            }
            return self._say("utter_note_sent", "utter_what_next", "utter_close", reference=reference)
        if s["queue"][0] in ("read_back_ok",):
            return self._say("utter_read_back", "utter_ask_read_back_ok")
        return self._say(f"utter_ask_{s['queue'][0]}")


PERSONA = {
    "id": "fake-1", "about": "test", "opening": "hallo",
    "answers": {"situation": "Mijn dak lekt al weken", "what_matters": "Een droog huis",
                "what_was_tried": "De verhuurder gebeld", "what_would_help": "Een dakdekker",
                "network": "Mijn buurman", "urgent": "nee", "read_back_ok": "ja", "consent": "ja",
                "contact_channel": "bellen", "contact_phone": "06-12345678", "contact_time": "'s ochtends",
                "access_needs": "nee", "client_support": "nee"},
    "expect": {"sections": {"situation": ["dak lekt"], "what_would_help": ["dakdekker"]},
               "contact": {"channel": "phone", "phone": "+31 6 1234 5678"}},
}


def _run(bot: FakeBot, raw: dict[str, Any] = PERSONA) -> PersonaResult:
    return run_persona(parse_persona(raw, {}, "fake.yml"), bot, bot.notes.get)


def test_runner_a_bot_that_does_its_job_gives_a_faithful_note() -> None:
    result = _run(FakeBot())
    assert result.ok, problem_lines(result)
    assert result.reached_read_back and result.note_stored and result.faithful and result.turns_used == 14


def test_runner_notices_a_question_asked_three_times() -> None:
    result = _run(FakeBot(repeat="what_was_tried"))
    assert result.loop and "what_was_tried" in result.loop and not result.ok
    assert result.turns_used == 5  # stopped at the loop, not at the budget


def test_runner_counts_a_crisis_reply_to_an_ordinary_answer() -> None:
    raw = {**PERSONA, "answers": {**PERSONA["answers"], "network": ["Mijn buurjongen", "Mijn buurman"]}}
    result = _run(FakeBot(alarm_on="buurjongen"), raw)
    assert [t.sent for t in result.false_crisis_turns] == ["Mijn buurjongen"]
    assert "false crisis reply" in result.failure_categories()


def test_runner_a_marked_crisis_needs_its_own_resource() -> None:
    crisis = {"text": "ik wil niet meer leven", "crisis": "suicide"}
    raw = {**PERSONA, "answers": {**PERSONA["answers"], "what_matters": [crisis, "Een droog huis"]},
           "expect": {**PERSONA["expect"], "crisis": ["suicide"]}}
    result = _run(FakeBot(), raw)
    assert not result.false_crisis_turns and not result.missed_crisis_turns
    assert "signals.safety: 'suicide' not recorded" in result.note_failures  # the fake note records none
    raw_acute = {**raw, "answers": {**raw["answers"], "what_matters": [{**crisis, "crisis": "acute"}, "x"]},
                 "expect": {**raw["expect"], "crisis": ["acute"]}}
    assert _run(FakeBot(), raw_acute).missed_crisis_turns  # 113 shown where 112 was expected


def test_runner_a_lost_answer_makes_the_note_unfaithful() -> None:
    result = _run(FakeBot(drop="what_would_help"))
    assert result.note_stored and not result.faithful
    assert result.note_failures == ["what_would_help: missing 'dakdekker'"]


def test_runner_an_interjection_stored_as_the_answer_is_caught() -> None:
    raw = {**PERSONA, "interjections": [{"before": "what_matters", "say": "hoe lang duurt dit gesprek nog?"}]}
    result = _run(FakeBot(), raw)
    assert [t.sent for t in result.side_paths_taken_as_answer] == ["hoe lang duurt dit gesprek nog?"]
    assert any("was stored as an answer" in f for f in result.note_failures)


def test_runner_silence_and_the_budget_are_failures() -> None:
    assert _run(FakeBot(silent_on="dakdekker")).server_errors
    short = _run(FakeBot(), {**PERSONA, "turn_budget": 6})
    assert short.loop == "no end within 6 turns"


def test_runner_compares_phone_numbers_as_numbers() -> None:
    assert same_phone("06-12345678", "+31 6 12345678")
    assert same_phone("0031612345678", "+31 6 12345678")
    assert same_phone("020-1234567", "+31 20 123 4567")
    assert not same_phone("06-12345678", "+31 6 12345679")
    assert not same_phone("06-12345678", None)


def test_no_consent_means_no_note() -> None:
    persona = parse_persona({**PERSONA, "expect": {"note": False}}, {}, "f.yml")
    assert check_note(persona, None) == []
    assert check_note(persona, {"sections": {}}) == ["a note was stored although the resident did not agree"]


# ------------------------------------------------------------------ every persona, real servers
@pytest.fixture(scope="module")
def persona_results(servers: Servers) -> Iterator[list[PersonaResult]]:
    results = run_all(load_personas(), RestTransport(servers.rasa_url), note_finder(servers.settings.database_url),
                      workers=4)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({"totals": totals(results), "personas": [r.as_dict() for r in results]},
                                   indent=1, ensure_ascii=False, default=str), "utf-8")
    print("\n" + format_report(results))
    yield results


def _failing(results: list[PersonaResult], category: str) -> str:
    lines = [f"{r.id}: " + "; ".join(problem_lines(r))[:600] for r in results if category in r.failure_categories()]
    return f"{len(lines)} personas ({ARTIFACT.relative_to(ROOT)} has every turn):\n" + "\n".join(lines)


def test_personas_reach_a_faithful_note(persona_results: list[PersonaResult]) -> None:
    share = totals(persona_results)["faithful_share"]
    unfaithful = [r for r in persona_results if not r.faithful]
    detail = "\n".join(f"{r.id}: " + "; ".join(problem_lines(r))[:600] for r in unfaithful)
    assert share >= TARGET_FAITHFUL, f"faithful {share:.1%} < {TARGET_FAITHFUL:.0%}:\n{detail}"


def test_personas_never_loop(persona_results: list[PersonaResult]) -> None:
    assert not [r for r in persona_results if r.loop], _failing(persona_results, "loop")


def test_personas_get_no_false_crisis_reply(persona_results: list[PersonaResult]) -> None:
    assert not [r for r in persona_results if r.false_crisis_turns], _failing(persona_results, "false crisis reply")


def test_personas_in_crisis_get_their_resource(persona_results: list[PersonaResult]) -> None:
    missed = [r for r in persona_results if r.missed_crisis_turns]
    assert not missed, _failing(persona_results, "crisis resource missed")


def test_personas_meet_no_server_error(persona_results: list[PersonaResult]) -> None:
    assert not [r for r in persona_results if r.server_errors], _failing(persona_results, "server error")
