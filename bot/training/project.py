"""Naast's Rasa project with editors' drafts applied, written to a folder for validation and training.

The repository's ``domain.yml``, ``config.yml`` and ``data/`` are the base and are never changed; the
drafts (``bot.training.drafts``) add examples (``data/nlu/editor_drafts.yml``), and for a new topic its
intent and response (in the folder's copy of ``domain.yml``) and a rule (``data/rules/editor_drafts.yml``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT
from bot.training.drafts import Draft

DRAFT_NLU = Path("data") / "nlu" / "editor_drafts.yml"
DRAFT_RULES = Path("data") / "rules" / "editor_drafts.yml"


@dataclass(frozen=True)
class Project:
    folder: Path

    @property
    def domain(self) -> Path:
        return self.folder / "domain.yml"

    @property
    def config(self) -> Path:
        return self.folder / "config.yml"

    @property
    def data(self) -> Path:
        return self.folder / "data"


def _read_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=4)
def _base_domain(root: Path) -> dict[str, Any]:
    return _read_yaml(root / "domain.yml")


def base_domain(root: Path = ROOT) -> dict[str, Any]:
    return _base_domain(root)


@lru_cache(maxsize=4)
def _base_examples(root: Path) -> dict[str, tuple[str, ...]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for item in _read_yaml(path).get("nlu") or []:
            if "intent" in item:
                lines = [line[2:].strip() for line in str(item.get("examples", "")).splitlines()
                         if line.strip().startswith("- ")]
                examples.setdefault(item["intent"], []).extend(lines)
    return {intent: tuple(lines) for intent, lines in examples.items()}


def base_examples(root: Path = ROOT) -> dict[str, tuple[str, ...]]:
    """Every intent's examples in the repository's data (``[entity](labels)`` as written)."""
    return _base_examples(root)


def intents(root: Path = ROOT) -> list[str]:
    return [name if isinstance(name, str) else next(iter(name)) for name in base_domain(root).get("intents", [])]


def write_project(folder: Path, drafts: Iterable[Draft], root: Path = ROOT) -> Project:
    """Copy the project to ``folder`` (emptied first) and apply ``drafts``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(root / "data", folder / "data")
    shutil.copy(root / "config.yml", folder / "config.yml")
    domain = dict(base_domain(root))
    domain["intents"] = list(domain.get("intents", []))
    domain["responses"] = dict(domain.get("responses", {}))
    nlu, rules = [], []
    for draft in drafts:
        if draft.new:
            domain["intents"].append(draft.intent)
            domain["responses"][draft.response_name] = [{"text": draft.response}]
            rules.append({"rule": f"editors' topic: {draft.title or draft.intent}",
                          "steps": [{"intent": draft.intent}, {"action": draft.response_name}]})
        if draft.examples:
            nlu.append({"intent": draft.intent,
                        "examples": "".join(f"- {text}\n" for text in draft.examples)})
    (folder / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if nlu:
        _write_literal(folder / DRAFT_NLU, {"version": "3.1", "nlu": nlu})
    if rules:
        _write_literal(folder / DRAFT_RULES, {"version": "3.1", "rules": rules})
    return Project(folder)


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


def _write_literal(path: Path, content: dict[str, Any]) -> None:
    for item in content.get("nlu", []):
        item["examples"] = _Literal(item["examples"])
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
