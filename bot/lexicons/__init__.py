"""Small Dutch word lists that content editors maintain (YAML files beside this module)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=32)
def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((HERE / f"{name}.yml").read_text(encoding="utf-8"))
