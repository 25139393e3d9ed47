"""MessageScreen: the last step of Naast's NLU pipeline; it sees every resident message.

It runs after the intent classifier and the FallbackClassifier (config.yml), so it screens free-text answers typed
inside a form as well: a form slot never sees a message this component has not seen first.

What it does, in this order of precedence:
1. Safety. Only the Dutch lexicon (bot/safety) raises an alarm: a lexicon hit makes the intent
   ``crisis_acute`` / ``crisis_suicide`` / ``crisis_violence`` (the most serious signal, acute >
   suicide > violence) at confidence 1.0, and adds one ``signal`` entity per signal. Safety wins over
   everything below. A ``crisis_*`` intent from the classifier alone is demoted (its best other intent
   goes on top) and, when the classifier is very sure, the message is long enough and it is not a
   figure of speech or grief ("ik schrik me dood", "mijn opa is gestorven"), it is kept as a
   *suspicion* in ``naast_screen["suspected"]``: the actions answer that with a calm check-in, never
   with an alarm (issue 10: 10 of 30 everyday messages got "Bel nu 112" from the classifier alone).
2. Empty text: intent ``nlu_fallback`` (``empty_intent``).
3. Longer than ``max_message_chars``: intent ``too_long`` (``too_long_intent``).
4. Clearly not Dutch: intent ``other_language`` and a ``language`` entity (ISO 639-1). E-mail
   addresses, URLs, phone numbers, postcodes and other numbers are taken out before the check, and
   fewer than ``min_words_for_language`` words left are never another language (an e-mail address
   is not French). A crisis message in another language keeps its crisis intent and gets the
   ``language`` entity too. The detector must also be sure (``min_other_confidence``): "via de chat"
   is 0.15 English, 0.12 Dutch.
5. A bare yes or no, also with one typo ("klpot", "ja grag", "nee hoor"): ``affirm`` / ``deny``.
6. Where the classifier hesitates and the words are clear, its runner-up: a question (a question
   mark) that the FallbackClassifier left unsure between a question to Naast and something else is
   that question ("krijgt mijn stiefvader te zien wat ik hier zeg?"); a message with a pause cue
   ("ik moet even stoppen, de kinderen komen") is a stop when the classifier ranks stop among its
   first three. Both keep the conversation (a question is answered and asked again; a pause keeps
   everything): the answer logic (actions/answers.py) still decides whether the message is an answer.
Otherwise the classifier's prediction stands.

An overriding intent goes first in ``intent_ranking`` and the classifier's ranking follows, so the
classifier's view stays visible (as the FallbackClassifier does). A summary goes to
``message.data["naast_screen"]``, which Rasa returns in parse data (``/model/parse``) and keeps in
the tracker's ``latest_message``; the entities carry the same facts for slot mappings.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.config import ROOT
from bot.lexicons import cues
from bot.safety.screen import SIGNALS, dutch_words, load_lexicon, screen_message

logger = logging.getLogger(__name__)

SCREEN_KEY = "naast_screen"
SIGNAL_ENTITY = "signal"
LANGUAGE_ENTITY = "language"
CRISIS_INTENTS = {signal: f"crisis_{signal}" for signal in SIGNALS}
SIGNAL_OF_INTENT = {intent: signal for signal, intent in CRISIS_INTENTS.items()}

# Words that only Dutch uses among the candidate languages: one of them and the message is Dutch,
# whatever the detector says (short, informal and mixed messages fool every detector). Not in the
# list on purpose: je (French), me (English/Spanish), de/en (French/Spanish), die/er/hier/wie
# (German), is/we/met (English), nie (Polish), kan (Turkish), mama.
DUTCH_MARKERS = frozenset(
    (  # noqa: SIM905 - a word list reads better as text
        "ik jij jullie hij wij mijn mn mij het een niet geen wel ook nog maar dat wat hoe waar "
        "waarom welke naar voor bij van zijn heb hebt heeft hebben wil wilt kun kunt moet zou "
        "gaat doe doet weet daar graag bedankt dank hoor oke nee alstublieft alsjeblieft aub "
        "kheb kben kwil op uw met zo toch goed heel bent wordt komt ga gaan mag zal hun ons onze jouw jij "
        "omdat dus nooit altijd vandaag gisteren thuis hulp"
    ).split()
)
# "de" is Dutch unless the detector hears a Romance language, where it is a word too.
ROMANCE = frozenset(["es", "fr", "pt", "it", "ro"])
SHORT_FOR_DETECTOR = 5
# English is the most common other language in Dutch municipalities, and the detector is weakest
# on short English sentences ("I want to kill myself"). Two of these words and no Dutch marker make a
# message English. Not in the list: words Dutch chat uses too (sorry, please, thanks, help, hi, me).
ENGLISH_MARKERS = frozenset(
    (  # noqa: SIM905 - a word list reads better as text
        "i my the you your want need with to myself and am are can cant dont im it for this that "
        "what how anyone someone speak english him her he she they do does have has will would"
    ).split()
)
_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageScreen(GraphComponent):
    """Safety lexicon, message length and language check on every message (see module doc)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Over this many characters the intent becomes `too_long_intent` (crisis still wins).
            "max_message_chars": 2000,
            "too_long_intent": "too_long",
            "empty_intent": "nlu_fallback",
            "other_language_intent": "other_language",
            # The classifier alone raises a suspicion (a calm check-in, never an alarm) only when it
            # gives a crisis intent at least this confidence on a message of at least this many words.
            "suspicion_threshold": 0.9,
            "suspicion_min_words": 4,
            # Lexicon file; relative paths are relative to the project root.
            "lexicon_path": None,
            "language_detection": True,
            # ISO 639-1 codes the detector chooses from; Dutch must be one of them.
            "languages": "nl en de fr es pt it tr pl ro bg ar fa ru uk so".split(),  # noqa: SIM905
            # "low": about 40 MB and well under 1 ms; "high": about 450 MB more memory, better at
            # naming the language of 3-5 word messages. Both never took a Dutch test message for
            # another language (tests/test_message_screen.py).
            "language_accuracy": "low",
            # Questions to Naast a question mark makes clear when the classifier was unsure (item 6).
            "question_intents": ["ask_privacy", "ask_duration", "ask_what_next", "bot_challenge"],
            "min_words_for_language": 3,
            # The message counts as Dutch while the detector gives Dutch at least this confidence.
            "max_dutch_confidence": 0.2,
            # ... or while it is unsure what else it is: "via de chat" is 0.15 English, 0.12 Dutch.
            "min_other_confidence": 0.5,
            "min_other_confidence_short": 0.75,  # below SHORT_FOR_DETECTOR words
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        path = self.config["lexicon_path"]
        self.lexicon = load_lexicon(ROOT / path) if path else load_lexicon()  # ROOT / absolute = absolute
        # The Dutch word tables (some 400,000 forms) load with the model, not with the first resident's
        # message: bench/profile.py found 2-4 s of that first message in each Rasa process there.
        dutch_words()
        # So do the side-path cue list and the spaCy lemmas it matches on (item 6 reads the pause cues):
        # loaded on a resident's message, they stalled that process for about a second.
        cues.says("", "pause")
        self._detector = None
        if self.config["language_detection"]:
            self._detector = _language_detector(tuple(self.config["languages"]), self.config["language_accuracy"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageScreen:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._screen(message)
        return messages

    # ------------------------------------------------------------------ one message

    def _screen(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        result = screen_message(text, self.lexicon)
        signals = result.signals
        classifier_signal, classifier_confidence = self._classifier_signal(message)
        suspected = []
        if classifier_signal and not signals and self._suspicious(text, classifier_confidence, result.figurative):
            suspected = [classifier_signal]
        empty = not text.strip()
        too_long = len(text) > self.config["max_message_chars"]
        language, language_confidence = self.detect_language(text)

        previous = message.get(INTENT)
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in SIGNAL_OF_INTENT:
            self._demote(message)  # the classifier alone never raises an alarm
        if signals:
            self._override(message, CRISIS_INTENTS[signals[0]])
            self._add_entities(message, SIGNAL_ENTITY, signals, text)
            if language != "nl":  # so the reply can give the crisis lines in words they can read
                self._add_entities(message, LANGUAGE_ENTITY, [language], text)
        elif empty:
            self._override(message, self.config["empty_intent"])
        elif too_long:
            self._override(message, self.config["too_long_intent"])
        elif language != "nl":
            self._override(message, self.config["other_language_intent"])
            self._add_entities(message, LANGUAGE_ENTITY, [language], text)
        elif not text.startswith("/") and (bare := cues.yes_or_no(text)) is not None:
            # A bare yes or no ("klpot", "ja grag", "nee hoor") is that, whatever the classifier read:
            # the read-back and the consent question hang on it (bot/lexicons/bare_answers_nl.yml).
            self._override(message, "affirm" if bare else "deny")
        elif runner_up := self._clear_runner_up(message, text):
            self._override(message, runner_up)

        summary = {
            "signals": signals,
            "suspected": suspected,
            "source": "lexicon" if signals else ("classifier" if suspected else None),
            "hits": [{"entry": h.entry, "signals": list(h.signals), "matched": h.matched} for h in result.hits],
            "figurative": result.figurative,
            "empty": empty,
            "too_long": too_long,
            "chars": len(text),
            "language": language,
            "language_confidence": round(language_confidence, 3),
            "classifier_intent": previous if message.get(INTENT) is not previous else None,
            "lexicon_updated": self.lexicon.updated,
        }
        message.set(SCREEN_KEY, summary, add_to_output=True)
        if signals or suspected:
            logger.info("MessageScreen: %s (%s)", message.get(INTENT)[INTENT_NAME_KEY], summary["source"])

    def _suspicious(self, text: str, confidence: float, figurative: bool) -> bool:
        words = len(_LETTERS.findall(without_details(text)))
        return (
            not figurative
            and confidence >= self.config["suspicion_threshold"]
            and words >= self.config["suspicion_min_words"]
        )

    def _classifier_signal(self, message: Message) -> tuple[str | None, float]:
        """The signal of the classifier's most confident crisis intent, and that confidence."""
        if not any(char.isalpha() for char in message.get(TEXT) or ""):
            return None, 0.0  # a phone number or a time is never a crisis on the classifier's word
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        intent = message.get(INTENT) or {}
        for ranked in [intent, *ranking]:
            name = ranked.get(INTENT_NAME_KEY)
            if name in SIGNAL_OF_INTENT:
                return SIGNAL_OF_INTENT[name], float(ranked.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        return None, 0.0

    def _clear_runner_up(self, message: Message, text: str) -> str | None:
        """The classifier's runner-up where the words leave no doubt (item 6 of the module doc)."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        ranked = [r.get(INTENT_NAME_KEY) for r in message.get(INTENT_RANKING_KEY) or []
                  if r.get(INTENT_NAME_KEY) not in (intent, "nlu_fallback")]
        if intent == "nlu_fallback" and text.rstrip().endswith("?") and ranked[:1] \
                and ranked[0] in self.config["question_intents"]:
            return ranked[0]
        if intent != "stop" and "stop" in ranked[:2] and cues.says(text, "pause"):
            return "stop"
        return None

    @staticmethod
    def _demote(message: Message) -> None:
        """Put the best non-crisis intent on top, so no crisis rule fires without a signal."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) not in SIGNAL_OF_INTENT]
        best = ranking[0] if ranking else {INTENT_NAME_KEY: "tell", PREDICTED_CONFIDENCE_KEY: 0.0}
        message.set(INTENT, {INTENT_NAME_KEY: best[INTENT_NAME_KEY],
                             PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY]}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    @staticmethod
    def _override(message: Message, intent_name: str) -> None:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == intent_name:
            return  # the classifier already said so: keep its confidence and ranking
        new = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent_name]
        message.set(INTENT, new, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(new), *ranking], add_to_output=True)

    def _add_entities(self, message: Message, entity: str, values: list[str], text: str) -> None:
        existing = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) != entity]
        added = [
            {
                ENTITY_ATTRIBUTE_TYPE: entity,
                ENTITY_ATTRIBUTE_VALUE: value,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
                EXTRACTOR: self.__class__.__name__,
            }
            for value in values
        ]
        message.set(ENTITIES, existing + added, add_to_output=True)

    # ------------------------------------------------------------------ language

    def detect_language(self, text: str) -> tuple[str, float]:
        """("nl", confidence) unless the message is clearly in another language."""
        if self._detector is None:
            return "nl", 1.0
        text = without_details(text)
        words = _LETTERS.findall(text)
        latin = sum(len(w) for w in words if _is_latin(w))
        non_latin = sum(len(w) for w in words) - latin
        # Dutch is written in Latin letters: mostly other letters need one word, Latin three or more.
        if not words or (non_latin <= latin and len(words) < self.config["min_words_for_language"]):
            return "nl", 1.0
        folded = [_fold(w).replace("'", "") for w in words]
        if any(w in DUTCH_MARKERS for w in folded):
            return "nl", 1.0
        english = sum(w in ENGLISH_MARKERS for w in folded)
        if english >= 2 and english >= 0.4 * len(folded):
            return "en", english / len(folded)
        confidences = self._detector.compute_language_confidence_values(text)
        if not confidences:
            return "nl", 1.0
        dutch = next((c.value for c in confidences if c.language.iso_code_639_1.name == "NL"), 0.0)
        top = confidences[0]
        if "de" in folded and not english and top.language.iso_code_639_1.name.lower() not in ROMANCE:
            return "nl", dutch
        # The detector guesses on a few words ("whatsapp is prima": 0.61 German): it must be surer.
        needed = self.config["min_other_confidence"] if len(words) >= SHORT_FOR_DETECTOR else \
            self.config["min_other_confidence_short"]
        if (top.language.iso_code_639_1.name == "NL" or dutch >= self.config["max_dutch_confidence"]
                or top.value < needed):
            return "nl", dutch
        return top.language.iso_code_639_1.name.lower(), top.value


# What the language check and the word count leave out: e-mail addresses, URLs, phone numbers,
# postcodes (1234 AB), numbers and any word with a digit in it (a reference, a code: "NST-4K2P" or
# "Roodborst3d6d32" is no language). "jan.kowalski@wp.pl" is not Polish.
_DETAILS = re.compile(
    r"[^\s@]+@[^\s@]+|(?:https?://|www\.)\S+|\b\d{4}\s?[a-zA-Z]{2}\b|\+?\d[\d\s().-]{4,}\d|\S*\d\S*"
)


def without_details(text: str) -> str:
    return _DETAILS.sub(" ", text)


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _is_latin(word: str) -> bool:
    return all("LATIN" in unicodedata.name(c, "") for c in word)


@lru_cache(maxsize=2)
def _language_detector(codes: tuple[str, ...], accuracy: str) -> Any:
    """A lingua detector restricted to `codes` (models ship inside the wheel: nothing is fetched)."""
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:  # pragma: no cover - lingua-language-detector is a dependency
        logger.warning("lingua-language-detector is not installed: language detection is off")
        return None
    if "nl" not in codes:
        raise ValueError("MessageScreen: `languages` must include 'nl'")
    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in codes]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if accuracy == "low":
        builder = builder.with_low_accuracy_mode()
    elif accuracy != "high":
        raise ValueError(f"MessageScreen: language_accuracy must be 'low' or 'high', not {accuracy!r}")
    # Loaded now, so the first resident who writes in another language does not wait for it.
    return builder.with_preloaded_language_models().build()
