from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.answers import free_text_answer, is_side_path, means_nobody, names_a_means
from actions.intake import ActionStoreFirstStory, ValidateIntakeForm
from tests.actions.support import domain, run, slot_events, tracker

FORM_SLOTS = domain()["forms"]["intake_form"]["required_slots"]


def test_free_text_fills_only_the_requested_slot() -> None:
    t = tracker("Ik heb schulden en ik slaap slecht", requested_slot="situation")
    assert free_text_answer(t, "situation") == {"situation": "Ik heb schulden en ik slaap slecht"}
    assert free_text_answer(t, "what_matters") == {}


def test_side_paths_are_not_answers() -> None:
    assert is_side_path(tracker("ik weet het niet", intent="dont_know", confidence=0.6))
    assert is_side_path(tracker("/request_human", intent="request_human", confidence=1.0))
    # The message screen's decisions always win, whatever the length.
    long_crisis = "ik heb zoveel schulden en eigenlijk wil ik er gewoon niet meer zijn, echt niet"
    assert is_side_path(tracker(long_crisis, intent="crisis_suicide", confidence=1.0))
    crisis = tracker(long_crisis, intent="crisis_suicide", requested_slot="situation")
    assert free_text_answer(crisis, "situation") == {}


def test_a_long_answer_that_starts_unsure_is_still_an_answer() -> None:
    text = "ik weet het niet goed maar misschien hulp bij het huishouden en de boodschappen"
    t = tracker(text, intent="dont_know", confidence=0.6, requested_slot="what_would_help")
    assert free_text_answer(t, "what_would_help") == {"what_would_help": text}


def test_means_get_a_follow_up_question() -> None:
    assert names_a_means("Ik wil graag een scootmobiel")
    assert names_a_means("een traplift zou fijn zijn")
    assert not names_a_means("Weer zelf naar de markt gaan")


def test_nobody_means_no_question_about_load() -> None:
    assert means_nobody("Niemand.")
    assert means_nobody("niemand eigenlijk")
    assert not means_nobody("Mijn dochter")


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


async def test_urgent_accepts_yes_no_or_a_description() -> None:
    form = ValidateIntakeForm()
    d = CollectingDispatcher()
    yes = tracker("ja", intent="affirm", requested_slot="urgent")
    assert await form.extract_urgent(d, yes, domain()) == {"urgent": True}
    no = tracker("nee", intent="deny", requested_slot="urgent")
    assert await form.extract_urgent(d, no, domain()) == {"urgent": False}
    text = "mijn stroom wordt vrijdag afgesloten"
    story = tracker(text, intent="tell", requested_slot="urgent")
    assert await form.extract_urgent(d, story, domain()) == {"urgent": True, "urgency_detail": text}
    await form.validate_urgent(True, d, story, domain())
    assert [m["response"] for m in d.messages] == ["utter_urgent_call"]


async def test_first_story_is_kept_as_situation() -> None:
    _, _, events = await run(ActionStoreFirstStory(), tracker("Ik ben mijn baan kwijt en heb schulden"))
    assert slot_events(events) == {"situation": "Ik ben mijn baan kwijt en heb schulden"}
    _, _, events = await run(ActionStoreFirstStory(), tracker("/greet", intent="greet"))
    assert events == []
