"""The dated crisis lines and municipal contact details in ``config/resources.yml``."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT

DEFAULT_FILE = ROOT / "config" / "resources.yml"


@lru_cache(maxsize=4)
def load_resources(path: Path = DEFAULT_FILE) -> dict[str, Any]:
    """Load and check the resources file; every signal must point at known, dated resources."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    resources = data["resources"]
    for key, entry in resources.items():
        if not isinstance(entry.get("checked"), dt.date):
            raise ValueError(f"{path}: resource {key!r} needs a 'checked' date (YYYY-MM-DD)")
    for signal, keys in data["signals"].items():
        unknown = [key for key in keys if key not in resources]
        if unknown:
            raise ValueError(f"{path}: signal {signal!r} names unknown resources {unknown}")
    return data


def resources_for(signals: list[str], path: Path = DEFAULT_FILE) -> list[str]:
    """The resource keys to show for these signals, most serious first, without repeats."""
    data = load_resources(path)
    shown: list[str] = []
    for signal in signals:
        for key in data["signals"].get(signal, []):
            if key not in shown:
                shown.append(key)
    return shown
