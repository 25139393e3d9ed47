"""Cue words in a resident's message, through the one matcher (bot/lexicons/matcher.py).

Every word list content editors keep beside this module is read here and matched the same way:
side-path cues (``side_path_cues_nl.yml``), means and "nobody" (``means_nl.yml``), contact
channels (``contact_nl.yml``), read-back sections (``sections_nl.yml``), bare yes/no answers
(``bare_answers_nl.yml``) and the people a resident may tell about (``people_nl.yml``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.lexicons import load
from bot.lexicons.matcher import Lexicon, fold, words

_NOT_WORD = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    """Folded (lower case, no accents, no typed-out letters), punctuation removed, spaces collapsed."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


@lru_cache(maxsize=16)
def _lexicon(name: str, table: str | None = None) -> Lexicon:
    data = load(name)
    groups: Mapping[str, list[str]] = data[table] if table else data
    return Lexicon({key: [str(term) for term in terms] for key, terms in groups.items()}, fuzzy=True)


def keys_in(text: str, name: str, table: str | None = None) -> list[str]:
    """The keys of the list ``name`` (or its sub-table) whose terms occur in the text, in the list's order."""
    lexicon = _lexicon(name, table)
    found = lexicon.keys_in(words(text))
    return [key for key in lexicon.keys if key in found]


def says(text: str, intent: str) -> bool:
    """Does the message hold a side-path cue for ``intent`` (a person, stop, skip, "weet ik niet", ...)?"""
    return intent in keys_in(text, "side_path_cues_nl")


def only_says(text: str, intent: str) -> bool:
    """The message is a cue for ``intent`` and tells nothing else: every word is part of a cue for
    leaving (stop, goodbye, a pause) or carries no story (``no_story``). "Doei", "ik wil stoppen" and
    "oke, dan stop ik maar" leave; "Onze dochter belt elke dag" and "ik heb niet genoeg geld" hold a
    cue word ("dag", "genoeg") but are answers."""
    found = words(text)
    hits = [hit for hit in _lexicon("side_path_cues_nl").find(found) if hit.key == intent or hit.key in LEAVING_CUES]
    covered = {i for hit in hits for i in range(hit.start, hit.end)}
    no_story = _no_story()
    return bool(hits) and all(i in covered or word.lower in no_story for i, word in enumerate(found))


LEAVING_CUES = ("stop", "goodbye", "pause")


@lru_cache(maxsize=1)
def _no_story() -> frozenset[str]:
    return frozenset(normalise(str(w)) for w in load("side_path_cues_nl")["no_story"])


def mentions(text: str, group: str) -> bool:
    """Does the message name one of the means (``means``) or say "nobody" (``nobody``)?"""
    return group in keys_in(text, "means_nl")


def first_key(text: str, name: str, table: str) -> str | None:
    keys = keys_in(text, name, table)
    return keys[0] if keys else None


def yes_or_no(text: str) -> bool | None:
    """True for a bare yes ("ja hoor", "Jaaa!", "klpot"), False for a bare no, None for anything else.

    One typo (a letter missing, added, changed or two swapped) is forgiven in answers of four letters
    or more: residents on a phone type "ja grag" and "klpot" and mean yes.
    """
    bare = _squeezed(normalise(text))
    yes, no = _bare_answers()
    if bare in yes or bare in no:
        return bare in yes
    if len(bare) < TYPO_MIN_LETTERS:
        return None
    long_yes, long_no = _typo_candidates()
    near_yes = any(OSA.distance(bare, w) <= 1 for w in long_yes)
    near_no = any(OSA.distance(bare, w) <= 1 for w in long_no)
    return None if near_yes == near_no else near_yes


TYPO_MIN_LETTERS = 4


@lru_cache(maxsize=1)
def _typo_candidates() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The bare answers long enough to forgive a typo in (filtered once, not per message)."""
    return tuple(tuple(w for w in words if len(w) >= TYPO_MIN_LETTERS) for words in _bare_answers())


@lru_cache(maxsize=1)
def _bare_answers() -> tuple[frozenset[str], frozenset[str]]:
    answers = load("bare_answers_nl")
    return tuple(frozenset(_squeezed(normalise(str(w))) for w in answers[key]) for key in ("yes", "no"))


def _squeezed(text: str) -> str:
    """Doubled letters cut to one, so "jaa" and "neee" are "ja" and "ne"."""
    return re.sub(r"(\w)\1+", r"\1", text)


def leading_yes_or_no(text: str) -> bool | None:
    """The yes or no a longer answer starts with ("ja, er is geen eten meer" -> True)."""
    first = _squeezed(normalise(text)).split()[:1]
    return {"ja": True, "jawel": True, "jazeker": True, "jep": True, "jup": True,
            "ne": False, "nen": False, "nej": False, "nope": False}.get(first[0]) if first else None


# ----------------------------------------------------------------------------- for whom


@lru_cache(maxsize=1)
def _people() -> Lexicon:
    data = load("people_nl")
    phrases = [f"{owner} {who}" for owner in data["possessives"] if "'" not in owner for who in data["people"]]
    return Lexicon({"person": phrases, "third_party": data["third_party"], "self": data["self"]})


def _people_words(text: str) -> tuple:
    return words(re.sub(r"\bm['’]n\b", "mijn", text, flags=re.I))


def person_in(text: str) -> str | None:
    """The first person the text names, as written but folded ("mijn vader", "de buurvrouw")."""
    found = _people_words(text)
    hits = sorted((hit for hit in _people().find(found) if hit.key == "person"), key=lambda hit: hit.start)
    return " ".join(word.lower for word in found[hits[0].start : hits[0].end]) if hits else None


def addressed(person: str) -> str:
    """How Naast names the person to the resident: "mijn vader" -> "uw vader"."""
    owner, _, who = person.partition(" ")
    table = load("people_nl")["address"]
    return f"{table[owner]} {who}" if who and owner in table else "die persoon"


def tells_for_someone_else(text: str) -> bool:
    return "third_party" in _people().keys_in(_people_words(text))


def says_self(text: str) -> bool:
    """An answer to "Gaat dit over uzelf?" that means: about myself ("over mijzelf", "ik")."""
    keys = _people().keys_in(_people_words(text))
    return "self" in keys and "person" not in keys and "third_party" not in keys
