"""Plain-language figures for every Dutch text a resident sees (the responses in ``domain.yml``).

Per text and overall:

* average sentence length in words (B1: about 10 words, none over 15) and the longest sentence;
* the Flesch-Douma score, the Dutch Flesch formula
  ``206.835 - 0.93 * (words / sentences) - 77 * (syllables / words)`` (70 or more reads easily);
* the share of rare words: Dutch Zipf frequency below 3 in ``wordfreq`` (fewer than one in a million
  words of running Dutch text);
* official words found (``indien``, ``teneinde``, ``middels`` ...) and decision or promise words
  (``bot/texts/decision_words_nl.yml``).

The counting and the lists are the text store's own check (``bot/texts/check.py``: textstat's
Flesch-Douma with pyphen's Dutch syllables, wordfreq for rare words, the shipped official and decision
word lists), so the bench measures exactly what an editor sees.

Responses in another language (``utter_other_language_*``) are left out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.texts import check

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_FILE = ROOT / "domain.yml"

RARE_ZIPF = check.RARE_ZIPF
EASY_SCORE = check.EASY_SCORE
MAX_SENTENCE_WORDS = check.MAX_SENTENCE_WORDS
NOT_DUTCH = re.compile(r"^utter_other_language_")
flesch_douma = check.flesch_douma


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
    numbers = check.figures(text)
    return TextFigures(
        name=name, text=text, sentences=numbers.sentences, words=numbers.words, syllables=numbers.syllables,
        avg_sentence_words=numbers.avg_sentence_words, max_sentence_words=numbers.max_sentence_words,
        long_sentences=numbers.long_sentences, flesch_douma=numbers.flesch_douma, rare_words=numbers.rare_words,
        rare_share=(numbers.rare_count / numbers.words) if numbers.words else 0.0,
        official_words=numbers.official_words, decision_words=numbers.decision_words,
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
                  "official_words": list(check.official_words()),
                  "decision_words": list(check.decision_words())},
        "overall": overall(figures),
        "per_text": [f.as_dict() for f in figures],
    }


if __name__ == "__main__":
    import json

    result = run()
    print(json.dumps(result["overall"], indent=2, ensure_ascii=False))
