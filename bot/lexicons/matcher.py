"""Naast's one matcher for cue words: terms over lemmatised words (syntax: see ``themes_nl.yml``).

Used for the side-path cues, yes/no words, means, channels and sections (bot/lexicons/cues.py) and
for the summariser's themes and cues. The safety screen has its own pattern language with gaps
(bot/safety/screen.py), built for recall; both share one text normaliser (``fold``).

Terms match a word's lower-case form or its lemma: ``woord`` exactly, ``woord*`` as a prefix,
``*woord`` as a suffix, ``*woord*`` inside, and ``twee woorden`` as consecutive words. With
``fuzzy=True`` a single-word term of 7+ letters also matches a word one typo away, but only when that
word is unknown to the Dutch lookup tables (so "vervelend" never passes for "vervelen").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from spacy.language import Language

FUZZY_MIN_LEN = 7


@dataclass(frozen=True)
class Word:
    lower: str
    lemma: str
    known: bool = True  # known to the lookup tables: never typo-matched


class Hit(NamedTuple):
    key: str
    start: int
    end: int


def affix_matches(form: str, kind: str, text: str) -> bool:
    """``form`` is ``text`` (exact), starts with it (prefix), ends with it (suffix) or contains it (anything else).

    The one definition of a term's ``*`` syntax, here and in the safety screen's patterns.
    """
    if kind == "exact":
        return form == text
    if kind == "prefix":
        return form.startswith(text)
    if kind == "suffix":
        return form.endswith(text)
    return text in form


class _Part(NamedTuple):
    kind: str  # exact | prefix | suffix | infix
    text: str

    def matches(self, word: Word) -> bool:
        return any(affix_matches(form, self.kind, self.text) for form in (word.lower, word.lemma))


def _parse(part: str) -> _Part:
    part = part.lower()
    if len(part) > 2 and part.startswith("*") and part.endswith("*"):
        return _Part("infix", part[1:-1])
    if part.endswith("*"):
        return _Part("prefix", part[:-1])
    if part.startswith("*"):
        return _Part("suffix", part[1:])
    return _Part("exact", part)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


class Lexicon:
    """Compiled terms for several keys (life domains, cue groups)."""

    def __init__(self, groups: Mapping[str, Iterable[str]], *, fuzzy: bool = False) -> None:
        self.keys = tuple(groups)
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._patterns: list[tuple[_Part, str]] = []
        self._phrases: dict[str, list[tuple[tuple[_Part, ...], str]]] = defaultdict(list)
        self._pattern_phrases: list[tuple[tuple[_Part, ...], str]] = []
        self._fuzzy: dict[str, set[str]] = defaultdict(set)
        for key, terms in groups.items():
            for term in terms:
                self._add(key, str(term), fuzzy)

    def _add(self, key: str, term: str, fuzzy: bool) -> None:
        parts = tuple(_parse(p) for p in term.split())
        if not parts:
            return
        if len(parts) > 1:
            first = parts[0]
            target = self._phrases[first.text] if first.kind == "exact" else None
            (target if target is not None else self._pattern_phrases).append((parts, key))
        elif parts[0].kind == "exact":
            self._exact[parts[0].text].add(key)
            if fuzzy and len(parts[0].text) >= FUZZY_MIN_LEN:
                for variant in {parts[0].text} | _deletions(parts[0].text):
                    self._fuzzy[variant].add(key)
        else:
            self._patterns.append((parts[0], key))

    def find(self, words: Sequence[Word]) -> list[Hit]:
        """All hits in ``words``, one per key and start position."""
        hits: dict[tuple[str, int], Hit] = {}
        for i, word in enumerate(words):
            for key in self._word_keys(word):
                hits.setdefault((key, i), Hit(key, i, i + 1))
            for parts, key in self._phrase_candidates(word):
                if self._phrase_at(words, i, parts):
                    hits.setdefault((key, i), Hit(key, i, i + len(parts)))
        return list(hits.values())

    def keys_in(self, words: Sequence[Word]) -> set[str]:
        return {hit.key for hit in self.find(words)}

    def _word_keys(self, word: Word) -> set[str]:
        keys = self._exact.get(word.lower, set()) | self._exact.get(word.lemma, set())
        keys = keys | {key for part, key in self._patterns if part.matches(word)}
        if not keys and self._fuzzy and not word.known and len(word.lower) >= FUZZY_MIN_LEN:
            for variant in {word.lower} | _deletions(word.lower):
                keys = keys | self._fuzzy.get(variant, set())
        return keys

    def _phrase_candidates(self, word: Word) -> list[tuple[tuple[_Part, ...], str]]:
        found = self._phrases.get(word.lower, [])
        if word.lemma != word.lower:
            found = found + self._phrases.get(word.lemma, [])
        return found + self._pattern_phrases

    @staticmethod
    def _phrase_at(words: Sequence[Word], start: int, parts: tuple[_Part, ...]) -> bool:
        if start + len(parts) > len(words):
            return False
        return all(part.matches(words[start + j]) for j, part in enumerate(parts))


# ----------------------------------------------------------------------------- text

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_REPEATS = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """Lower case, no accents (suïcide -> suicide), typed-out letters cut to two (neeee -> nee)."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1\1", text)


class Lemmas:
    """Lemma look-up that also catches capitalised words (the lookup table is case-sensitive)."""

    def __init__(self, nlp: Language) -> None:
        from spacy.lang.nl.stop_words import STOP_WORDS

        self.stop_words = STOP_WORDS
        self.table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self.lemmas = set(self.table.values())

    def word(self, text: str, lemma: str) -> Word:
        lower = text.lower()
        if lemma == text and text != lower:
            lemma = self.table.get(lower, lower)
        lemma = lemma.lower()
        known = lower in self.table or lower in self.lemmas or lower in self.stop_words
        return Word(lower, lemma, known=known)


@lru_cache(maxsize=2)
def lemmas_of(nlp: Language) -> Lemmas:
    return Lemmas(nlp)


@lru_cache(maxsize=256)
def words(text: str) -> tuple[Word, ...]:
    """The words of a short message (folded, lemmatised by the Dutch spaCy pipeline), punctuation left out.

    Cached: one message is matched against several word lists, and a form asks for its required
    slots (which look at the story) several times per turn; spaCy runs once per text.
    """
    from bot.nlp import load_pipeline

    nlp = load_pipeline()
    table = lemmas_of(nlp)
    return tuple(table.word(t.text, t.lemma_) for t in nlp(fold(text)) if not (t.is_punct or t.is_space))
