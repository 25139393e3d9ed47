"""In the Rasa process: pick out the messages Naast did not understand, at the moment they are handled.

Called from ``PrivacyTrackerStore.save`` (bot/privacy/tracker_store.py) for every saved turn. The
tracker store deletes closed conversations and the retention job the rest, so the messages are taken
here, while the turn is saved; de-identifying and storing happens in one background thread (the
conversation does not wait). De-identification happens in the web app (``store.deidentify_pending``):
deduce needs about a gigabyte, too much for every Rasa replica.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from typing import Any

from bot.learning import store

logger = logging.getLogger(__name__)


class Collector:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str, str, str | None, float | None]] = queue.Queue(maxsize=1000)
        self._seen: OrderedDict[tuple[str, float], None] = OrderedDict()
        self._thread: threading.Thread | None = None
        self._engine: Any = None
        self._settings: Any = None

    def offer(self, tracker: Any) -> None:
        from rasa.shared.core.events import UserUttered

        message = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
        if message is None or not message.text:
            return
        key = (tracker.sender_id, message.timestamp)
        if key in self._seen:
            return
        self._seen[key] = None
        while len(self._seen) > 5000:
            self._seen.popitem(last=False)
        reason = store.reason_for(message.parse_data or {}, bool(tracker.active_loop_name))
        if reason is None:
            return
        intent = message.intent or {}
        try:
            self._queue.put_nowait((tracker.sender_id, message.text, reason, intent.get("name"),
                                    intent.get("confidence")))
        except queue.Full:
            logger.warning("learning: queue full, a not-understood message was not kept")
            return
        self._ensure_thread()

    def forget(self, sender: str) -> None:
        """A wiped conversation: its de-identified messages go too (after those still queued)."""
        self._queue.put((sender, "", "forget", None, None))
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="naast-learning", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        from bot.config import Settings
        from bot.db import make_engine

        if self._engine is None:
            self._settings = Settings.load()
            self._engine = make_engine(self._settings.database_url)
        while True:
            item = self._queue.get()
            try:
                if item[2] == "forget":
                    store.forget_conversation(self._engine, self._settings.secret_key, item[0])
                else:
                    store.record(self._engine, self._settings.secret_key, *item)
            except Exception:  # noqa: BLE001 - never lose the conversation over this; no text in the log
                logger.exception("learning: a not-understood message could not be stored")
            finally:
                self._queue.task_done()

    def drain(self, timeout: float = 60) -> None:
        """Wait until every offered message is stored (tests)."""
        import time

        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)


COLLECTOR = Collector()
