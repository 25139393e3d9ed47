"""Slots -> handover note: extractive, faithful, scrubbed.

Every string the summariser puts in a section is a verbatim sentence (or the full answer) of the
resident, after BSN/IBAN scrubbing. It chooses sentences; it never writes any.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language

from bot.config import Settings
from bot.db import utcnow
from bot.lexicons.matcher import Hit, Lexicon
from bot.notes.model import (
    Contact,
    NetworkSection,
    Note,
    Privacy,
    ResourceShown,
    Sections,
    Signals,
    TextSection,
    Theme,
    TriedSection,
)
from bot.summariser.answers import IntakeAnswers
from bot.summariser.scrub import scrub
from bot.summariser.text import Sentence, split_sentences
from bot.texts.resources import current_resources

HERE = Path(__file__).resolve().parent
THEMES_FILE = HERE / "themes_nl.yml"
CUES_FILE = HERE / "cues_nl.yml"
DEFAULT_RETENTION_DAYS: int = Settings.__fields__["retention_days"].default

MAX_SUMMARY_CHARS = 300  # a "short line": the second sentence only joins when both fit
LONG_SENTENCE_WORDS = 30  # beyond this a sentence's score is scaled down (run-on messages)
# Where "what goes well" may come from: not from wishes (what would help) or this week's trouble.
GOES_WELL_SOURCES = ("situation", "what_was_tried", "network", "network_load", "additions")
OWN_IDEA_SOURCES = ("what_would_help",)


@dataclass(frozen=True)
class Themes:
    lexicon: Lexicon
    labels: dict[str, str]


@lru_cache(maxsize=2)
def load_themes(path: Path = THEMES_FILE) -> Themes:
    domains = yaml.safe_load(path.read_text(encoding="utf-8"))["domains"]
    lexicon = Lexicon({key: entry["terms"] for key, entry in domains.items()}, fuzzy=True)
    return Themes(lexicon, {key: entry["label"] for key, entry in domains.items()})


@dataclass(frozen=True)
class Cues:
    lexicon: Lexicon
    negation_window: int


@lru_cache(maxsize=2)
def load_cues(path: Path = CUES_FILE) -> Cues:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = {
        key: data[key]
        for key in ("positive", "helped", "negation", "wish", "own_idea_subject", "own_idea_cue")
    }
    groups |= {f"section:{slot}": terms for slot, terms in data["section_cues"].items()}
    return Cues(Lexicon(groups), int(data["negation_window"]))


@dataclass(frozen=True)
class _Analysed:
    """A sentence with its place in the conversation and its lexicon hits (computed once)."""

    index: int
    sentence: Sentence
    themes: list[Hit]
    cues: list[Hit]

    @property
    def slot(self) -> str:
        return self.sentence.source

    def cue_hits(self, key: str) -> list[Hit]:
        return [hit for hit in self.cues if hit.key == key]

    def score(self) -> float:
        value = (len(self.sentence.content_lemmas) + 2 * len(self.themes)
                 + 1.5 * len(self.cue_hits(f"section:{self.slot}")))
        words = len(self.sentence.words)
        return value * LONG_SENTENCE_WORDS / words if words > LONG_SENTENCE_WORDS else value


def summarise(answers: IntakeAnswers, *, now: dt.datetime | None = None,
              retention_days: int = DEFAULT_RETENTION_DAYS, nlp: Language | None = None) -> Note:
    """Build the handover note (not yet stored: it has no reference until ``NoteStore.save``)."""
    now = now or utcnow()
    texts, counts = _scrubbed_texts(answers)
    analysed = _analyse(split_sentences(texts, nlp))
    by_slot: dict[str, list[_Analysed]] = defaultdict(list)
    for item in analysed:
        by_slot[item.slot].append(item)

    def section(*slots: str) -> TextSection:
        return TextSection(summary=_summary(by_slot, slots),
                           answers=[text for slot, text in texts if slot in slots],
                           skipped=answers.skipped(slots[0]))

    tried = section("what_was_tried")
    sections = Sections(
        situation=section("situation"),
        what_matters=section("what_matters", "what_matters_effect"),
        what_goes_well=TextSection(summary=_positive(analysed, "positive", GOES_WELL_SOURCES, 3)),
        what_was_tried=TriedSection(**tried.dict(),
                                    helped=_positive(analysed, "helped", ("what_was_tried",), 2)),
        what_would_help=section("what_would_help"),
        network=NetworkSection(**section("network", "network_load").dict(), heavy=answers.network_heavy()),
        own_ideas=TextSection(summary=_own_ideas(analysed)),
        themes=_themes(analysed),
        additions=section("additions"),
    )
    contact_texts = _scrub_contact(answers, counts)
    return Note(
        id=str(uuid.uuid4()),
        created_at=now,
        urgent=answers.urgent or bool(answers.safety_signals),
        resident_confirmed=answers.read_back_confirmed,
        told_for=answers.told_for,
        anonymous=answers.anonymous,
        signals=Signals(safety=answers.safety_signals,
                        resources_shown=_resources(answers.resources_shown),
                        urgency_detail=section("urgency_detail")),
        sections=sections,
        contact=_contact(answers, contact_texts),
        retention_until=now + dt.timedelta(days=retention_days),
        privacy=Privacy(scrubbed=counts),
    )


def _scrubbed_texts(answers: IntakeAnswers) -> tuple[list[tuple[str, str]], dict[str, int]]:
    counts = {"bsn": 0, "iban": 0}
    texts: list[tuple[str, str]] = []
    for slot, text in answers.free_texts():
        result = scrub(text)
        texts.append((slot, result.text))
        for kind, count in result.counts.items():
            counts[kind] += count
    return texts, counts


def _scrub_contact(answers: IntakeAnswers, counts: dict[str, int]) -> dict[str, str | None]:
    """Free-text contact answers may hold a number too; phone and e-mail are kept as given."""
    scrubbed: dict[str, str | None] = {}
    for name in ("contact_time", "access_needs"):
        text = answers.text(name)
        if text is None:
            scrubbed[name] = None
            continue
        result = scrub(text)
        scrubbed[name] = result.text
        for kind, count in result.counts.items():
            counts[kind] += count
    return scrubbed


def _analyse(sentences: Sequence[Sentence]) -> list[_Analysed]:
    themes, cues = load_themes(), load_cues()
    return [_Analysed(i, s, themes.lexicon.find(s.words), cues.lexicon.find(s.words))
            for i, s in enumerate(sentences)]


def _summary(by_slot: dict[str, list[_Analysed]], slots: Iterable[str]) -> list[str]:
    """The 1–2 most informative sentences: the best of each slot, or the best two of one slot."""
    groups = [by_slot[slot] for slot in slots if by_slot.get(slot)]
    if len(groups) > 1:
        picks = [_best(group, 1)[0] for group in groups]
    elif groups:
        picks = _best(groups[0], 2)
    else:
        picks = []
    return [item.sentence.text for item in sorted(picks, key=lambda item: item.index)]


def _best(items: list[_Analysed], limit: int) -> list[_Analysed]:
    ranked = sorted(items, key=lambda item: (-item.score(), item.index))
    if ranked[0].score() <= 0:  # "nee", "ik weet het niet": keep what they said
        return [items[0]]
    picks = [ranked[0]]
    for item in ranked[1:limit]:
        if item.score() > 0 and sum(len(p.sentence.text) for p in picks) + len(item.sentence.text) <= MAX_SUMMARY_CHARS:
            picks.append(item)
    return picks


def _positive(analysed: list[_Analysed], key: str, sources: Sequence[str], limit: int) -> list[str]:
    """Sentences with a positive cue that no negation cancels and that is no wish."""
    window = load_cues().negation_window
    found: list[str] = []
    for item in analysed:
        if item.slot not in sources or item.cue_hits("wish"):
            continue
        negations = item.cue_hits("negation")
        positive = any(not _negated(cue, negations, window) for cue in item.cue_hits(key))
        if positive and item.sentence.text not in found:
            found.append(item.sentence.text)
    return found[:limit]


def _negated(cue: Hit, negations: list[Hit], window: int) -> bool:
    return any(cue.start - window <= neg.start <= cue.end - 1 + window for neg in negations)


def _own_ideas(analysed: list[_Analysed]) -> list[str]:
    ideas = [item.sentence.text for item in analysed
             if item.slot in OWN_IDEA_SOURCES and item.cue_hits("own_idea_subject")
             and item.cue_hits("own_idea_cue")]
    return list(dict.fromkeys(ideas))[:3]


def _themes(analysed: list[_Analysed]) -> list[Theme]:
    """One label per life domain, with the resident's sentence that has the most words for it."""
    themes = load_themes()
    best: dict[str, tuple[int, int, str]] = {}
    for item in analysed:
        counts: dict[str, int] = defaultdict(int)
        for hit in item.themes:
            counts[hit.key] += 1
        for key, count in counts.items():
            if key not in best or count > best[key][0]:
                best[key] = (count, item.index, item.sentence.text)
    return [Theme(label=themes.labels[key], quote=best[key][2])
            for key in themes.lexicon.keys if key in best]


def _resources(keys: Sequence[str]) -> list[ResourceShown]:
    """What the bot showed, with name and number as configured at this moment (numbers change)."""
    known: dict[str, Any] = current_resources()["resources"]
    shown = []
    for key in dict.fromkeys(keys):
        entry = known.get(key, {})
        shown.append(ResourceShown(key=key, name=entry.get("name", key), phone=entry.get("phone", "")))
    return shown


def _contact(answers: IntakeAnswers, scrubbed: dict[str, str | None]) -> Contact:
    anonymous = answers.anonymous  # no contact details are kept for an anonymous note
    return Contact(
        channel=answers.text("contact_channel"),
        name=None if anonymous else answers.text("contact_name"),
        phone=None if anonymous else answers.text("contact_phone"),
        email=None if anonymous else answers.text("contact_email"),
        address=None if anonymous else answers.text("contact_address"),
        unverified=[] if anonymous else [slot.removeprefix("contact_") for slot in answers.contact_unverified],
        time=scrubbed["contact_time"],
        access_needs=scrubbed["access_needs"],
        client_support=answers.client_support,
    )
