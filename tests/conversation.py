"""Helpers to hold a conversation with the real servers and name the bot's replies."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import yaml

from bot.config import ROOT


def wait_for(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    """The first truthy result of ``check``: the servers finish some work in the background."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.5)
    raise AssertionError(f"not true after {seconds}s: {check}")


@lru_cache(maxsize=1)
def _response_patterns() -> list[tuple[str, re.Pattern[str]]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    patterns = []
    for name, variations in domain["responses"].items():
        for variation in variations:
            parts = re.split(r"\{[^{}]+\}", variation["text"])
            patterns.append((name, re.compile("^" + ".*".join(map(re.escape, parts)) + "$", re.S)))
    return patterns


def response_name(text: str) -> str:
    """Which domain.yml response a bot text came from ("?" when none matches)."""
    for name, pattern in _response_patterns():
        if pattern.match(text):
            return name
    return "?"


def post_json(url: str, payload: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


class Conversation:
    """One resident talking to Rasa's REST channel."""

    def __init__(self, rasa_url: str, sender: str) -> None:
        self.url = rasa_url
        self.sender = sender
        self.replies: list[dict[str, Any]] = []

    def say(self, text: str) -> list[str]:
        self.replies = post_json(f"{self.url}/webhooks/rest/webhook", {"sender": self.sender, "message": text})
        return [response_name(reply.get("text", "")) for reply in self.replies]

    @property
    def texts(self) -> list[str]:
        return [reply.get("text", "") for reply in self.replies]

    def tracker(self, token: str) -> dict[str, Any]:
        return get_json(f"{self.url}/conversations/{self.sender}/tracker?token={token}")
