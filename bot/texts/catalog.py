"""The base of the text store: every text Naast ships, with where it is used.

Two kinds of text, one catalogue:

* **responses** of ``domain.yml`` (``utter_*``): what Rasa sends; variations with buttons and
  conditions. Where each is used comes from ``usage_nl.yml``.
* **strings**: Naast's own words outside Rasa, one text each, named by a dotted path: the note and
  team e-mail (``note.*``, ``notes_nl.yml``), the web app (``web.*``, and for staff ``inbox.*``, ``staff.*`` and
  ``editor.*``: every top-level part of ``web_nl.yml``) and the widget
  (``widget.nl.*``, ``widget.en.*``, ``widget_strings.json``, which the widget bundle also carries as
  its offline fallback).

Edits live in the database (``bot.texts.store``); this module never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT
from bot.texts import check

HERE = Path(__file__).resolve().parent
DOMAIN_FILE = ROOT / "domain.yml"
USAGE_FILE = HERE / "usage_nl.yml"
NOTES_FILE = HERE / "notes_nl.yml"
WEB_FILE = HERE / "web_nl.yml"
WIDGET_FILE = HERE / "widget_strings.json"
LANGUAGE_SUFFIX = "utter_other_language_"


@dataclass(frozen=True)
class BaseText:
    name: str
    kind: str  # response | string
    group: str
    usage: str
    variations: tuple[dict[str, Any], ...]
    audience: str = "resident"  # resident | professional
    language: str = "nl"
    placeholders: frozenset[str] = field(default_factory=frozenset)
    crisis: str | None = None  # a safety signal: its resources' numbers must be in the text

    @property
    def is_response(self) -> bool:
        return self.kind == "response"


@dataclass(frozen=True)
class Catalog:
    texts: dict[str, BaseText]

    def __contains__(self, name: object) -> bool:
        return name in self.texts

    def __getitem__(self, name: str) -> BaseText:
        return self.texts[name]

    def groups(self) -> list[tuple[str, list[BaseText]]]:
        grouped: dict[str, list[BaseText]] = {}
        for text in self.texts.values():
            grouped.setdefault(text.group, []).append(text)
        return sorted(grouped.items(), key=lambda item: _group_order(item[0]))


def _group_order(group: str) -> tuple[int, str]:
    number = group.split(".", 1)[0]
    return (int(number) if number.isdigit() else 99, group)


def _usage(name: str, rules: dict[str, Any]) -> dict[str, Any]:
    exact = rules["responses"].get(name)
    if exact:
        return exact
    for rule in rules["prefixes"]:
        if name.startswith(rule["prefix"]):
            return rule
    return {"group": "Overige teksten", "usage": "Bericht van Naast"}


def _variation(raw: dict[str, Any]) -> dict[str, Any]:
    variation: dict[str, Any] = {"text": str(raw.get("text") or "")}
    if raw.get("buttons"):
        variation["buttons"] = [{"title": str(b["title"]), "payload": str(b["payload"])} for b in raw["buttons"]]
    if raw.get("condition"):
        variation["condition"] = [dict(c) for c in raw["condition"]]
    return variation


def _placeholders(variations: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for variation in variations:
        names.update(check.placeholders(variation["text"]))
        for button in variation.get("buttons", []):
            names.update(check.placeholders(button["title"]))
    return names


def _language(name: str) -> str:
    return name[len(LANGUAGE_SUFFIX):] if name.startswith(LANGUAGE_SUFFIX) else "nl"


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(prefix, value)]
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _flatten(f"{prefix}.{key}", item)]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value, 1) for pair in _flatten(f"{prefix}.{i}", item)]
    return []


def _string_usage(name: str, rules: dict[str, Any]) -> dict[str, Any]:
    best = max((key for key in rules["strings"] if name == key or name.startswith(key + ".")), key=len)
    return rules["strings"][best]


def _strings(rules: dict[str, Any]) -> list[BaseText]:
    pairs = _flatten("note", yaml.safe_load(NOTES_FILE.read_text("utf-8")))
    web = yaml.safe_load(WEB_FILE.read_text("utf-8"))
    pairs += [pair for part, value in web.items() for pair in _flatten(part, value)]  # web, inbox, staff, editor
    pairs += _flatten("widget", json.loads(WIDGET_FILE.read_text("utf-8")))
    texts = []
    for name, text in pairs:
        usage = _string_usage(name, rules)
        variations = ({"text": text},)
        texts.append(BaseText(name=name, kind="string", group=usage["group"], usage=usage["usage"],
                              variations=variations, audience=usage.get("audience", "resident"),
                              language="en" if name.startswith("widget.en.") else "nl",
                              placeholders=frozenset(_placeholders(list(variations)))))
    return texts


@lru_cache(maxsize=2)
def load_catalog(domain_file: Path = DOMAIN_FILE) -> Catalog:
    rules = yaml.safe_load(USAGE_FILE.read_text("utf-8"))
    domain = yaml.safe_load(domain_file.read_text("utf-8"))
    slots = set(domain.get("slots") or {})
    texts: dict[str, BaseText] = {}
    for name, raw in (domain.get("responses") or {}).items():
        variations = [_variation(v) for v in raw or []]
        usage = _usage(name, rules)
        texts[name] = BaseText(
            name=name, kind="response", group=usage["group"], usage=usage["usage"], variations=tuple(variations),
            language=_language(name), placeholders=frozenset(slots | _placeholders(variations)),
            crisis=usage.get("crisis"))
    for text in _strings(rules):
        texts[text.name] = text
    return Catalog(texts)
