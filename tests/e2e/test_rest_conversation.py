"""Whole conversations over Rasa's REST channel, with the real Rasa and action servers."""

from __future__ import annotations

import uuid

from bot.processes import Servers
from bot.resources import load_resources
from tests.conversation import Conversation, wait_for

STORY = "Sinds mijn heupoperatie kan ik het huishouden niet meer doen en ik kom de deur bijna niet meer uit"
EFFECT = "Dan kan ik weer zelf naar de markt en naar mijn kleindochter"
TRIED = "Mijn dochter doet nu de boodschappen maar zij werkt ook en heeft weinig tijd"
HELP = "Iemand die een keer per week komt helpen met schoonmaken"
NETWORK = "Mijn dochter en de buurvrouw van hiernaast"


def _talk(servers: Servers) -> Conversation:
    return Conversation(servers.rasa_url, f"e2e-{uuid.uuid4().hex[:12]}")


def test_whole_intake_reaches_read_back_with_five_slots(servers: Servers) -> None:
    c = _talk(servers)
    assert c.say("Hallo") == ["utter_opening", "utter_opening_how", "utter_opening_privacy", "utter_ask_situation"]
    assert load_resources()["municipality"]["phone"] in c.texts[2]  # filled from config/resources.yml
    assert c.say(STORY) == ["utter_ask_what_matters"]
    # A means ("een scootmobiel") gets the follow-up about what it would let them do again.
    assert c.say("Een scootmobiel") == ["utter_ask_what_matters_effect"]
    assert c.say(EFFECT) == ["utter_ask_what_was_tried"]
    assert c.say("ik weet het niet") == ["utter_help_what_was_tried", "utter_ask_what_was_tried"]
    assert c.say(TRIED) == ["utter_ask_what_would_help"]
    # A crisis typed as an answer is not swallowed: the resource comes first, the question returns.
    assert c.say("soms wil ik er gewoon niet meer zijn") == [
        "utter_safety_suicide", "utter_safety_stay", "utter_ask_what_would_help"
    ]
    assert "0800-0113" in c.texts[0]
    assert c.say(HELP) == ["utter_ask_network"]
    assert c.say(NETWORK) == ["utter_ask_network_load"]
    assert c.say("ja") == ["utter_ask_urgent"]
    assert c.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]
    assert STORY in c.texts[0] and HELP in c.texts[0]

    slots = c.tracker(servers.settings.rasa_token)["slots"]
    assert slots["situation"] == STORY
    assert slots["what_matters"] == "Een scootmobiel"
    assert slots["what_matters_effect"] == EFFECT
    assert slots["what_was_tried"] == TRIED
    assert slots["what_would_help"] == HELP
    assert slots["network"] == NETWORK
    assert slots["urgent"] is False
    assert slots["safety_signals"] == ["suicide"]
    assert "suicide_prevention" in slots["resources_shown"]


def test_crisis_as_first_message_gets_resource_first(servers: Servers) -> None:
    c = _talk(servers)
    names = c.say("mijn man slaat me en ik ben bang")
    assert names[0] == "utter_safety_violence"
    assert "0800-2000" in c.texts[0]
    # What the resident wrote is the start of their story: the bot asks for more, not to start over.
    assert names[-1] == "utter_ask_situation_more"
    assert c.tracker(servers.settings.rasa_token)["slots"]["situation"] == "mijn man slaat me en ik ben bang"


def test_side_paths_during_the_intake(servers: Servers) -> None:
    c = _talk(servers)
    c.say("Hallo")
    assert c.say("Wanneer wordt het grofvuil opgehaald?") == [
        "utter_out_of_scope", "utter_can_continue", "utter_ask_situation"
    ]
    assert c.say("Ben jij een robot?") == ["utter_bot_challenge", "utter_ask_situation"]
    assert c.say("Hello, I do not speak Dutch, can you help me in English please?") == [
        "utter_other_language_en", "utter_ask_situation"
    ]
    assert c.say("Ik wil een mens spreken") == ["utter_human_contact", "utter_human_walk_in", "utter_ask_pass_on"]
    assert c.say("nee") == ["utter_continue_here", "utter_ask_situation"]
    assert c.say("ik wil stoppen") == ["utter_stop", "utter_come_back"]
    # The stop deleted the conversation (issue 11): going on starts a new one, with the opening.
    assert c.say("verder") == ["utter_opening", "utter_opening_how", "utter_opening_privacy", "utter_ask_situation"]


def test_not_knowing_twice_skips_the_question(servers: Servers) -> None:
    c = _talk(servers)
    c.say("Hallo")
    assert c.say("geen idee") == ["utter_help_situation", "utter_ask_situation"]
    assert c.say("weet ik echt niet") == ["utter_skipped", "utter_ask_what_matters"]


def test_web_app_warms_rasa_up_at_start(servers: Servers) -> None:
    """The first resident must not pay for TensorFlow building its graphs (about a second)."""
    log = servers.workdir / "web.log"
    wait_for(lambda: "Rasa warmed up in" in log.read_text("utf-8", "replace"), seconds=120)
