"""Naast's own texts for notes (``texts_nl.yml``) and the decision/promise word check."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TEXTS_FILE = HERE / "texts_nl.yml"
DECISION_WORDS_FILE = HERE / "decision_words_nl.yml"


@lru_cache(maxsize=2)
def load_texts(path: Path = TEXTS_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def decision_words(path: Path = DECISION_WORDS_FILE) -> tuple[str, ...]:
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8"))["phrases"])


@lru_cache(maxsize=2)
def _decision_pattern(path: Path = DECISION_WORDS_FILE) -> re.Pattern[str]:
    alternatives = sorted((re.escape(p) for p in decision_words(path)), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def find_decision_words(text: str) -> list[str]:
    """The decision or promise phrases in ``text`` (empty when it is free of them)."""
    return [match.group(0) for match in _decision_pattern().finditer(text)]


def all_strings(value: Any) -> list[str]:
    """Every string inside a nested texts structure (for checks)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in all_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item)]
    return []
