"""Routing of notes to teams by their life-domain labels (``config/routing.yml``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import ROOT

THEMES_FILE = ROOT / "bot" / "summariser" / "themes_nl.yml"


class RoutingError(ValueError):
    """The routing file is wrong; the message says what to fix."""


@lru_cache(maxsize=2)
def label_names(path: Path = THEMES_FILE) -> dict[str, str]:
    """Label key -> the Dutch label the note shows (from the summariser's themes file)."""
    domains = yaml.safe_load(path.read_text(encoding="utf-8"))["domains"]
    return {key: str(entry["label"]) for key, entry in domains.items()}


def label_key(label: str) -> str:
    """The stable key of a label as a note holds it ("Financiën" -> "finances")."""
    names = label_names()
    if label in names:
        return label
    for key, name in names.items():
        if name.casefold() == label.casefold():
            return key
    return label.strip().casefold()[:64]


def label_name(key: str) -> str:
    return label_names().get(key, key)


@dataclass(frozen=True)
class Routing:
    teams: dict[str, str]  # key -> display name, in file order
    rules: tuple[tuple[frozenset[str], str], ...]
    default: str
    version: str  # changes when the file's meaning changes

    def team_for(self, labels: list[str]) -> str:
        keys = {label_key(label) for label in labels}
        for rule_labels, team in self.rules:
            if keys & rule_labels:
                return team
        return self.default

    def team_name(self, key: str) -> str:
        return self.teams.get(key, key)


def parse_routing(data: object) -> Routing:
    if not isinstance(data, dict):
        raise RoutingError("routing: expected a mapping with teams, rules and default")
    teams = data.get("teams")
    if not isinstance(teams, dict) or not teams:
        raise RoutingError("routing: 'teams' must map team keys to names")
    teams = {str(key): str(name) for key, name in teams.items()}
    default = str(data.get("default", ""))
    if default not in teams:
        raise RoutingError(f"routing: default team {default!r} is not one of the teams")
    rules = []
    for number, rule in enumerate(data.get("rules") or [], start=1):
        if not isinstance(rule, dict) or not isinstance(rule.get("labels"), list) or "team" not in rule:
            raise RoutingError(f"routing: rule {number} needs 'labels' (a list) and 'team'")
        team = str(rule["team"])
        if team not in teams:
            raise RoutingError(f"routing: rule {number} names team {team!r}, which is not one of the teams")
        rules.append((frozenset(label_key(str(label)) for label in rule["labels"]), team))
    canonical = repr((sorted(teams), [(sorted(labels), team) for labels, team in rules], default))
    version = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return Routing(teams, tuple(rules), default, version)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> Routing:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RoutingError(f"routing: cannot read {path}: {error}") from error
    return parse_routing(data)


def load_routing(path: Path) -> Routing:
    """The routing in ``path``; read again when the file changes."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise RoutingError(f"routing: cannot read {path}: {error}") from error
    return _load(str(path), mtime)
