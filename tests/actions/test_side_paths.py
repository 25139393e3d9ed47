from __future__ import annotations

from actions.safety import ActionSafetyResponse, signals_in
from actions.session import ActionSessionStart
from actions.side_paths import ActionHelpQuestion, ActionHumanContact, ActionOtherLanguage, ActionSkipQuestion
from bot.resources import load_resources
from bot.slots import SKIPPED
from tests.actions.support import domain, run, slot_events, tracker


async def test_dont_know_first_helps_then_skips() -> None:
    names, _, events = await run(ActionHelpQuestion(), tracker(intent="dont_know", requested_slot="what_matters"))
    assert names == ["utter_help_what_matters"]
    assert slot_events(events) == {"help_given_for": "what_matters"}
    again = tracker(intent="dont_know", requested_slot="what_matters", slots={"help_given_for": "what_matters"})
    names, _, events = await run(ActionHelpQuestion(), again)
    assert names == ["utter_skipped"]
    assert slot_events(events)["what_matters"] == SKIPPED


async def test_help_exists_for_every_intake_question() -> None:
    responses = domain()["responses"]
    for slot in [*domain()["forms"]["intake_form"]["required_slots"], "what_matters_effect", "network_load"]:
        assert f"utter_help_{slot}" in responses, slot


async def test_skip_marks_the_slot() -> None:
    names, _, events = await run(ActionSkipQuestion(), tracker(intent="skip", requested_slot="network"))
    assert names == ["utter_skipped"] and slot_events(events)["network"] == SKIPPED


async def test_human_contact_gives_phone_and_walk_in() -> None:
    names, _, _ = await run(ActionHumanContact(), tracker(intent="request_human"))
    assert names == ["utter_human_contact", "utter_human_walk_in"]


async def test_other_language_answers_in_that_language() -> None:
    t = tracker("Merhaba, yardım istiyorum", intent="other_language",
                entities=[{"entity": "language", "value": "tr"}])
    names, _, _ = await run(ActionOtherLanguage(), t)
    assert names == ["utter_other_language_tr"]
    unknown = tracker("Ciao, ho bisogno di aiuto", intent="other_language",
                      entities=[{"entity": "language", "value": "it"}])
    assert (await run(ActionOtherLanguage(), unknown))[0] == ["utter_other_language_en"]


async def test_safety_response_starts_with_the_resource_and_records_it() -> None:
    t = tracker("ik wil niet meer leven en mijn man slaat me", intent="crisis_suicide", confidence=1.0,
                entities=[{"entity": "signal", "value": "violence"}, {"entity": "signal", "value": "suicide"}],
                slots={"safety_signals": [], "resources_shown": []})
    names, _, events = await run(ActionSafetyResponse(), t)
    assert names == ["utter_safety_suicide", "utter_safety_violence", "utter_safety_stay"]
    slots = slot_events(events)
    assert slots["safety_signals"] == ["suicide", "violence"]
    assert slots["resources_shown"][:2] == ["suicide_prevention", "emergency"]
    assert "veilig_thuis" in slots["resources_shown"]


async def test_signals_accumulate_over_the_conversation() -> None:
    t = tracker("er is brand", intent="crisis_acute", slots={"safety_signals": ["suicide"], "resources_shown": []})
    _, _, events = await run(ActionSafetyResponse(), t)
    assert slot_events(events)["safety_signals"] == ["suicide", "acute"]
    assert signals_in({"intent": {"name": "crisis_acute"}, "entities": []}) == ["acute"]


async def test_session_start_sets_the_municipality_details() -> None:
    _, _, events = await run(ActionSessionStart(), tracker())
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert slot_events(events)["municipality_phone"] == load_resources()["municipality"]["phone"]


async def test_taking_back_a_crisis_reply_is_no_answer_and_the_question_comes_back() -> None:
    from actions.intake import ValidateIntakeForm

    resource = [{"event": "user", "text": "ik wil er niet meer zijn"},
                {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_safety_suicide"}}]
    take_back = "nee zo bedoelde ik het niet, ik ben gewoon moe"
    t = tracker(take_back, intent="deny", requested_slot="what_was_tried", active_loop="intake_form",
                events=[*resource, {"event": "user", "text": take_back}])
    names, _, events = await run(ValidateIntakeForm(), t)
    assert names == ["utter_taken_back"] and slot_events(events) == {"what_was_tried": None}
    # Without a crisis reply just before, the same words are an answer like any other.
    t = tracker(take_back, intent="deny", requested_slot="what_was_tried", active_loop="intake_form",
                events=[{"event": "user", "text": take_back}])
    names, _, events = await run(ValidateIntakeForm(), t)
    assert "utter_taken_back" not in names and slot_events(events).get("what_was_tried") == take_back
