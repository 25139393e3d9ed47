"""Each resident message reaches Rasa once, however often the widget sends it again.

Why: under load Rasa can take longer than the web app waits. The web app then answers the calm 503,
the widget keeps the message in its outbox and sends it again, and Rasa, which did handle the first
attempt after all, handles it a second time: the answer stands twice in the conversation and the
intake moves one question on (bench/load.py counted 108 such duplicates in 4,585 messages).

So the widget gives each message an id (its outbox item's id) and the web app keeps, per conversation
and id, the one request to Rasa: it is not tied to the resident's HTTP request, so it goes on when the
web app stops waiting, with a longer time limit. A message sent again with the same id waits for that
same request (or gets its answer at once when it already came). A request that never reached Rasa
(connection refused) is forgotten, so the next attempt really sends it.

Kept in memory, per web process, for ``keep_seconds`` after the answer: the answers hold the resident's
own words (the read-back), so they are not written anywhere. Production routes ``/api/chat`` to the web
replicas by conversation (bot/prod.py), so the attempts of one message meet in one process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.web.rasa_client import RasaUnavailable

Replies = list[dict]


@dataclass
class _Entry:
    task: asyncio.Task[Replies]
    done_at: float | None = None


@dataclass
class MessageLedger:
    keep_seconds: float = 600.0
    max_entries: int = 50_000
    _entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    _swept_at: float = 0.0

    async def send(self, sender: str, message_id: str, request: Callable[[], Awaitable[Replies]],
                   wait_seconds: float) -> Replies:
        """The answer to this message, from the one request for it; RasaUnavailable after ``wait_seconds``."""
        self._forget_old()
        key = (sender, message_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(asyncio.ensure_future(request()))
            entry.task.add_done_callback(lambda task, key=key: self._finished(key, task))
            self._entries[key] = entry
        try:
            return await asyncio.wait_for(asyncio.shield(entry.task), wait_seconds)
        except asyncio.TimeoutError as error:
            raise RasaUnavailable("Rasa is still handling this message") from error

    def __len__(self) -> int:
        return len(self._entries)

    def _finished(self, key: tuple[str, str], task: asyncio.Task[Replies]) -> None:
        if task.cancelled() or task.exception() is not None:
            # Never reached Rasa, or Rasa took longer than even the long limit: the next attempt sends again.
            self._entries.pop(key, None)
            return
        entry = self._entries.get(key)
        if entry is not None:
            entry.done_at = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < 1.0 and len(self._entries) <= self.max_entries:
            return
        self._swept_at = now
        old = [key for key, entry in self._entries.items()
               if entry.done_at is not None and now - entry.done_at > self.keep_seconds]
        for key in old:
            del self._entries[key]
        while len(self._entries) > self.max_entries:  # a flood of ids: the oldest finished go first
            finished = next((k for k, e in self._entries.items() if e.done_at is not None), None)
            if finished is None:
                break
            del self._entries[finished]
