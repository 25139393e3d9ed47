"""Answer or side path: the one place that decides what the resident's message to an open question is.

While a form asks a question (Rasa's ``requested_slot``), the resident's message is the answer unless
a strong signal says otherwise (issue 10):
- a button payload ("/dont_know");
- a crisis signal from the safety lexicon (the message screen's ``crisis_*`` intent);
- a short message with an explicit cue from the side-path lexicon (bot/lexicons/side_path_cues_nl.yml)
  that agrees with the classifier: a person, stop, skip, "weet ik niet", goodbye;
- a question addressed to Naast (privacy, how long it takes, what happens to the story, "ben jij een
  robot?") or a short municipal question outside the social domain;
- another language, found by the language check on three or more words (never on e-mail
  addresses, phone numbers, postcodes or numbers: bot/nlu/message_screen.py).
The classifier's intent alone never throws an answer away. One side path per question: once the
question has come back after a side path, the next message is its answer (a button, a crisis, "weet
ik niet", leaving the question, another language and a real question to Naast still count), and a
message sent again is always the answer.

Rasa runs the form first after every message (RulePolicy's loop happy path); when the extractor
returns nothing the form is rejected and the side-path rules take over by intent. So a side path is
only ever chosen for an intent that has a rule in that form (``SIDE_PATHS``; tests/test_rasa_data.py
checks the rules exist).
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz
from rasa_sdk import Tracker

from bot.lexicons import cues

CRISIS = {"crisis_suicide", "crisis_violence", "crisis_acute"}
QUESTIONS_TO_NAAST = {"ask_privacy", "ask_duration", "ask_what_next", "bot_challenge"}
# Side paths that need a cue word as well as the classifier's intent (unless it is a button).
CUED = {"dont_know", "skip", "request_human", "stop", "goodbye", "insult"}
SCREENED = {"too_long", "other_language"}
# The side paths every form has rules for (data/rules/side_paths.yml, safety.yml).
SIDE_PATHS = CRISIS | QUESTIONS_TO_NAAST | {"dont_know", "skip", "request_human", "stop", "goodbye",
                                            "out_of_scope", "insult", "too_long", "other_language"}
FORMS = ("intake_form", "contact_form", "correction_form")
SHORT_WORDS = 8  # a cue counts in a message of at most this many words
QUESTION_WORDS = 15  # a question to Naast or to the municipality is at most this long
MAX_SIDE_PATHS = 1  # side paths at one question before any message is the answer
LEAVING = {"request_human", "stop", "goodbye"}
ENDING = {"stop", "goodbye"}
SAME_MESSAGE = 90  # rapidfuzz ratio from which two messages count as the same
# A message that starts like this describes something ("dat het ophoudt"): it answers the question,
# even with a cue word for leaving it. ("Dat weet ik niet" still is "weet ik niet": not for those.)
_ANSWER_START = re.compile(
    r"^(dat|zodat|iemand (die|om|met|voor|van|bij|waar)|iets (dat|wat|om)|een \w+ (die|om|voor|met)|"
    r"hulp (bij|met|van|voor)|ge\w+[dt])\b",  # ... and a past participle: "gebeld met het UWV"
    re.I,
)
_QUESTION_START = re.compile(
    r"^(wanneer|waar|waarom|hoe|hoelang|hoeveel|wat|wie|welke|kan|kun|kunt|mag|moet|is|zijn|heeft|hebben|"
    r"wordt|gaat|krijg|krijgt)\b", re.I
)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> tuple[str, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def screen_of(message: dict[str, Any]) -> dict[str, Any]:
    return message.get("naast_screen") or {}


def is_button(text: str) -> bool:
    return text.startswith("/")


def _is_question(text: str) -> bool:
    """A question mark, a question word, or Dutch inversion (verb first: "duurt dit lang", "ben je een
    mens", "slaan jullie dit op") at the start of a clause; "tijdelijke woonruimte" is no question."""
    if text.rstrip().endswith("?"):
        return True
    for clause in _CLAUSES.split(text.lower()):
        found = clause.split()
        if _QUESTION_START.match(clause.strip()) or clause.strip().startswith(_ASKING):
            return True
        if len(found) >= 2 and found[1] in _INVERTED_SUBJECTS and found[0] not in _NOT_A_VERB:
            return True
    return False


_CLAUSES = re.compile(r"[,;.!]+")
_ASKING = ("ik wil weten", "ik vraag me af", "mag ik vragen", "en wat", "en dan", "en nu", "met wie")
_INVERTED_SUBJECTS = frozenset(
    (  # noqa: SIM905 - a word list reads better as text
        "je jij u jullie ik er dit dat het iemand daar hier mijn gij ge we wij ze zij hij men mn m'n"
    ).split()
)
_NOT_A_VERB = frozenset(
    (  # noqa: SIM905 - a word list reads better as text
        "dat als of en maar want omdat toen nu dan ook wel niet nog al hier daar er ik jij je u hij zij "
        "ze we wij het een de mijn zijn haar hun ons onze bij voor met van naar door om op in uit aan tot "
        "over zonder sinds tegen na zo heel erg veel weinig zelf alleen misschien gewoon vooral eigenlijk "
        "soms vaak altijd nooit ja nee"
    ).split()
)


def _user_turns_at(tracker: Tracker, slot: str) -> list[str]:
    """The resident's messages (oldest first) since the form started asking ``slot``, the latest included."""
    texts: list[str] = []
    asked_at = 0  # how many of `texts` came after the earliest time the form asked this slot
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            texts.append((event.get("text") or "").strip())
        elif kind == "slot" and event.get("name") == "requested_slot":
            if event.get("value") != slot:
                break
            asked_at = len(texts)
    return list(reversed(texts[:asked_at]))


def _is_repeat(turns: list[str]) -> bool:
    """The latest message is (nearly) the same as the one before it at this question."""
    return len(turns) >= 2 and fuzz.ratio(cues.normalise(turns[-1]), cues.normalise(turns[-2])) >= SAME_MESSAGE


def side_paths_taken(tracker: Tracker, slot: str | None) -> int:
    return max(0, len(_user_turns_at(tracker, slot)) - 1) if slot else 0


def side_path(tracker: Tracker) -> str | None:
    """The side path the latest message takes at the open question, or None: it is the answer."""
    slot = tracker.get_slot("requested_slot")
    name, confidence = latest_intent(tracker)
    text = latest_text(tracker)
    if name not in SIDE_PATHS:
        return None
    if is_button(text):
        return name
    turns = _user_turns_at(tracker, slot) if slot else []
    repeat = _is_repeat(turns)
    if name in CRISIS:  # the lexicon said so (bot/nlu/message_screen.py)
        return None if repeat else name
    if name in LEAVING:  # these leave the question: they never make it come back
        if _ANSWER_START.match(text) or repeat:  # "dat het ophoudt", "iemand om mee te praten": an answer
            return None
        if name == "request_human" and tracker.active_loop_name == "contact_form":
            return None  # a person is what the contact details are for: "langskomen" answers the question
        if name in ENDING and not cues.says(text, "pause"):
            # These end the conversation and wipe it: only a message that says no more than that.
            # A pause keeps the conversation, so "ik moet even stoppen, de kinderen komen" is one.
            return name if cues.only_says(text, name) else None
        return name if len(text.split()) <= SHORT_WORDS and cues.says(text, name) else None
    if repeat and name != "dont_know":
        return None
    words = len(text.split())
    # Another language and a real question to Naast are answered however often they come: each is
    # a different message, and keeping "Ben jij een robot?" as someone's story would be wrong.
    if name in SCREENED:
        return name
    if name in QUESTIONS_TO_NAAST:  # a question: "tijdelijke woonruimte of urgentie" is an answer
        return name if words <= QUESTION_WORDS and _is_question(text) else None
    # The question has come back once already: a third time in a row would be a loop, so this
    # message is the answer (actions/side_paths.py skips after a second "weet ik niet").
    if name != "dont_know" and len(turns) - 1 >= MAX_SIDE_PATHS:
        return None
    if name == "out_of_scope":
        return name if words <= QUESTION_WORDS and _is_question(text) and confidence >= 0.6 else None
    if name in CUED:
        return name if words <= SHORT_WORDS and cues.says(text, name) else None
    return None


def is_side_path(tracker: Tracker) -> bool:
    return side_path(tracker) is not None


def answer_text(tracker: Tracker, slot: str) -> str | None:
    """The latest message as the answer to ``slot``, or None (not asked, a side path, or a button)."""
    if tracker.get_slot("requested_slot") != slot or is_side_path(tracker):
        return None
    text = latest_text(tracker)
    return text if text and not is_button(text) else None


def answer_or_button_word(tracker: Tracker, slot: str) -> str | None:
    """Like ``answer_text``, with the Ja/Nee buttons as the words "ja" and "nee" (the note shows them as facts)."""
    return answer_text(tracker, slot) or BUTTON_WORDS.get(latest_text(tracker))


BUTTON_WORDS = {"/affirm": "ja", "/deny": "nee"}


def free_text_answer(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The slot filled with the latest message, if the bot asked for this slot and it is an answer."""
    text = answer_text(tracker, slot)
    return {slot: text} if text else {}


def yes_no(tracker: Tracker) -> bool | None:
    """True or False for a plain ja/nee (a button, the classifier on a short message, or the word list)."""
    text = latest_text(tracker)
    name, confidence = latest_intent(tracker)
    said = cues.yes_or_no(text)
    if said is not None:
        return said
    if name in ("affirm", "deny") and (is_button(text) or (len(text.split()) <= 3 and confidence >= 0.8)):
        return name == "affirm"
    return None


def names_a_means(text: str) -> bool:
    """Does the answer ask for a thing or service rather than an effect (a scootmobiel, a taxi)?"""
    return cues.mentions(text, "means")


def means_nobody(text: str) -> bool:
    """Does the answer to "Wie helpt u nu?" mean that nobody helps?"""
    return cues.mentions(text, "nobody") and len(text.split()) <= 4
