"""Small Dutch word lists that content editors maintain (YAML files beside this module)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=8)
def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yml").read_text(encoding="utf-8"))


def bare(text: str) -> str:
    """Lower case, punctuation removed, trimmed: how short answers are compared with a word list."""
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def first_key_mentioned(text: str, table: dict[str, list[str]]) -> str | None:
    """The first key whose words occur (as whole words) in the text, in the table's order."""
    lowered = text.lower()
    for key, words in table.items():
        if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) for word in words):
            return key
    return None
