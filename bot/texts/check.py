"""The plain-language check run on every text edit, by ``naast check-texts`` and by ``make bench``.

Hard failures block publishing (``Finding.blocking``): an empty text, a decision or promise word
("u komt in aanmerking": Naast decides nothing), a crisis text without its number, a broken
``{placeholder}``. Everything else is advice for the editor: words per sentence (B1: about 10, none
over 15), the Flesch-Douma score (textstat with ``set_lang("nl")``, pyphen's Dutch hyphenation for
syllables; 70 or more reads easily), rare words (Zipf frequency below 3 in wordfreq's Dutch list),
official words, more than one question in one message, and mixing "u" with "je".

Counting rules: ``{placeholders}``, web and e-mail addresses are removed before counting (their values
come from configuration); digits are not words; a sentence ends at ``.``, ``!`` or ``?`` followed by a
space (or the end), or at a line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DECISION_WORDS_FILE = HERE / "decision_words_nl.yml"
OFFICIAL_WORDS_FILE = HERE / "official_words_nl.yml"

RARE_ZIPF = 3.0
EASY_SCORE = 70.0
MAX_SENTENCE_WORDS = 15
ERROR, ADVICE = "error", "advice"

_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}\n]*)\}(?!\})")
_ESCAPED_BRACES = re.compile(r"\{\{|\}\}")
_SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ADDRESS = re.compile(
    r"(?:https?://)?(?:[\w.+-]+@)?(?:[\w-]+\.)+(?:nl|com|org|eu|net|info)\b(?:/[^\s]*[^\s.,!?;:])?", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)]*\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_U_FORMS = frozenset({"u", "uw", "uzelf"})
_JE_FORMS = frozenset({"je", "jij", "jou", "jouw", "jezelf", "jullie"})
_NUMBER = re.compile(r"\d(?:[\d -]*\d)?")


@lru_cache(maxsize=4)
def shipped_words(path: Path, key: str) -> tuple[str, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(str(word).strip().lower() for word in data.get(key) or [] if str(word).strip())


def decision_words() -> tuple[str, ...]:
    return shipped_words(DECISION_WORDS_FILE, "phrases")


def official_words() -> tuple[str, ...]:
    return shipped_words(OFFICIAL_WORDS_FILE, "words")


@dataclass(frozen=True)
class Rules:
    """What one text must satisfy. ``placeholders``: the {names} it may use (None: any slot-like name)."""

    language: str = "nl"
    resident: bool = True
    placeholders: frozenset[str] | None = None
    numbers: tuple[str, ...] = ()  # a crisis text must show each of these numbers
    official: tuple[str, ...] = ()
    decision: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str  # Dutch, for the editor
    variation: int | None = None  # 0-based index, None for the whole text
    words: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["words"] = list(self.words)
        data["variation"] = None if self.variation is None else self.variation + 1
        return data


@dataclass
class Figures:
    """Counts for one piece of text (bench/plain_language.py reports them per text and pooled)."""

    sentences: int
    words: int
    syllables: int
    avg_sentence_words: float | None
    max_sentence_words: int
    long_sentences: int
    flesch_douma: float | None
    rare_words: list[str] = field(default_factory=list)
    rare_count: int = 0
    official_words: list[str] = field(default_factory=list)
    decision_words: list[str] = field(default_factory=list)
    questions: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("avg_sentence_words", "flesch_douma"):
            if data[key] is not None:
                data[key] = round(data[key], 1)
        return data


@dataclass
class Report:
    findings: list[Finding]
    figures: list[Figures | None]  # per variation; None for an empty text or another language

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def ok(self) -> bool:
        return not self.blocking

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.as_dict() for f in self.findings],
                "figures": [f.as_dict() if f else None for f in self.figures]}


# ------------------------------------------------------------------ counting
def clean(text: str) -> str:
    """The text as read: placeholders and addresses removed, spaces tidied (line breaks kept)."""
    text = _ADDRESS.sub(" ", _PLACEHOLDER.sub(" ", _ESCAPED_BRACES.sub(" ", text)))
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())


def sentences(text: str) -> list[str]:
    """Sentences that hold at least one word."""
    return [s.strip() for s in _SENTENCE_END.split(clean(text)) if _WORD.search(s)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def _textstat():  # noqa: ANN202 - textstat has no type hints
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang("nl")  # Flesch-Douma constants and pyphen's nl hyphenation for syllables
    stats.set_rounding(False)
    return stats


@lru_cache(maxsize=20000)
def syllables(word: str) -> int:
    return max(1, _textstat().syllable_count(word))


def flesch_douma(n_words: int, n_sentences: int, n_syllables: int) -> float | None:
    """The Dutch Flesch formula with textstat's "nl" constants (also used to pool many texts)."""
    if not n_words or not n_sentences:
        return None
    from textstat.textstat import langs

    nl = langs["nl"]
    return nl["fre_base"] - nl["fre_sentence_length"] * n_words / n_sentences - nl["fre_syll_per_word"] * (
        n_syllables / n_words)


@lru_cache(maxsize=50000)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "nl")


def find_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """Phrases present in the text as whole words (case-insensitive), each listed once."""
    lowered = clean(text).lower()
    found = []
    for phrase in phrases:
        pattern = r"(?<![\w])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w])"
        if phrase not in found and re.search(pattern, lowered):
            found.append(phrase)
    return found


def figures(text: str, rules: Rules = Rules()) -> Figures:
    sents = sentences(text)
    lengths = [len(words(s)) for s in sents]
    all_words = [w for s in sents for w in words(s)]
    n_syll = sum(syllables(w.lower()) for w in all_words)
    rare = [w for w in all_words if zipf(w) < RARE_ZIPF]
    return Figures(
        sentences=len(sents), words=len(all_words), syllables=n_syll,
        avg_sentence_words=(len(all_words) / len(sents)) if sents else None,
        max_sentence_words=max(lengths, default=0),
        long_sentences=sum(n > MAX_SENTENCE_WORDS for n in lengths),
        flesch_douma=flesch_douma(len(all_words), len(sents), n_syll),
        rare_words=sorted({w.lower() for w in rare}), rare_count=len(rare),
        official_words=find_phrases(text, rules.official or official_words()),
        decision_words=find_phrases(text, rules.decision or decision_words()),
        questions=sum(s.rstrip("\"'’”) ").endswith("?") for s in sents),
    )


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(text)]


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def numbers_in(text: str) -> set[str]:
    """Phone numbers as digits ("0800-2000" and "0800 2000" are the same number)."""
    return {_digits(m.group(0)) for m in _NUMBER.finditer(text)}


def _broken_braces(text: str) -> bool:
    rest = _PLACEHOLDER.sub("", _ESCAPED_BRACES.sub("", text))
    return "{" in rest or "}" in rest


# ------------------------------------------------------------------ the check
def check(variations: Sequence[dict[str, Any]], rules: Rules = Rules()) -> Report:
    """Check every variation (``{"text", "buttons"?}``) of one text."""
    findings: list[Finding] = []
    all_figures: list[Figures | None] = []
    if not variations:
        findings.append(Finding("empty", ERROR, "Deze tekst heeft geen enkele variant. Schrijf minstens één tekst."))
    for index, variation in enumerate(variations):
        text = str(variation.get("text") or "")
        titles = [str(b.get("title") or "") for b in variation.get("buttons") or []]
        findings += _hard(index, text, titles, rules)
        numbers = figures(text, rules) if rules.language == "nl" and text.strip() else None
        all_figures.append(numbers)
        if numbers is not None:
            findings += _advice(index, text, numbers, rules)
    return Report(findings, all_figures)


def _hard(index: int, text: str, titles: list[str], rules: Rules) -> list[Finding]:
    found: list[Finding] = []
    if not text.strip():
        found.append(Finding("empty", ERROR, "Deze variant is leeg. Een bewoner zou dan niets zien.", index))
        return found
    for title in titles:
        if not title.strip():
            found.append(Finding("empty_button", ERROR, "Een knop heeft geen tekst.", index))
    for piece in [text, *titles]:
        if _broken_braces(piece):
            found.append(Finding("broken_placeholder", ERROR, "Er staat een losse { of } in de tekst. Een invulveld "
                                 "schrijft u zo: {municipality_phone}.", index))
        for name in placeholders(piece):
            allowed = rules.placeholders
            if not _SLOT_NAME.match(name) or (allowed is not None and name not in allowed):
                found.append(Finding("broken_placeholder", ERROR, f"Het invulveld {{{name}}} bestaat niet bij deze "
                                     "tekst. De bewoner zou het zo zien staan.", index, (name,)))
    if rules.language == "nl":
        decision = find_phrases(" ".join([text, *titles]), rules.decision or decision_words())
        if decision:
            found.append(Finding("decision_word", ERROR, "Naast beslist niets en belooft niets. Haal deze woorden "
                                 "weg: " + ", ".join(f"„{w}”" for w in decision) + ".", index, tuple(decision)))
    shown = numbers_in(text)
    missing = [n for n in rules.numbers if _digits(n) not in shown]
    if missing:
        found.append(Finding("crisis_number", ERROR, "Dit is een tekst voor een bewoner in nood. Het nummer "
                             + ", ".join(missing) + " moet erin staan.", index, tuple(missing)))
    return found


def _advice(index: int, text: str, numbers: Figures, rules: Rules) -> list[Finding]:
    found: list[Finding] = []
    if numbers.long_sentences:
        found.append(Finding("long_sentence", ADVICE, f"De langste zin heeft {numbers.max_sentence_words} woorden. "
                             f"Houd zinnen onder de {MAX_SENTENCE_WORDS + 1} woorden.", index))
    if numbers.flesch_douma is not None and numbers.flesch_douma < EASY_SCORE:
        found.append(Finding("readability", ADVICE, f"Leesbaarheid (Flesch-Douma) {numbers.flesch_douma:.0f}. Vanaf "
                             f"{EASY_SCORE:.0f} leest een tekst makkelijk. Kies kortere zinnen en woorden.", index))
    if numbers.rare_words:
        found.append(Finding("rare_word", ADVICE, "Weinig gebruikte woorden: " + ", ".join(numbers.rare_words)
                             + ". Is er een gewoner woord?", index, tuple(numbers.rare_words)))
    if numbers.official_words:
        found.append(Finding("official_word", ADVICE, "Ambtelijke woorden: " + ", ".join(numbers.official_words)
                             + ". Kies gewone woorden.", index, tuple(numbers.official_words)))
    if rules.resident and numbers.questions > 1:
        found.append(Finding("questions", ADVICE, f"Deze tekst stelt {numbers.questions} vragen. Stel één vraag "
                             "per bericht.", index))
    if rules.resident:
        lowered = {w.lower() for w in words(clean(text))}
        if lowered & _JE_FORMS:
            both = bool(lowered & _U_FORMS)
            found.append(Finding("address", ADVICE, ("Deze tekst zegt zowel „u” als „je”. " if both else
                                 "Deze tekst zegt „je”. ") + "Naast spreekt bewoners aan met „u”.", index,
                                 tuple(sorted(lowered & _JE_FORMS))))
    return found
