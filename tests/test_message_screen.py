"""MessageScreen, the last NLU component, on real Rasa Message objects (no mocks of Rasa)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.message_screen import SCREEN_KEY, MessageScreen

ROOT = Path(__file__).resolve().parent.parent


def _component(tmp_path: Path, **config: Any) -> MessageScreen:
    """Built the way Rasa builds it for prediction: `create` with storage and context."""
    return MessageScreen.create(
        {**MessageScreen.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("message_screen"),
        ExecutionContext(GraphSchema({}), "test-model"),
    )


@pytest.fixture(scope="module")
def screen(tmp_path_factory: pytest.TempPathFactory) -> MessageScreen:
    return _component(tmp_path_factory.mktemp("storage"))


def _message(text: str, intent: str = "tell", confidence: float = 0.9, ranking: list | None = None) -> Message:
    """A message as the classifier and the FallbackClassifier leave it."""
    ranking = ranking or [{"name": intent, "confidence": confidence}, {"name": "dont_know", "confidence": 0.05}]
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": [],
        },
        output_properties={"text", "intent", "intent_ranking", "entities"},
    )


def _run(screen: MessageScreen, message: Message) -> Message:
    (out,) = screen.process([message])
    return out


def _entities(message: Message, name: str) -> list[str]:
    return [e["value"] for e in message.get("entities") if e["entity"] == name]


# ------------------------------------------------------------------------- safety


def test_a_crisis_inside_a_story_overrides_the_intent(screen: MessageScreen):
    text = "Ik heb schulden en eigenlijk wil ik er niet meer zijn"
    message = _run(screen, _message(text, "tell", 0.93))
    assert message.get("intent") == {"name": "crisis_suicide", "confidence": 1.0}
    ranking = [r["name"] for r in message.get("intent_ranking")]
    assert ranking[:2] == ["crisis_suicide", "tell"]  # the classifier's view stays visible
    (entity,) = message.get("entities")
    assert entity == {
        "entity": "signal",
        "value": "suicide",
        "start": 0,
        "end": len(text),
        "extractor": "MessageScreen",
    }
    summary = message.get(SCREEN_KEY)
    assert summary["signals"] == ["suicide"] and summary["source"] == "lexicon"
    assert summary["hits"][0]["entry"] == "er_niet_meer_zijn"
    assert summary["classifier_intent"] == {"name": "tell", "confidence": 0.93}


@pytest.mark.parametrize("form_intent", ["affirm", "dont_know", "skip", "nlu_fallback", "stop"])
def test_an_answer_typed_into_a_form_is_screened_too(screen: MessageScreen, form_intent: str):
    message = _run(screen, _message("ja maar ik wil er niet meer zijn", form_intent, 0.8))
    assert message.get("intent")["name"] == "crisis_suicide"
    assert _entities(message, "signal") == ["suicide"]


def test_every_signal_gets_an_entity_and_the_most_serious_wins(screen: MessageScreen):
    message = _run(screen, _message("mijn man slaat me, ik wil dood en nu is er brand"))
    assert message.get("intent")["name"] == "crisis_acute"
    assert _entities(message, "signal") == ["acute", "suicide", "violence"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("mijn vriend slaat mij", "crisis_violence"),
        ("ik krijg geen lucht", "crisis_acute"),
        ("zelfmoort", "crisis_suicide"),
    ],
)
def test_each_signal_has_its_intent(screen: MessageScreen, text: str, intent: str):
    assert _run(screen, _message(text)).get("intent")["name"] == intent


def test_the_classifier_alone_raises_a_suspicion_never_an_alarm(screen: MessageScreen):
    # The lexicon finds nothing here: no crisis intent, no signal, but a suspicion for a calm check-in.
    ranking = [{"name": "crisis_violence", "confidence": 0.95}, {"name": "tell", "confidence": 0.04}]
    message = _run(screen, _message("thuis gaat het echt helemaal mis met hem", "crisis_violence", 0.95, ranking))
    assert message.get("intent")["name"] == "tell"
    assert _entities(message, "signal") == []
    summary = message.get(SCREEN_KEY)
    assert summary["signals"] == [] and summary["suspected"] == ["violence"] and summary["source"] == "classifier"


@pytest.mark.parametrize(
    "text",
    ["ik schrik me dood van die brief", "mijn opa is vorig jaar gestorven", "ik ga dood van verveling hier",
     "de buurman slaat de hele dag met de deur"],
)
def test_figures_of_speech_and_grief_raise_no_suspicion(screen: MessageScreen, text: str):
    ranking = [{"name": "crisis_suicide", "confidence": 0.98}, {"name": "tell", "confidence": 0.01}]
    message = _run(screen, _message(text, "crisis_suicide", 0.98, ranking))
    summary = message.get(SCREEN_KEY)
    assert summary["signals"] == [] and summary["suspected"] == [] and summary["figurative"] is True
    assert message.get("intent")["name"] == "tell"


def test_an_unsure_or_short_classifier_crisis_raises_nothing(screen: MessageScreen):
    ranking = [{"name": "crisis_acute", "confidence": 0.7}, {"name": "out_of_scope", "confidence": 0.2}]
    assert _run(screen, _message("het gaat niet zo goed met mij", "crisis_acute", 0.7, ranking)).get(
        SCREEN_KEY)["suspected"] == []
    sure = [{"name": "crisis_acute", "confidence": 0.99}, {"name": "tell", "confidence": 0.01}]
    assert _run(screen, _message("De buurjongen.", "crisis_acute", 0.99, sure)).get(SCREEN_KEY)["suspected"] == []


@pytest.mark.parametrize("text", ["06 12345678", "0612", "15.00", "+31 20 123 4567"])
def test_a_number_is_never_a_crisis_on_the_classifiers_word(screen: MessageScreen, text: str):
    # Seen with the trained model: a phone number typed for the contact form came back crisis_acute.
    ranking = [{"name": "crisis_acute", "confidence": 0.81}, {"name": "tell", "confidence": 0.1}]
    message = _run(screen, _message(text, intent="crisis_acute", confidence=0.81, ranking=ranking))
    assert message.get("intent")["name"] == "tell"  # no crisis rule fires ...
    assert _entities(message, "signal") == []  # ... and no signal is recorded
    assert _run(screen, _message("112", intent="tell")).get("intent")["name"] == "crisis_acute"  # the lexicon does


def test_an_unsure_crisis_intent_under_nlu_fallback_does_not(screen: MessageScreen):
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "crisis_suicide", "confidence": 0.45}]
    message = _run(screen, _message("het gaat niet zo goed", "nlu_fallback", 0.4, ranking))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("entities") == []


@pytest.mark.parametrize(
    "text", ["ik ben zo moe van alles", "mijn moeder is overleden", "mijn buurman slaat met deuren"]
)
def test_a_heavy_but_safe_message_keeps_its_intent(screen: MessageScreen, text: str):
    message = _run(screen, _message(text, "tell", 0.88))
    assert message.get("intent") == {"name": "tell", "confidence": 0.88}
    assert message.get("entities") == []
    assert message.get(SCREEN_KEY)["signals"] == []


def test_entities_of_other_extractors_are_kept(screen: MessageScreen):
    message = _message("bij wat zou helpen bedoel ik: hij slaat me", "correct", 0.8)
    message.set("entities", [{"entity": "section", "value": "what_would_help", "start": 4, "end": 19}])
    out = _run(screen, message)
    assert [e["entity"] for e in out.get("entities")] == ["section", "signal"]


# ------------------------------------------------------------------------- length and empty


def test_a_too_long_message_gets_too_long(screen: MessageScreen):
    text = "Mijn moeder woont alleen en heeft veel hulp nodig bij het huishouden. " * 40
    assert len(text) > 2000
    message = _run(screen, _message(text))
    assert message.get("intent") == {"name": "too_long", "confidence": 1.0}
    assert message.get(SCREEN_KEY)["too_long"] is True


def test_a_crisis_wins_over_length(screen: MessageScreen):
    text = "Mijn moeder woont alleen en heeft veel hulp nodig. " * 50 + "Ik wil er niet meer zijn."
    assert _run(screen, _message(text)).get("intent")["name"] == "crisis_suicide"


def test_the_length_limit_is_configurable(tmp_path: Path):
    short_limit = _component(tmp_path, max_message_chars=20, language_detection=False)
    assert _run(short_limit, _message("mijn huur is veel te hoog geworden")).get("intent")["name"] == "too_long"
    assert _run(short_limit, _message("mijn huur")).get("intent")["name"] == "tell"


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_message_becomes_nlu_fallback(screen: MessageScreen, text: str):
    message = _run(screen, _message(text, "greet", 0.3))
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get(SCREEN_KEY)["empty"] is True


# ------------------------------------------------------------------------- language

FOREIGN = [
    ("I need help with paying my rent", "en"),
    ("can someone call me back please", "en"),
    ("kira ödeyemiyorum lütfen yardım edin", "tr"),
    ("potrzebuję pomocy z czynszem", "pl"),
    ("ich brauche Hilfe mit meiner Miete", "de"),
    ("je ne parle pas néerlandais", "fr"),
    ("necesito ayuda con el alquiler", "es"),
    ("أحتاج إلى مساعدة من فضلك", "ar"),
    ("мені потрібна допомога будь ласка", "uk"),
]

# Short, informal, Flemish, typo-ridden and mixed Dutch: none of it may count as another language.
DUTCH = [
    "ik wil dood gaan",
    "wil nie meer leven",
    "kheb schulden en kweet nie wa ik moet doen",
    "ge moet mij helpen aub",
    "da klopt nie",
    "ja hoor",
    "nee dank je",
    "taxi naar de bingo",
    "wmo aanvraag hulp thuis",
    "mantelzorg is te zwaar",
    "t is allemaal te veel",
    "kzie het ni meer zitten",
    "sorry my bad ik bedoelde iets anders",
    "oke top thanks",
    "allez ge weet wel",
    "amai da's veel",
    "ik heb een burn-out",
    "help me snel",
    "please bel mij terug",
    "super bedankt",
    "me man werkt niet",
    "sorry voor mijn slecht nederlands",
    "mijn zoon heeft autisme en adhd",
    "de deurwaarder komt morgen",
    "zorgverzekering betalen lukt niet",
    "hallo goedemorgen",
    "ons moeder kan niet meer alleen thuis blijven",
    "mama heeft dementie",
]


@pytest.mark.parametrize(("text", "code"), FOREIGN)
def test_a_clearly_foreign_message_gets_other_language(screen: MessageScreen, text: str, code: str):
    message = _run(screen, _message(text, "tell", 0.6))
    assert message.get("intent") == {"name": "other_language", "confidence": 1.0}
    assert _entities(message, "language") == [code]
    assert message.get(SCREEN_KEY)["language"] == code


@pytest.mark.parametrize("text", DUTCH)
def test_dutch_is_never_taken_for_another_language(screen: MessageScreen, text: str):
    message = _run(screen, _message(text, "tell", 0.6))
    assert message.get(SCREEN_KEY)["language"] == "nl", text
    assert message.get("intent")["name"] != "other_language"
    assert _entities(message, "language") == []


def test_two_latin_words_are_too_few_to_judge(screen: MessageScreen):
    message = _run(screen, _message("help please", "request_human", 0.7))
    assert message.get("intent")["name"] == "request_human"


@pytest.mark.parametrize(
    ("text", "intent", "code"),
    [("I want to kill myself", "crisis_suicide", "en"), ("my husband beats me every night", "crisis_violence", "en")],
)
def test_a_crisis_wins_over_language(screen: MessageScreen, text: str, intent: str, code: str):
    message = _run(screen, _message(text, "other_language", 0.9))
    assert message.get("intent")["name"] == intent
    # The language still comes along, so the reply can give the crisis line in words they read.
    assert _entities(message, "language") == [code]


def test_language_detection_can_be_switched_off(tmp_path: Path):
    off = _component(tmp_path, language_detection=False)
    message = _run(off, _message("I need help with paying my rent", "tell", 0.6))
    assert message.get("intent")["name"] == "tell"


def test_a_bad_language_setting_stops_at_start(tmp_path: Path):
    with pytest.raises(ValueError, match="language_accuracy"):
        _component(tmp_path, language_accuracy="medium")


# ------------------------------------------------------------------------- what Rasa returns


def test_the_summary_is_part_of_the_parse_data(screen: MessageScreen):
    # Rasa's processor builds /model/parse and the tracker's latest_message from exactly this.
    parse_data = _run(screen, _message("hij heeft een mes")).as_dict(only_output_properties=True)
    assert parse_data["intent"]["name"] == "crisis_acute"
    assert parse_data[SCREEN_KEY]["signals"] == ["acute"]
    assert parse_data["entities"][0]["entity"] == "signal"


def test_rasa_accepts_the_component_at_the_end_of_the_pipeline():
    """Rasa's own graph validation of config.yml: registration, type hints, place in the graph."""
    import rasa.shared.utils.io
    from rasa.engine.recipes.recipe import Recipe
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    config = rasa.shared.utils.io.read_model_configuration(ROOT / "config.yml")
    model_config = Recipe.recipe_for_name(config.get("recipe")).graph_config_for_recipe(
        config, {}, training_type=TrainingType.BOTH
    )
    validate(model_config)
    nodes = model_config.predict_schema.nodes
    (name,) = [n for n in nodes if n.startswith("run_bot.nlu.message_screen.MessageScreen")]
    assert "FallbackClassifier" in nodes[name].needs["messages"]
    assert nodes["run_RegexMessageHandler"].needs["messages"] == name


@pytest.mark.parametrize(
    "text",
    ["jan.de.vries@gmail.com", "Pieter.Janssens+gemeente@telenet.be", "marie-claire@orange.fr",
     "kowalski.anna@wp.pl", "mijn mail is jean.dupont@laposte.fr", "https://www.example.com/page",
     "1234 AB", "+32 470 12 34 56", "Jean-Pierre", "Agnieszka", "Wojciech Kowalczyk"],
)
def test_contact_details_and_short_messages_are_never_another_language(screen: MessageScreen, text: str):
    # Seen: 8 of 9 e-mail addresses were taken as English, French, Portuguese or Polish.
    assert screen.detect_language(text)[0] == "nl"
    assert _run(screen, _message(text)).get("intent")["name"] != "other_language"


@pytest.mark.parametrize("text", ["via de chat", "later via de chat", "whatsapp is prima", "na de lunch",
                                  "Jan de Vries"])
def test_short_dutch_answers_with_international_words_are_dutch(screen: MessageScreen, text: str):
    # Seen: "via de chat" to "Hoe mag de medewerker u noemen?" got the English answer, three times over.
    assert screen.detect_language(text)[0] == "nl"


@pytest.mark.parametrize(("text", "language"), [
    ("I live in de Bilt and need help", "en"), ("preciso de ajuda", "pt"), ("necesito ayuda por favor", "es"),
    ("ich brauche Hilfe", "de"), ("ben yardım istiyorum", "tr"), ("help me please", "en"),
])
def test_other_languages_are_still_recognised(screen: MessageScreen, text: str, language: str):
    assert screen.detect_language(text)[0] == language


@pytest.mark.parametrize(("text", "intent"), [("klpot", "affirm"), ("ja grag", "affirm"), ("Prima!", "affirm"),
                                              ("nee hoor", "deny"), ("liever niet", "deny")])
def test_a_bare_yes_or_no_is_that_whatever_the_classifier_read(screen: MessageScreen, text: str, intent: str):
    assert _run(screen, _message(text, intent="goodbye")).get("intent")["name"] == intent
    # Longer messages and buttons keep the classifier's intent.
    longer = _run(screen, _message(f"{text} maar ik wil eerst iets vragen", intent="tell"))
    assert longer.get("intent")["name"] == "tell"


def test_words_with_digits_are_no_language(screen: MessageScreen):
    # Seen: "Roodborst3d6d32" without its digits was three words, enough for the detector to say English.
    assert screen.detect_language("Roodborst3d6d32") == ("nl", 1.0)
    assert screen.detect_language("mijn referentie is NST-4K2P")[0] == "nl"


# ------------------------------------------------------------------------- the classifier's runner-up


def _unsure(text: str, *ranked: tuple[str, float]) -> Message:
    return _message(text, ranked[0][0], ranked[0][1], [{"name": n, "confidence": c} for n, c in ranked])


def test_an_unsure_question_to_naast_with_a_question_mark_is_that_question(screen: MessageScreen):
    text = "krijgt mijn stiefvader te zien wat ik hier zeg?"
    message = _run(screen, _unsure(text, ("nlu_fallback", 0.4), ("ask_privacy", 0.39), ("crisis_violence", 0.18)))
    assert message.get("intent")["name"] == "ask_privacy"


@pytest.mark.parametrize("ranked", [
    (("nlu_fallback", 0.4), ("ask_privacy", 0.39)),  # no question mark: an answer may mention privacy
    (("nlu_fallback", 0.4), ("tell", 0.35), ("ask_privacy", 0.2)),  # the runner-up is no question to Naast
])
def test_without_a_question_mark_or_a_question_runner_up_the_fallback_stands(screen: MessageScreen, ranked):
    text = "krijgt mijn stiefvader te zien wat ik hier zeg" + ("?" if ranked[1][0] == "tell" else "")
    assert _run(screen, _unsure(text, *ranked)).get("intent")["name"] == "nlu_fallback"


def test_a_pause_cue_with_stop_as_runner_up_is_a_stop(screen: MessageScreen):
    text = "ik moet even stoppen, de kinderen komen thuis"
    assert _run(screen, _unsure(text, ("tell", 0.54), ("stop", 0.39))).get("intent")["name"] == "stop"
    # without the classifier's doubt, or without the pause cue, the classifier's intent stands
    doubtless = _unsure(text, ("tell", 0.54), ("dont_know", 0.3), ("affirm", 0.1))
    assert _run(screen, doubtless).get("intent")["name"] == "tell"
    no_cue = _unsure("de kinderen komen thuis", ("tell", 0.54), ("stop", 0.39))
    assert _run(screen, no_cue).get("intent")["name"] == "tell"
