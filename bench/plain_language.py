"""Plain-language figures for every Dutch text a resident sees (the responses in ``domain.yml``).

Per text and overall:

* average sentence length in words (B1: about 10 words, none over 15) and the longest sentence;
* the Flesch-Douma score, the Dutch Flesch formula
  ``206.835 - 0.93 * (words / sentences) - 77 * (syllables / words)`` (70 or more reads easily);
* the share of rare words: Dutch Zipf frequency below 3 in ``wordfreq`` (fewer than one in a million
  words of running Dutch text);
* official words found (``indien``, ``teneinde``, ``middels`` ...) and decision or promise words
  (``bot/notes/decision_words_nl.yml``).

Counting rules, chosen to be simple and repeatable:

* ``{placeholders}`` are removed before counting (their values come from configuration);
* web and e-mail addresses are removed; digits (phone numbers, 112, 15.00) are not words;
* a sentence ends at ``.``, ``!`` or ``?`` followed by a space (or the end), or at a line break;
* syllables: Dutch hyphenation (``pyphen``'s ``nl_NL`` dictionary) splits a word into parts; a part
  counts as many syllables as it has vowel groups, at least one (the dictionary never splits off a
  one-letter syllable at the edge of a word, so ``idee`` is one part but two syllables).

Responses in another language (``utter_other_language_*``) are left out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_FILE = ROOT / "domain.yml"
DECISION_WORDS_FILE = ROOT / "bot" / "notes" / "decision_words_nl.yml"

RARE_ZIPF = 3.0
EASY_SCORE = 70.0
MAX_SENTENCE_WORDS = 15
NOT_DUTCH = re.compile(r"^utter_other_language_")

# Official words ("ambtelijke taal") from the domain guide's B1 rules, and their usual companions in
# Dutch plain-language word lists. Matched as whole words, case-insensitively.
OFFICIAL_WORDS = (
    "indien", "teneinde", "middels", "conform", "inzake", "derhalve", "alsmede", "dient te", "dienen te",
    "betreffende", "betreft", "verstrekken", "relevant", "omtrent", "tevens", "thans", "alvorens",
    "voornoemd", "voornoemde", "desalniettemin", "doch", "hetgeen", "aldus", "reeds", "ten behoeve van",
    "in het kader van", "met betrekking tot", "onverminderd", "ingevolge", "krachtens", "woonachtig",
)

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_ADDRESS = re.compile(
    r"(?:https?://)?(?:[\w.+-]+@)?(?:[\w-]+\.)+(?:nl|com|org|eu|net|info)\b(?:/[^\s]*[^\s.,!?;:])?", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)]*\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâèéêìíîòóôùúû]+|[äëïöü][aeiouyàáâèéêìíîòóôùúû]*", re.I)


# ------------------------------------------------------------------ counting
def clean(text: str) -> str:
    """The text as read: placeholders and addresses removed, spaces tidied (line breaks kept)."""
    text = _ADDRESS.sub(" ", _PLACEHOLDER.sub(" ", text))
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())


def sentences(text: str) -> list[str]:
    """Sentences that hold at least one word."""
    return [s.strip() for s in _SENTENCE_END.split(clean(text)) if _WORD.search(s)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def vowel_groups(word: str) -> int:
    return len(_VOWEL_GROUP.findall(word))


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="nl_NL")


@lru_cache(maxsize=20000)
def syllables(word: str) -> int:
    """Dutch syllables: hyphenation parts, each counted by its vowel groups (at least one)."""
    parts = [p for p in re.split(r"[-'’]", word) if p]
    total = 0
    for part in parts:
        pieces = _hyphenator().inserted(part.lower()).split("-")
        total += sum(max(1, vowel_groups(piece)) for piece in pieces if piece)
    return max(1, total)


def flesch_douma(n_words: int, n_sentences: int, n_syllables: int) -> float | None:
    if not n_words or not n_sentences:
        return None
    return 206.835 - 0.93 * (n_words / n_sentences) - 77 * (n_syllables / n_words)


@lru_cache(maxsize=20000)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "nl")


def is_rare(word: str) -> bool:
    return zipf(word) < RARE_ZIPF


@lru_cache(maxsize=1)
def decision_phrases() -> tuple[str, ...]:
    if not DECISION_WORDS_FILE.exists():
        return ()
    data = yaml.safe_load(DECISION_WORDS_FILE.read_text("utf-8")) or {}
    return tuple(str(p).lower() for p in data.get("phrases") or [])


def find_phrases(text: str, phrases: tuple[str, ...] | list[str]) -> list[str]:
    """Phrases present in the text as whole words (case-insensitive), each listed once."""
    lowered = clean(text).lower()
    found = []
    for phrase in phrases:
        pattern = r"(?<![\w])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w])"
        if re.search(pattern, lowered):
            found.append(phrase)
    return found


# ------------------------------------------------------------------ one text
@dataclass
class TextFigures:
    name: str
    text: str
    sentences: int
    words: int
    syllables: int
    avg_sentence_words: float | None
    max_sentence_words: int
    long_sentences: int  # over MAX_SENTENCE_WORDS
    flesch_douma: float | None
    rare_words: list[str] = field(default_factory=list)
    rare_share: float = 0.0
    official_words: list[str] = field(default_factory=list)
    decision_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("avg_sentence_words", "flesch_douma", "rare_share"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        return data


def measure_text(name: str, text: str) -> TextFigures:
    sents = sentences(text)
    lengths = [len(words(s)) for s in sents]
    all_words = [w for s in sents for w in words(s)]
    n_syll = sum(syllables(w) for w in all_words)
    rare = [w for w in all_words if is_rare(w)]
    return TextFigures(
        name=name,
        text=text,
        sentences=len(sents),
        words=len(all_words),
        syllables=n_syll,
        avg_sentence_words=(len(all_words) / len(sents)) if sents else None,
        max_sentence_words=max(lengths, default=0),
        long_sentences=sum(n > MAX_SENTENCE_WORDS for n in lengths),
        flesch_douma=flesch_douma(len(all_words), len(sents), n_syll),
        rare_words=sorted({w.lower() for w in rare}),
        rare_share=(len(rare) / len(all_words)) if all_words else 0.0,
        official_words=find_phrases(text, OFFICIAL_WORDS),
        decision_words=find_phrases(text, decision_phrases()),
    )


# ------------------------------------------------------------------ all texts
def domain_texts(path: Path = DOMAIN_FILE) -> list[tuple[str, str]]:
    """(name, text) for every Dutch response variation; ``name`` is ``utter_x`` or ``utter_x#2``."""
    domain = yaml.safe_load(path.read_text("utf-8"))
    texts = []
    for response, variations in (domain.get("responses") or {}).items():
        if NOT_DUTCH.match(response):
            continue
        with_text = [v for v in variations or [] if v.get("text")]
        for i, variation in enumerate(with_text, 1):
            texts.append((response if len(with_text) == 1 else f"{response}#{i}", variation["text"]))
    return texts


def overall(figures: list[TextFigures]) -> dict[str, Any]:
    """Pooled over all texts (every sentence and word counted once), plus the spread per text."""
    n_sent = sum(f.sentences for f in figures)
    n_words = sum(f.words for f in figures)
    n_syll = sum(f.syllables for f in figures)
    n_rare = sum(round(f.rare_share * f.words) for f in figures)
    scores = [f.flesch_douma for f in figures if f.flesch_douma is not None]
    score = flesch_douma(n_words, n_sent, n_syll)
    return {
        "texts": len(figures),
        "sentences": n_sent,
        "words": n_words,
        "avg_sentence_words": round(n_words / n_sent, 2) if n_sent else None,
        "max_sentence_words": max((f.max_sentence_words for f in figures), default=0),
        "sentences_over_15_words": sum(f.long_sentences for f in figures),
        "flesch_douma": round(score, 1) if score is not None else None,
        "flesch_douma_median_per_text": round(statistics.median(scores), 1) if scores else None,
        "texts_below_70": sum(s < EASY_SCORE for s in scores),
        "rare_share": round(n_rare / n_words, 4) if n_words else 0.0,
        "rare_words": sorted({w for f in figures for w in f.rare_words}),
        "official_words": sorted({w for f in figures for w in f.official_words}),
        "decision_words": sorted({w for f in figures for w in f.decision_words}),
    }


def run(path: Path = DOMAIN_FILE) -> dict[str, Any]:
    figures = [measure_text(name, text) for name, text in domain_texts(path)]
    return {
        "source": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
        "rules": {"rare_zipf_below": RARE_ZIPF, "easy_score": EASY_SCORE, "max_sentence_words": MAX_SENTENCE_WORDS,
                  "official_words": list(OFFICIAL_WORDS), "decision_words": list(decision_phrases())},
        "overall": overall(figures),
        "per_text": [f.as_dict() for f in figures],
    }


if __name__ == "__main__":
    import json

    result = run()
    print(json.dumps(result["overall"], indent=2, ensure_ascii=False))
