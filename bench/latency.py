"""Per-message latency over Rasa's REST channel: one conversation at a time, or many at once.

A *script* plays the resident: it gives the first message, and after each reply the next message
(or ``None`` when the conversation is over). ``run_load`` runs ``workers`` residents side by side,
each starting a new conversation when one ends, until each has sent ``messages_per_worker``
messages or ``time_limit`` seconds have passed. Every request goes to loopback only.

* ``NaastIntake`` answers whatever Naast asks (matched to its ``domain.yml`` response names) with
  the answers of one of the summariser's test conversations, from "Hallo" to the note being sent.
* ``MoodScript`` talks to the ``rasa init`` assistant (greet, mood, did that help, goodbye).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS_FILE = ROOT / "tests" / "notes" / "conversations.yml"
REQUEST_TIMEOUT = 60.0


# ------------------------------------------------------------------ statistics
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, Any]:
    """n, p50, p95, p99, mean and max, rounded to 0.1 (milliseconds in, milliseconds out)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "mean": round(statistics.fmean(values), 1),
        "max": round(max(values), 1),
    }


# ------------------------------------------------------------------ scripts
class Script(Protocol):
    completed: bool

    def first(self) -> str: ...

    def next(self, replies: list[dict[str, Any]]) -> str | None: ...


SKIPPED = "__overgeslagen__"
END_RESPONSES = {"utter_what_next", "utter_what_next_anonymous", "utter_close", "utter_not_sent"}
# What Naast asks (the response name) -> the slot whose answer the resident gives, or a fixed answer.
QUESTION_SLOTS = {
    "utter_ask_situation": "situation",
    "utter_ask_what_matters": "what_matters",
    "utter_ask_what_matters_effect": "what_matters_effect",
    "utter_ask_what_was_tried": "what_was_tried",
    "utter_ask_what_would_help": "what_would_help",
    "utter_ask_network": "network",
    "utter_ask_urgency_detail": "urgency_detail",
}
FIXED_ANSWERS = {
    "utter_ask_network_load": "ja",
    "utter_ask_urgent": "nee",
    "utter_ask_read_back_ok": "ja, dit klopt",
    "utter_ask_consent": "ja",
    "utter_ask_contact_channel": '/tell{"contact_channel": "phone"}',  # the "Bellen" button
    "utter_ask_contact_phone": "06 12345678",
    "utter_ask_contact_email": "naam@voorbeeld.nl",
    "utter_ask_contact_time": "'s ochtends",
    "utter_ask_access_needs": "nee",
    "utter_ask_client_support": "nee",
    "utter_ask_pass_on": "nee",
    "utter_come_back": "verder",
}
FALLBACK_ANSWERS = {
    "situation": "Sinds mijn heupoperatie kan ik het huishouden niet meer doen",
    "what_matters": "Zelf weer boodschappen doen",
    "what_matters_effect": "Dan kan ik weer naar de markt",
    "what_was_tried": "Mijn dochter helpt, maar zij werkt ook",
    "what_would_help": "Iemand die een keer per week komt helpen",
    "network": "Mijn dochter en de buurvrouw",
    "urgency_detail": "Nee, het kan wel wachten",
}


def load_stories(path: Path = CONVERSATIONS_FILE) -> list[dict[str, str]]:
    """The free-text answers of the summariser's test conversations (one dict per resident)."""
    if not path.exists():
        return [FALLBACK_ANSWERS]
    conversations = yaml.safe_load(path.read_text("utf-8")).get("conversations") or []
    stories = []
    for conversation in conversations:
        slots = conversation.get("slots") or {}
        stories.append({k: str(slots[k]).strip() for k in QUESTION_SLOTS.values() if slots.get(k) is not None})
    return stories or [FALLBACK_ANSWERS]


def response_names(replies: list[dict[str, Any]]) -> list[str]:
    from tests.conversation import response_name

    return [response_name(reply.get("text", "")) for reply in replies if reply.get("text")]


@dataclass
class NaastIntake:
    """A resident who answers every question Naast asks, from "Hallo" to the note being sent."""

    answers: dict[str, str]
    max_turns: int = 30
    completed: bool = False
    turns: int = 0
    last_names: list[str] = field(default_factory=list)

    def first(self) -> str:
        self.turns = 1
        return "Hallo"

    def answer_for(self, asked: str) -> str | None:
        if asked in FIXED_ANSWERS:
            return FIXED_ANSWERS[asked]
        slot = QUESTION_SLOTS.get(asked)
        if slot is None:
            return None
        text = self.answers.get(slot) or FALLBACK_ANSWERS[slot]
        return "sla maar over" if text == SKIPPED else text

    def next(self, replies: list[dict[str, Any]]) -> str | None:
        names = response_names(replies)
        self.last_names = names
        if any(name in END_RESPONSES for name in names):
            self.completed = True
            return None
        asked = [n for n in names if n in QUESTION_SLOTS or n in FIXED_ANSWERS]
        if not asked or self.turns >= self.max_turns:
            return None  # lost the thread: counted as not completed
        self.turns += 1
        return self.answer_for(asked[-1])


MOOD_CONVERSATIONS = (
    ("hi", "I am very sad", "yes", "bye"),
    ("hello there", "not good", "no", "goodbye"),
    ("good morning", "I am great", "thanks, bye"),
    ("hey", "very unhappy", "yes it did", "see you later"),
)


@dataclass
class MoodScript:
    """The ``rasa init`` assistant's own kind of conversation."""

    messages: tuple[str, ...]
    completed: bool = False
    _at: int = 0

    def first(self) -> str:
        self._at = 1
        return self.messages[0]

    def next(self, replies: list[dict[str, Any]]) -> str | None:
        if self._at >= len(self.messages):
            self.completed = True
            return None
        self._at += 1
        return self.messages[self._at - 1]


def naast_scripts(stories: list[dict[str, str]] | None = None) -> Callable[[int], Script]:
    stories = stories or load_stories()
    return lambda i: NaastIntake(stories[i % len(stories)])


def mood_scripts() -> Callable[[int], Script]:
    return lambda i: MoodScript(MOOD_CONVERSATIONS[i % len(MOOD_CONVERSATIONS)])


# ------------------------------------------------------------------ load
@dataclass
class LoadResult:
    workers: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conversations: int = 0
    completed: int = 0
    cut: int = 0  # stopped by the message budget or the time limit, not by the script
    wall_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        sent = len(self.latencies_ms) + len(self.errors)
        return {
            "workers": self.workers,
            "messages": len(self.latencies_ms),
            "errors": len(self.errors),
            "error_examples": self.errors[:5],
            "conversations": self.conversations,
            "conversations_completed": self.completed,
            "conversations_cut_by_budget": self.cut,
            "wall_seconds": round(self.wall_seconds, 1),
            "messages_per_second": round(sent / self.wall_seconds, 2) if self.wall_seconds else None,
            "latency_ms": summary(self.latencies_ms),
        }


async def _worker(session, url: str, make_script: Callable[[int], Script], index: int, budget: int,
                  deadline: float, result: LoadResult, prefix: str) -> None:
    import aiohttp

    sent, number = 0, index
    while sent < budget and time.monotonic() < deadline:
        script, sender = make_script(number), f"{prefix}-{index}-{uuid.uuid4().hex[:10]}"
        number += result.workers
        result.conversations += 1
        message: str | None = script.first()
        while message is not None and sent < budget and time.monotonic() < deadline:
            sent += 1
            start = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as response:
                    body = await response.json(content_type=None)
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                result.errors.append(f"{type(error).__name__}: {error}"[:200])
                break
            elapsed = 1000 * (time.perf_counter() - start)
            if status != 200 or not isinstance(body, list):
                result.errors.append(f"HTTP {status}: {str(body)[:160]}")
                break
            result.latencies_ms.append(elapsed)
            message = script.next(body)
        else:
            if message is not None:
                result.cut += 1
        result.completed += bool(script.completed)


async def run_load_async(rasa_url: str, make_script: Callable[[int], Script], workers: int,
                         messages_per_worker: int, time_limit: float, prefix: str = "bench") -> LoadResult:
    import aiohttp

    url = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
    result = LoadResult(workers=workers)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=workers)
    start = time.monotonic()
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*[
            _worker(session, url, make_script, i, messages_per_worker, start + time_limit, result, prefix)
            for i in range(workers)
        ])
    result.wall_seconds = time.monotonic() - start
    return result


def run_load(rasa_url: str, make_script: Callable[[int], Script], workers: int, messages_per_worker: int,
             time_limit: float, prefix: str = "bench") -> LoadResult:
    return asyncio.run(run_load_async(rasa_url, make_script, workers, messages_per_worker, time_limit, prefix))


# ------------------------------------------------------------------ start to ready
def wait_until_ready(url: str, started: float, timeout: float, alive: Callable[[], bool] = lambda: True,
                     interval: float = 0.25) -> float:
    """Seconds from ``started`` (a ``time.monotonic()`` value) until ``url`` answers 200."""
    import urllib.error
    import urllib.request

    while time.monotonic() - started < timeout:
        if not alive():
            raise RuntimeError(f"server stopped before {url} was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s")
