"""Naast's own words in notes, the inbox and the team e-mail, from the text store (``note.*`` texts).

The shipped base is ``bot/texts/notes_nl.yml``; editors' published edits replace single entries, live
(``bot.texts.live``). The decision/promise word check is the text store's (one list:
``bot/texts/decision_words_nl.yml``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import yaml

from bot.texts import check, live
from bot.texts.catalog import NOTES_FILE

PREFIX = "note."


@lru_cache(maxsize=1)
def shipped_texts() -> dict[str, Any]:
    return yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8"))


_applied: dict[int, dict[str, Any]] = {}


def load_texts() -> dict[str, Any]:
    """The nested texts (``t.headings.situation``) with the published edits applied."""
    snap = live.shared().snapshot()
    edits = {k[len(PREFIX):]: v for k, v in snap.texts.items() if k.startswith(PREFIX)} if snap else {}
    if not edits:
        return shipped_texts()
    if snap.version not in _applied:
        texts = copy.deepcopy(shipped_texts())
        for path, variations in edits.items():
            _set(texts, path.split("."), variations[0]["text"])
        _applied.clear()
        _applied[snap.version] = texts
    return _applied[snap.version]


def _set(tree: Any, keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        tree = tree[int(key) - 1] if isinstance(tree, list) else tree[key]
    last = keys[-1]
    if isinstance(tree, list):
        tree[int(last) - 1] = value
    else:
        tree[last] = value


def decision_words() -> tuple[str, ...]:
    return check.decision_words()


def find_decision_words(text: str) -> list[str]:
    """The decision or promise phrases in ``text`` (empty when it is free of them)."""
    return check.find_phrases(text, check.decision_words())


def all_strings(value: Any) -> list[str]:
    """Every string inside a nested texts structure (for checks)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in all_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item)]
    return []
