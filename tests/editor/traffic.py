"""Residents talking to Rasa while something happens (a model switch): per-message latency and failures."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

# A resident telling their story; a conversation that reaches the end starts again with a new id.
SCRIPT = [
    "hallo",
    "ik krijg de post en de rekeningen niet meer bij elkaar",
    "dat ik weer overzicht heb over mijn geld",
    "ik heb zelf een map gemaakt maar dat lukt niet",
    "iemand die een keer per week met mij de post doorneemt",
    "mijn zus helpt soms maar die woont ver weg",
    "nee het is niet dringend",
    "ja dat klopt",
]


@dataclass
class Message:
    conversation: int
    sent_at: float  # time.monotonic()
    seconds: float
    ok: bool
    replies: int
    error: str = ""


@dataclass
class Traffic:
    """``conversations`` residents, each sending a message, waiting for the answer, pausing ``pause`` s."""

    rasa_url: str
    conversations: int = 10
    pause: float = 2.0
    messages: list[Message] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Traffic:
        for number in range(self.conversations):
            thread = threading.Thread(target=self._talk, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
            time.sleep(self.pause / self.conversations)  # spread the residents out
        return self

    def stop(self) -> list[Message]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        return self.messages

    def _talk(self, number: int) -> None:
        sender, step = uuid.uuid4().hex, 0
        while not self._stop.is_set():
            text = SCRIPT[step % len(SCRIPT)]
            started, sent_at = time.perf_counter(), time.monotonic()
            try:
                request = urllib.request.Request(
                    f"{self.rasa_url}/webhooks/rest/webhook", method="POST",
                    data=json.dumps({"sender": sender, "message": text}).encode(),
                    headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
                    replies = json.loads(response.read())
                message = Message(number, sent_at, time.perf_counter() - started, isinstance(replies, list),
                                  len(replies) if isinstance(replies, list) else 0)
            except Exception as error:  # noqa: BLE001 - every failure is recorded and asserted on
                message = Message(number, sent_at, time.perf_counter() - started, False, 0, repr(error))
            with self._lock:
                self.messages.append(message)
            step += 1
            if step % len(SCRIPT) == 0:
                sender = uuid.uuid4().hex
            self._stop.wait(self.pause)
