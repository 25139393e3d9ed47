"""Sentences and lemmatised words of the resident's answers, from the blank Dutch spaCy pipeline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Span

from bot.nlp import load_pipeline
from bot.summariser.lexicon import Word

_HAS_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim slice of the (scrubbed) answer
    words: tuple[Word, ...]
    source: str  # the slot it comes from

    @property
    def content_lemmas(self) -> set[str]:
        return {w.lemma for w in self.words
                if w.lower.isalpha() and len(w.lower) > 2 and w.lower not in STOP_WORDS}


class _Lemmas:
    """Lemma look-up that also catches capitalised words (the lookup table is case-sensitive)."""

    def __init__(self, nlp: Language) -> None:
        self.table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self.lemmas = set(self.table.values())

    def word(self, text: str, lemma: str) -> Word:
        lower = text.lower()
        if lemma == text and text != lower:
            lemma = self.table.get(lower, lower)
        lemma = lemma.lower()
        known = lower in self.table or lower in self.lemmas or lower in STOP_WORDS
        return Word(lower, lemma, known=known)


@lru_cache(maxsize=2)
def _lemmas(nlp: Language) -> _Lemmas:
    return _Lemmas(nlp)


def split_sentences(answers: Sequence[tuple[str, str]], nlp: Language | None = None) -> list[Sentence]:
    """Sentences of ``(slot, text)`` answers, in order. Line breaks end a sentence too."""
    nlp = nlp or load_pipeline()
    lemmas = _lemmas(nlp)
    pieces = [(slot, line) for slot, text in answers for line in text.splitlines() if line.strip()]
    sentences: list[Sentence] = []
    for (slot, _line), doc in zip(pieces, nlp.pipe(line for _slot, line in pieces), strict=True):
        for span in doc.sents:
            sentence = _sentence(span, slot, lemmas)
            if sentence is not None:
                sentences.append(sentence)
    return sentences


def _sentence(span: Span, slot: str, lemmas: _Lemmas) -> Sentence | None:
    text = span.text.strip()
    if not _HAS_WORD.search(text):
        return None
    words = tuple(lemmas.word(t.text, t.lemma_) for t in span if not (t.is_punct or t.is_space))
    return Sentence(text, words, slot)
