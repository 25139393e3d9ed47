"""Consent in code: only the resident's own yes to the consent question lets a note be stored."""

from __future__ import annotations

import pytest

from actions.consent import (
    ActionCloseConversation,
    ActionConsentUnclear,
    ActionRecordConsent,
    ActionStop,
    ActionSubmitNote,
    consent_answer,
)
from bot.notes.store import NoteStore
from tests.actions.support import asked_and_answered, consented, run, slot_events, tracker

ANSWERS = {"situation": "Ik kan de huur niet meer betalen.", "what_matters": "Dat ik in mijn huis kan blijven.",
           "read_back_confirmed": True, "contact_channel": "anonymous"}


def test_only_a_yes_right_after_the_consent_question_counts() -> None:
    ask = "utter_ask_consent"
    assert consent_answer(asked_and_answered(ask, "affirm")) is True
    for other in ("deny", "dont_know", "request_human", "stop", "crisis_suicide", "out_of_scope", "nlu_fallback"):
        assert consent_answer(asked_and_answered(ask, other)) is False, other
    assert consent_answer([]) is None
    assert consent_answer(asked_and_answered(ask, "affirm")[:-1]) is None  # asked, no answer yet (silence)
    # A yes to another question, before or after, is no consent.
    assert consent_answer(asked_and_answered("utter_ask_read_back_ok", "affirm")) is None
    assert consent_answer([*asked_and_answered(ask, "deny"), *asked_and_answered("utter_ask_pass_on", "affirm")]) \
        is False
    # The bot moved on before the resident answered: their next yes answers something else.
    moved_on = [*asked_and_answered(ask, "affirm")[:-1], {"event": "action", "name": "utter_out_of_scope"},
                *asked_and_answered(ask, "affirm")[-1:]]
    assert consent_answer(moved_on) is None
    # Asked again after a no: the latest answer counts; a new session forgets it.
    assert consent_answer([*asked_and_answered(ask, "deny"), *asked_and_answered(ask, "affirm")]) is True
    assert consent_answer([*asked_and_answered(ask, "affirm"), {"event": "session_started"}]) is None
    # A yes typed with a typo or read as something else by the classifier is a yes; a bare no never is.
    assert consent_answer(asked_and_answered(ask, "nlu_fallback", "ja grag")) is True
    assert consent_answer(asked_and_answered(ask, "tell", "prima")) is True
    assert consent_answer(asked_and_answered(ask, "affirm", "nee hoor")) is False
    assert consent_answer(asked_and_answered(ask, "affirm", "ik weet het nog niet")) is True  # the classifier's yes


async def test_an_unclear_answer_is_explained_once_then_nothing_is_sent() -> None:
    ask = "utter_ask_consent"
    t = tracker()
    t.events = [{"event": "action", "name": "action_confirm_read_back"}, *asked_and_answered(ask, "dont_know")]
    names, _, events = await run(ActionConsentUnclear(), t)
    assert names == ["utter_consent_explain"] and slot_events(events) == {"consent_open": True}
    t.events = [*t.events, *asked_and_answered(ask, "dont_know")]
    names, _, events = await run(ActionConsentUnclear(), t)
    assert names == [] and slot_events(events) == {"consent_open": False}
    # After a new read-back (a correction) the question may be explained again.
    t.events = [*t.events, {"event": "action", "name": "action_confirm_read_back"}, *asked_and_answered(ask, "tell")]
    assert slot_events((await run(ActionConsentUnclear(), t))[2]) == {"consent_open": True}


async def test_record_consent_sets_the_slot_from_the_answer() -> None:
    t = tracker()
    t.events = asked_and_answered("utter_ask_consent", "affirm")
    assert slot_events((await run(ActionRecordConsent(), t))[2]) == {"consent": True}
    t.events = asked_and_answered("utter_ask_consent", "deny")
    assert slot_events((await run(ActionRecordConsent(), t))[2]) == {"consent": False}
    t.events = asked_and_answered("utter_ask_read_back_ok", "affirm")
    assert slot_events((await run(ActionRecordConsent(), t))[2]) == {"consent": False}


async def test_submit_with_the_residents_yes_stores_the_note(store: NoteStore) -> None:
    names, _, events = await run(ActionSubmitNote(), consented(tracker(slots=ANSWERS)))
    assert names[0] == "utter_note_sent" and store.count() == {"notes": 1, "outbox": 1}
    assert store.get_by_reference(slot_events(events)["note_reference"]).sections.situation.answers


async def test_the_same_turn_run_again_gives_the_same_note(store: NoteStore) -> None:
    """Another replica runs the turn again after the first died before saving it: one note, one reference."""
    t = consented(tracker(slots=ANSWERS))
    t.events = [{"event": "session_started", "timestamp": 1733000000.5}, *t.events]
    first = slot_events((await run(ActionSubmitNote(), t))[2])["note_reference"]
    again = slot_events((await run(ActionSubmitNote(), t))[2])["note_reference"]
    assert first == again and store.count() == {"notes": 1, "outbox": 1}
    t.events = [{"event": "session_started", "timestamp": 1733999999.0}, *t.events[1:]]  # a new conversation
    assert slot_events((await run(ActionSubmitNote(), t))[2])["note_reference"] != first
    assert store.count()["notes"] == 2


@pytest.mark.parametrize("case", ["slot only", "events only", "yes to another question", "nothing"])
async def test_submit_without_the_residents_yes_stores_nothing(store: NoteStore, case: str) -> None:
    t = tracker(slots=ANSWERS)
    if case == "slot only":  # e.g. a forged request, or a rule that set the slot by mistake
        t.slots["consent"] = True
    elif case == "events only":
        t = consented(t)
        t.slots["consent"] = False
    elif case == "yes to another question":
        t.slots["consent"] = True
        t.events = asked_and_answered("utter_ask_read_back_ok", "affirm")
    names, _, events = await run(ActionSubmitNote(), t)
    # Nothing stored, and the conversation closes (the tracker store deletes it: bot/privacy/).
    assert names == ["utter_not_sent"]
    assert slot_events(events) == {"consent": False, "conversation_closed": "no_consent"}
    assert store.count() == {"notes": 0, "outbox": 0}


@pytest.mark.parametrize(("intent", "consent_slot", "reason"), [
    ("stop", None, "stopped"), ("goodbye", True, "goodbye"), ("deny", False, "no_consent")])
async def test_close_names_why_the_conversation_ended(intent: str, consent_slot: bool | None, reason: str) -> None:
    t = tracker(intent=intent, slots={"consent": consent_slot})
    assert slot_events((await run(ActionCloseConversation(), t))[2]) == {"conversation_closed": reason}


@pytest.mark.parametrize("text", ["ik moet even stoppen, de kinderen komen thuis", "pauze", "ik ga straks verder"])
async def test_a_pause_keeps_the_conversation(text: str) -> None:
    names, _, events = await run(ActionStop(), tracker(text, intent="stop"))
    assert names == ["utter_pause"] and slot_events(events) == {}


async def test_a_stop_closes_the_conversation() -> None:
    names, _, events = await run(ActionStop(), tracker("ik wil stoppen", intent="stop"))
    assert names == ["utter_stop", "utter_come_back"] and slot_events(events) == {"conversation_closed": "stopped"}
