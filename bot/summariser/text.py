"""Sentences and lemmatised words of the resident's answers, from the blank Dutch spaCy pipeline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Span

from bot.lexicons.matcher import Lemmas, Word, lemmas_of
from bot.nlp import load_pipeline

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


def split_sentences(answers: Sequence[tuple[str, str]], nlp: Language | None = None) -> list[Sentence]:
    """Sentences of ``(slot, text)`` answers, in order. Line breaks end a sentence too."""
    nlp = nlp or load_pipeline()
    lemmas = lemmas_of(nlp)
    pieces = [(slot, line) for slot, text in answers for line in text.splitlines() if line.strip()]
    sentences: list[Sentence] = []
    for (slot, _line), doc in zip(pieces, nlp.pipe(line for _slot, line in pieces), strict=True):
        for span in doc.sents:
            sentence = _sentence(span, slot, lemmas)
            if sentence is not None:
                sentences.append(sentence)
    return sentences


def _sentence(span: Span, slot: str, lemmas: Lemmas) -> Sentence | None:
    text = span.text.strip()
    if not _HAS_WORD.search(text):
        return None
    words = tuple(lemmas.word(t.text, t.lemma_) for t in span if not (t.is_punct or t.is_space))
    return Sentence(text, words, slot)
