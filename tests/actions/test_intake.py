from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import means_nobody, names_a_means
from actions.intake import ValidateIntakeForm, for_whom_values
from actions.session import ActionOpen, tells_something
from tests.actions.support import domain, run, slot_events, tracker

FORM_SLOTS = domain()["forms"]["intake_form"]["required_slots"]


def test_means_get_a_follow_up_question() -> None:
    assert names_a_means("Ik wil graag een scootmobiel")
    assert names_a_means("een traplift zou fijn zijn")
    assert names_a_means("Scootmobielen")
    assert not names_a_means("Weer zelf naar de markt gaan")


def test_nobody_means_no_question_about_load() -> None:
    assert means_nobody("Niemand.")
    assert means_nobody("niemand eigenlijk")
    assert not means_nobody("Mijn dochter")
    assert not means_nobody("De buurjongen.")


async def test_required_slots_follow_the_answers() -> None:
    form = ValidateIntakeForm()
    d = CollectingDispatcher()
    plain = tracker(slots={"what_matters": "Weer naar buiten kunnen", "network": "niemand"})
    assert await form.required_slots(FORM_SLOTS, d, plain, domain()) == FORM_SLOTS
    means = tracker(slots={"what_matters": "Een rolstoel", "network": "Mijn zoon", "urgent": True})
    slots = await form.required_slots(FORM_SLOTS, d, means, domain())
    assert slots.index("what_matters_effect") == slots.index("what_matters") + 1
    assert slots.index("network_load") == slots.index("network") + 1
    assert slots[-1] == "urgency_detail"


async def test_a_first_story_gets_a_question_for_more_and_a_named_person_a_question_for_whom() -> None:
    form = ValidateIntakeForm()
    d = CollectingDispatcher()
    opened = tracker(slots={"situation": "Mijn moeder valt steeds", "situation_from_opening": True,
                            "person_hint": "uw moeder"})
    slots = await form.required_slots(FORM_SLOTS, d, opened, domain())
    assert slots[:3] == ["situation", "situation_more", "for_whom"]
    # A carer is asked about their own load even when nobody else helps.
    carer = tracker(slots={"network": "niemand", "about_other": True})
    assert "network_load" in await form.required_slots(FORM_SLOTS, d, carer, domain())


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Over mijzelf", {"for_whom": "self", "about_other": False}),
        ("nee", {"for_whom": "self", "about_other": False}),
        ("Over mijn vader", {"for_whom": "mijn vader", "about_other": True, "person": "uw vader"}),
        ("het gaat om m'n buurvrouw", {"for_whom": "mijn buurvrouw", "about_other": True, "person": "uw buurvrouw"}),
        ("Over iemand anders", {"for_whom": "uw oma", "about_other": True, "person": "uw oma"}),
    ],
)
def test_for_whom(answer: str, expected: dict) -> None:
    assert for_whom_values(answer, "uw oma") == expected


async def test_urgent_keeps_the_yes_and_the_words() -> None:
    form = ValidateIntakeForm()
    d = CollectingDispatcher()
    yes = tracker("ja", intent="affirm", requested_slot="urgent")
    assert await form.extract_urgent(d, yes, domain()) == {"urgent": True}
    no = tracker("nee hoor", intent="deny", requested_slot="urgent")
    assert await form.extract_urgent(d, no, domain()) == {"urgent": False}
    both = tracker("ja er is geen eten meer in huis", intent="affirm", confidence=0.93, requested_slot="urgent")
    assert await form.extract_urgent(d, both, domain()) == {"urgent": True,
                                                            "urgency_detail": "ja er is geen eten meer in huis"}
    text = "mijn stroom wordt vrijdag afgesloten"
    story = tracker(text, intent="tell", requested_slot="urgent")
    assert await form.extract_urgent(d, story, domain()) == {"urgent": True, "urgency_detail": text}
    assert [m["response"] for m in d.messages] == ["utter_urgent_call"] * 3


@pytest.mark.parametrize(
    ("text", "intent", "story"),
    [
        ("ik heb schulden en weet niet meer wat ik moet doen", "tell", True),
        ("IK HEB HULP NODIG MET GELD", "tell", True),
        ("Ik weet het allemaal niet meer", "dont_know", False),  # says nothing yet: "Wat speelt er?"
        ("Ik wil hulp", "tell", False),
        ("Hallo, kunt u mij helpen?", "greet", False),
        ("weet ik niet", "dont_know", False),
        ("/greet", "greet", False),
    ],
)
def test_what_counts_as_the_start_of_a_story(text: str, intent: str, story: bool) -> None:
    assert tells_something(text, intent) is story


async def test_the_opening_keeps_a_first_story_and_the_person_it_names() -> None:
    names, _, events = await run(ActionOpen(), tracker("mijn vader kan niet meer alleen douchen"))
    assert names == ["utter_opening", "utter_opening_how", "utter_opening_privacy"]
    assert slot_events(events) == {"opened": True, "situation": "mijn vader kan niet meer alleen douchen",
                                   "situation_from_opening": True, "person_hint": "uw vader"}


async def test_the_opening_answers_a_first_question_before_the_intake() -> None:
    names, _, events = await run(ActionOpen(), tracker("wat gebeurt er met mijn verhaal?", intent="ask_privacy"))
    assert names[3:] == ["utter_answer_privacy"]
    assert slot_events(events) == {"opened": True}
    names, _, _ = await run(ActionOpen(), tracker("ik wil een mens spreken", intent="request_human"))
    assert names[3:] == ["utter_human_contact", "utter_human_walk_in", "utter_can_continue"]
