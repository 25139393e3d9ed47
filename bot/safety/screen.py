"""The safety screen: does a resident's message signal danger?

``screen(text)`` returns the signals ``"acute"``, ``"suicide"`` and ``"violence"`` found in a message,
most serious first. The knowledge lives in ``lexicon_nl.yml`` (maintained by content staff, syntax
explained at its top); this module only normalises the text and matches the lexicon's word patterns.

Why a lexicon next to the intent classifier: the classifier is trained on a few hundred examples and
can be confidently wrong on a phrasing it has never seen. A crisis message must never be missed, so
this screen is written for recall: typos, Flemish and chat spellings, inflections (through the
lemma table of spacy-lookups-data) and no negation handling. It accepts some false alarms on purpose.

Command line, for content staff: ``python -m bot.safety.screen "ik wil er niet meer zijn"`` or
``python -m bot.safety.screen --eval tests/data/safety_messages.yml``.
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
import itertools
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.lexicons.matcher import affix_matches, fold

LEXICON_FILE = Path(__file__).with_name("lexicon_nl.yml")

# Most serious first: acute danger needs 112 before anything else; suicide before violence because
# 113 is the only line for it, while Veilig Thuis also comes after 112 in config/resources.yml.
SIGNALS = ("acute", "suicide", "violence")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Hit:
    """One lexicon entry that fired: kept for the note and the audit trail."""

    entry: str  # the entry id in lexicon_nl.yml
    signals: tuple[str, ...]
    matched: str  # the normalised words that matched
    pattern: str  # the pattern as written in the lexicon

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "signals": list(self.signals),
            "matched": self.matched,
            "pattern": self.pattern,
        }


@dataclass(frozen=True)
class ScreenResult:
    signals: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    figurative: bool = False  # a figure of speech or grief from the lexicon's `figures:`

    def __bool__(self) -> bool:
        return bool(self.signals)


# ----------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Token:
    text: str  # normalised surface form
    lemma: str  # dictionary form from the lookup table, or the text itself
    known: bool  # a real Dutch word: never treated as a typo of something else


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|'[a-z]+|[.!?;\n]+")
BOUNDARY = "."  # a sentence end, kept as a token so that `$` in a pattern can match it


def _lookup_file(name: str) -> Any:
    import spacy_lookups_data

    path = Path(str(spacy_lookups_data.get_file(f"{name}.json")))
    gz = path.with_name(path.name + ".gz")
    if gz.exists():
        with gzip.open(gz, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def dutch_words() -> tuple[dict[str, str], frozenset[str]]:
    """spacy-lookups-data's Dutch tables: form -> lemma, and every word form they know.

    The same tables the NLU pipeline's lemmatizer uses (bot/nlp.py), read directly so the screen
    does not need spaCy loaded. Without them the screen still works, with more typo matches.
    """
    try:
        lemmas: dict[str, str] = _lookup_file("nl_lemma_lookup")
        index: dict[str, list[str]] = _lookup_file("nl_lemma_index")
        exceptions: dict[str, dict[str, list[str]]] = _lookup_file("nl_lemma_exc")
    except (ImportError, OSError):  # pragma: no cover - the package is a dependency
        return {}, frozenset()
    known = set(lemmas) | set(lemmas.values()) | _spacy_stop_words()
    for words in index.values():
        known.update(words)
    for table in exceptions.values():
        known.update(table)
        for forms in table.values():
            known.update(forms)
    # Folding only what needs it keeps start-up short (the tables hold some 400,000 forms).
    return lemmas, frozenset(w if w.isascii() and w.islower() else fold(w) for w in known)


def _spacy_stop_words() -> set[str]:
    """spaCy's Dutch stop words (nooit, ergens, hier...), which the lemma tables lack.

    Read from the source file instead of imported: importing spacy costs seconds, and the screen
    also runs outside the NLU server (tests, actions, the command line).
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return set()
    source = Path(spec.submodule_search_locations[0], "lang", "nl", "stop_words.py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return set(max(strings, key=len).split()) if strings else set()


def tokenize(text: str, variants: dict[str, tuple[str, ...]], extra_known: frozenset[str] = frozenset()) -> list[Token]:
    lemmas, known = dutch_words()
    tokens: list[Token] = []
    for raw in _WORD.findall(fold(text)):
        if raw[0] in ".!?;\n":
            tokens.append(Token(BOUNDARY, BOUNDARY, True))
            continue
        for word in variants.get(raw, (raw.strip("'"),)):
            if word:
                tokens.append(Token(word, lemmas.get(word, word), word in known or word in extra_known))
    return tokens


# ----------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Word:
    text: str
    mode: str  # exact | prefix | suffix | contains
    strict: bool  # "=word": as typed only, no lemma, no typo


@dataclass(frozen=True)
class Slot:
    """One word position of a pattern; `key` identifies it in the index."""

    key: int
    words: tuple[Word, ...]
    optional: bool = False


@dataclass(frozen=True)
class Gap:
    size: int


@dataclass(frozen=True)
class End:
    """`$`: the end of a sentence or of the message."""


Element = Slot | Gap | End


@dataclass(frozen=True)
class Pattern:
    source: str
    elements: tuple[Element, ...]


@dataclass(frozen=True)
class Entry:
    id: str
    signals: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    excepts: tuple[Pattern, ...]
    examples: tuple[str, ...]


@lru_cache(maxsize=65536)
def _within(typed: str, word: str, limit: int) -> bool:
    """Optimal-string-alignment distance (a swap of two letters is one typo) is at most `limit`."""
    if abs(len(typed) - len(word)) > limit:
        return False
    # Each edit changes the set of letters by at most two (a swap by none), so words whose letter sets
    # differ by more than 2 * limit are farther apart: most pairs end here, before the table.
    if (_letters(typed) ^ _letters(word)).bit_count() > 2 * limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(word) + 1))
    for i, a in enumerate(typed, 1):
        current = [i] + [0] * len(word)
        for j, b in enumerate(word, 1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == word[j - 2] and typed[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@lru_cache(maxsize=65536)
def _letters(text: str) -> int:
    """The set of characters of ``text`` as bits (characters may share a bit: that only lets more
    pairs through to the exact check)."""
    mask = 0
    for char in text:
        mask |= 1 << (ord(char) % 64)
    return mask


def _form_matches(form: str, word: Word) -> bool:
    return affix_matches(form, word.mode, word.text)


@dataclass
class SlotIndex:
    """Which pattern slots a token fills, found by lookup instead of by trying every slot.

    A message is tokenised once; each token is looked up once (and cached across messages), so a
    2,000-character message costs milliseconds however large the lexicon grows.
    """

    fuzzy_min_length: int
    fuzzy_two_edits_from: int
    by_form: dict[str, set[int]] = field(default_factory=dict)  # text or lemma equals the word
    by_surface: dict[str, set[int]] = field(default_factory=dict)  # "=word": text only
    affixes: list[tuple[int, Word]] = field(default_factory=list)  # word*, *word, *word*
    typo_words: list[tuple[int, Word]] = field(default_factory=list)
    cache: dict[tuple[str, str, bool], frozenset[int]] = field(default_factory=dict)
    # typo_words by the length of the word, built on first use: an unknown token is compared only with
    # words whose length allows a match (bench/profile.py: comparing each new word with every one of
    # thousands of lexicon words was most of the screen's time, ~27 ms per unknown word).
    _by_length: dict[int, list[tuple[int, Word]]] | None = field(default=None, repr=False, compare=False)

    def add(self, slot: Slot) -> None:
        self._by_length = None
        for word in slot.words:
            if word.mode != "exact":
                self.affixes.append((slot.key, word))
            else:
                table = self.by_surface if word.strict else self.by_form
                table.setdefault(word.text, set()).add(slot.key)
            if not word.strict and word.mode in ("exact", "prefix") and len(word.text) >= self.fuzzy_min_length:
                self.typo_words.append((slot.key, word))

    def slots_for(self, token: Token) -> frozenset[int]:
        cache_key = (token.text, token.lemma, token.known)
        found = self.cache.get(cache_key)
        if found is None:
            found = frozenset(self._lookup(token))
            if len(self.cache) > 200_000:  # bounded: typed text is open-ended
                self.cache.clear()
            self.cache[cache_key] = found
        return found

    def _lookup(self, token: Token) -> set[int]:
        keys = set(self.by_form.get(token.text, ())) | self.by_form.get(token.lemma, set())
        keys |= self.by_surface.get(token.text, set())
        for key, word in self.affixes:
            if key not in keys and (
                _form_matches(token.text, word) or (not word.strict and _form_matches(token.lemma, word))
            ):
                keys.add(key)
        if not token.known:  # a real word is never read as a typo of another one
            keys |= {key for key, word in self._typo_candidates(len(token.text))
                     if key not in keys and self._typo(token.text, word)}
        return keys

    def _typo_candidates(self, length: int) -> list[tuple[int, Word]]:
        """The typo words that ``_typo`` could match for a token of ``length`` characters (a superset).

        An exact word is at most 2 edits away, so its length is within 2 of the token's; a word start
        (prefix) needs a token of at least its length - 1 (``_typo``)."""
        if self._by_length is None:
            by_length: dict[int, list[tuple[int, Word]]] = {}
            for key, word in self.typo_words:
                by_length.setdefault(len(word.text), []).append((key, word))
            self._by_length = by_length
        found = []
        for size, words in self._by_length.items():
            if abs(size - length) <= 2:
                found += words
            elif size <= length + 1:
                found += [(key, word) for key, word in words if word.mode != "exact"]
        return found

    def _typo(self, typed: str, word: Word) -> bool:
        size = len(word.text)
        if word.mode == "exact":
            return _within(typed, word.text, 2 if size >= self.fuzzy_two_edits_from else 1)
        # A word start is short evidence: one typo only.
        if len(typed) < size - 1:
            return False
        return any(_within(typed[:n], word.text, 1) for n in range(size - 1, min(len(typed), size + 1) + 1))


@dataclass
class Lexicon:
    entries: tuple[Entry, ...]
    variants: dict[str, tuple[str, ...]]
    known_words: frozenset[str]
    index: SlotIndex
    updated: str
    # Figures of speech and grief ("ik schrik me dood", "mijn opa is gestorven"): they never cancel a
    # lexicon hit, but they stop the classifier alone from raising a suspicion (bot/nlu/message_screen.py).
    figures: tuple[Pattern, ...] = ()


_WORD_SPEC = re.compile(r"=?\*?[a-z0-9']+\*?")


def _parse_word(spec: str, variants: dict[str, tuple[str, ...]], where: str) -> Word:
    if not _WORD_SPEC.fullmatch(spec):
        raise ValueError(f"{where}: cannot read the word {spec!r}")
    strict = spec.startswith("=")
    body = spec.lstrip("=")
    starts, ends = body.startswith("*"), body.endswith("*")
    mode = {(False, False): "exact", (False, True): "prefix", (True, False): "suffix"}.get((starts, ends), "contains")
    body = body.strip("*")
    if body in variants:
        raise ValueError(f"{where}: write {' '.join(variants[body])!r} instead of {body!r} (see variants)")
    return Word(body, mode, strict)


@dataclass
class _Parser:
    groups: dict[str, str]
    variants: dict[str, tuple[str, ...]]
    default_gap: int
    index: SlotIndex
    keys: Iterator[int] = field(default_factory=itertools.count)

    def pattern(self, source: str, where: str) -> Pattern:
        elements: list[Element] = []
        for part in fold(re.sub(r"@(\w+)", lambda m: self._group(m.group(1), where), source)).split():
            if part.startswith("..."):
                elements.append(Gap(int(part[3:]) if part[3:] else self.default_gap))
            elif part == "$":
                elements.append(End())
            else:
                elements.append(self._slot(part, where))
        if not elements or not isinstance(elements[0], Slot) or isinstance(elements[-1], Gap):
            raise ValueError(f"{where}: a pattern must start with a word and end with a word or $: {source!r}")
        return Pattern(source, tuple(elements))

    def _group(self, name: str, where: str) -> str:
        if name not in self.groups:
            raise ValueError(f"{where}: unknown group @{name}")
        return self.groups[name]

    def _slot(self, part: str, where: str) -> Slot:
        optional = part.startswith("[") and part.endswith("]")
        body = part[1:-1] if optional else part
        words = tuple(_parse_word(spec, self.variants, where) for spec in body.split("|"))
        slot = Slot(next(self.keys), words, optional)
        self.index.add(slot)
        return slot


def _variant_table(raw: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {fold(str(key)): tuple(fold(str(value)).split()) for key, value in raw.items()}


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read and check the lexicon; a mistake in it stops the bot at start-up, not at a crisis."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings = data.get("settings", {})
    index = SlotIndex(int(settings.get("fuzzy_min_length", 5)), int(settings.get("fuzzy_two_edits_from", 9)))
    parser = _Parser(
        groups={name: str(words) for name, words in (data.get("groups") or {}).items()},
        variants=_variant_table(data.get("variants") or {}),
        default_gap=int(settings.get("default_gap", 3)),
        index=index,
    )
    entries: list[Entry] = []
    for signal, items in data["signals"].items():
        if signal not in SIGNALS:
            raise ValueError(f"{path}: unknown signal {signal!r}; use one of {SIGNALS}")
        entries.extend(_parse_entry(signal, item, parser) for item in items)
    ids = [entry.id for entry in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: entry ids used twice: {duplicates}")
    figures = tuple(parser.pattern(str(source), f"{path}: figures") for source in data.get("figures") or [])
    return Lexicon(
        figures=figures,
        entries=tuple(entries),
        variants=parser.variants,
        known_words=frozenset(fold(str(word)) for word in data.get("known_words") or []),
        index=index,
        updated=str(data.get("updated", "")),
    )


def _parse_entry(signal: str, item: dict[str, Any], parser: _Parser) -> Entry:
    entry_id = str(item["id"])
    also = tuple(item.get("also", []))
    unknown = [s for s in also if s not in SIGNALS]
    if unknown:
        raise ValueError(f"lexicon entry {entry_id}: unknown signals in also: {unknown}")

    def parse(key: str) -> tuple[Pattern, ...]:
        return tuple(parser.pattern(str(source), f"lexicon entry {entry_id}") for source in item.get(key) or [])

    patterns = parse("patterns")
    if not patterns:
        raise ValueError(f"lexicon entry {entry_id} has no patterns")
    return Entry(
        id=entry_id,
        signals=(signal, *[s for s in also if s != signal]),
        patterns=patterns,
        excepts=parse("except"),
        examples=tuple(str(example) for example in item.get("examples") or []),
    )


# ----------------------------------------------------------------------------- matching


@dataclass
class _Text:
    """A tokenised message with, per token, the keys of the slots it fills."""

    tokens: list[Token]
    slots: list[frozenset[int]]
    starts: dict[int, list[int]] = field(default_factory=dict)  # slot key -> token positions

    def __post_init__(self) -> None:
        for at, keys in enumerate(self.slots):
            for key in keys:
                self.starts.setdefault(key, []).append(at)


def _match_end(elements: tuple[Element, ...], i: int, text: _Text, at: int) -> int | None:
    """Where the pattern from element i on ends when it starts at token `at` (None: no match)."""
    if i == len(elements):
        return at
    element = elements[i]
    if isinstance(element, End):
        if at == len(text.tokens):
            return at
        return _match_end(elements, i + 1, text, at + 1) if text.tokens[at].text == BOUNDARY else None
    if isinstance(element, Gap):
        for skip in range(min(element.size, len(text.tokens) - at) + 1):
            end = _match_end(elements, i + 1, text, at + skip)
            if end is not None:
                return end
        return None
    if at < len(text.tokens) and element.key in text.slots[at]:
        end = _match_end(elements, i + 1, text, at + 1)
        if end is not None:
            return end
    return _match_end(elements, i + 1, text, at) if element.optional else None


def _spans(pattern: Pattern, text: _Text) -> list[tuple[int, int]]:
    first = pattern.elements[0]
    assert isinstance(first, Slot)
    # Only where the first word occurs (every position when it is optional).
    starts = range(len(text.tokens)) if first.optional else text.starts.get(first.key, [])
    spans = []
    for start in starts:
        end = _match_end(pattern.elements, 0, text, start)
        if end is not None and end > start:
            spans.append((start, end))
    return spans


def _entry_hit(entry: Entry, text: _Text) -> Hit | None:
    blocked: list[tuple[int, int]] | None = None
    for pattern in entry.patterns:
        for start, end in _spans(pattern, text):
            if blocked is None:  # computed only once something matched
                blocked = [span for p in entry.excepts for span in _spans(p, text)]
            if any(start < b_end and b_start < end for b_start, b_end in blocked):
                continue
            matched = " ".join(token.text for token in text.tokens[start:end])
            return Hit(entry.id, entry.signals, matched, pattern.source)
    return None


def order_signals(signals: set[str] | list[str]) -> list[str]:
    """Most serious first, no repeats."""
    return [signal for signal in SIGNALS if signal in set(signals)]


_FIRST_SLOTS: dict[int, tuple[Lexicon, list[frozenset[int] | None]]] = {}


def _first_slots(lexicon: Lexicon) -> list[frozenset[int] | None]:
    """Per entry, the slots its patterns can start with (None: a pattern starts with an optional word).

    A pattern matches only where its first word occurs (``_spans``), so an entry none of whose first
    words is in the message cannot fire: it is skipped without trying its patterns one by one."""
    cached = _FIRST_SLOTS.get(id(lexicon))
    if cached is None or cached[0] is not lexicon:
        firsts: list[frozenset[int] | None] = []
        for entry in lexicon.entries:
            heads = [pattern.elements[0] for pattern in entry.patterns]
            optional = any(isinstance(h, Slot) and h.optional for h in heads)
            firsts.append(None if optional else frozenset(h.key for h in heads))
        if len(_FIRST_SLOTS) > 8:  # lexicons reloaded in tests: keep a few
            _FIRST_SLOTS.clear()
        cached = _FIRST_SLOTS[id(lexicon)] = (lexicon, firsts)
    return cached[1]


def screen_message(text: str, lexicon: Lexicon | None = None) -> ScreenResult:
    """The signals in a message and the lexicon entries that raised them."""
    lexicon = lexicon or load_lexicon()
    tokens = tokenize(text or "", lexicon.variants, lexicon.known_words)
    prepared = _Text(tokens, [lexicon.index.slots_for(token) for token in tokens])
    present = prepared.starts.keys()
    hits = [hit for entry, firsts in zip(lexicon.entries, _first_slots(lexicon), strict=True)
            if (firsts is None or not firsts.isdisjoint(present)) and (hit := _entry_hit(entry, prepared))]
    figurative = any(_spans(pattern, prepared) for pattern in lexicon.figures)
    return ScreenResult(order_signals({s for hit in hits for s in hit.signals}), hits, figurative)


def screen(text: str) -> list[str]:
    """Signals among "acute", "suicide", "violence" in the message, most serious first."""
    return screen_message(text).signals


# ----------------------------------------------------------------------------- evaluation


def _items(raw: list[Any]) -> list[tuple[str, list[str]]]:
    items = []
    for item in raw or []:
        if isinstance(item, str):
            items.append((item, []))
        else:
            items.append((str(item["text"]), list(item.get("signals", []))))
    return items


def evaluate(path: str | Path) -> dict[str, Any]:
    """Recall and false alarms on a YAML set with `crisis:` ({text, signals}) and `safe:` (text) lists.

    recall: share of crisis messages with at least one signal (the number that must be 1.0);
    signal_recall: share whose expected signals were all raised;
    false_alarm_rate: share of safe messages with any signal.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    crisis, safe = _items(data.get("crisis")), _items(data.get("safe"))
    misses, wrong, alarms = [], [], []
    for text, expected in crisis:
        found = screen(text)
        if not found:
            misses.append(text)
        elif not set(expected) <= set(found):
            wrong.append({"text": text, "expected": expected, "found": found})
    for text, _ in safe:
        result = screen_message(text)
        if result:
            alarms.append({"text": text, "signals": result.signals, "entries": [h.entry for h in result.hits]})
    n_crisis, n_safe = len(crisis), len(safe)
    return {
        "crisis": n_crisis,
        "safe": n_safe,
        "recall": (n_crisis - len(misses)) / n_crisis if n_crisis else 1.0,
        "signal_recall": (n_crisis - len(misses) - len(wrong)) / n_crisis if n_crisis else 1.0,
        "false_alarm_rate": len(alarms) / n_safe if n_safe else 0.0,
        "misses": misses,
        "wrong_signals": wrong,
        "false_alarms": alarms,
        "lexicon_updated": load_lexicon().updated,
    }


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--eval":
        print(json.dumps(evaluate(argv[1]), indent=2, ensure_ascii=False))
        return 0
    if not argv:
        print(__doc__)
        return 2
    result = screen_message(" ".join(argv))
    print(json.dumps({"signals": result.signals, "hits": [h.as_dict() for h in result.hits]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
