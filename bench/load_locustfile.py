"""The residents of the load test (bench/load.py), as Locust users. Run only by bench/load.py, as its own
process (``locust --headless``): gevent's monkeypatching stays in that process, away from Rasa.

``NAAST_LOAD_CONFIG`` names a JSON file written by bench/load.py:

* ``mode``: ``"naast"`` (the web app's chat proxy ``/api/chat`` behind nginx, ``{"messages": [...]}``)
  or ``"plain"`` (Rasa's REST channel ``/webhooks/rest/webhook``, a list of replies);
* ``residents``: one entry per simulated resident (its sender id, and its answers or its messages);
* ``think``: [min, max] seconds a resident waits before each next message (uniformly random);
* ``deadline``: seconds after the start after which no resident sends a new message;
* ``out``: where every resident's record is written when Locust quits.

Each Locust user holds one whole conversation and then stops; when every resident has stopped, Locust
quits. A message answered with a server error or not at all is sent again the way the widget's REST
transport does (after 2 s, doubling up to 30 s, until the time limit), and every attempt is recorded, so
the accounting can tell a lost message from a duplicated one.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

from bench.latency import MoodScript, response_names
from bench.load import intake

CONFIG: dict[str, Any] = json.loads(Path(os.environ["NAAST_LOAD_CONFIG"]).read_text("utf-8"))
RESIDENTS: list[dict[str, Any]] = CONFIG["residents"]
RECORDS: list[dict[str, Any]] = []
RETRY_FIRST, RETRY_MAX = 2.0, 30.0  # widget/src/connection.js: 2 s, doubling up to 30 s, without end
REFERENCE = re.compile(r"NST-[0-9A-Z]{4}")
STARTED = time.monotonic()
_claimed = 0
_finished = 0


def _claim() -> dict[str, Any] | None:
    global _claimed
    if _claimed >= len(RESIDENTS):
        return None
    _claimed += 1
    return RESIDENTS[_claimed - 1]


def _script(spec: dict[str, Any]):  # noqa: ANN202 - bench.latency.Script
    if CONFIG["mode"] == "naast":
        return intake(dict(spec["answers"]))
    return MoodScript(tuple(spec["messages"]))


class Resident(FastHttpUser):
    wait_time = constant(0)
    network_timeout = 120.0  # longer than nginx's and the web app's own timeouts: theirs show, not ours
    connection_timeout = 10.0

    @task
    def conversation(self) -> None:
        spec = _claim()
        if spec is None:
            raise StopUser()
        record: dict[str, Any] = {"sender": spec["sender"], "index": spec["index"], "messages": [],
                                  "completed": False, "cut": False, "reference": None}
        RECORDS.append(record)
        try:
            self._hold(spec, record)
        finally:
            _done(self.environment)
        raise StopUser()

    def _hold(self, spec: dict[str, Any], record: dict[str, Any]) -> None:
        script = _script(spec)
        message: str | None = script.first()
        while message is not None:
            if time.monotonic() - STARTED > CONFIG["deadline"]:
                record["cut"] = True
                return
            replies = self._send(spec["sender"], message, record)
            if replies is None:
                return
            for text in (reply.get("text") or "" for reply in replies):
                found = REFERENCE.search(text)
                if found and CONFIG["mode"] == "naast":
                    record["reference"] = found.group(0)
            message = script.next(replies)
            record["completed"] = bool(script.completed)
            if message is not None:
                gevent.sleep(random.uniform(*CONFIG["think"]))  # noqa: S311 - not a secret
        record["last_names"] = getattr(script, "last_names", [])

    def _send(self, sender: str, text: str, record: dict[str, Any]) -> list[dict[str, Any]] | None:
        """One message, sent again after a server error as the widget does; the replies, or None."""
        entry: dict[str, Any] = {"text": text, "attempts": []}
        record["messages"].append(entry)
        path = "/api/chat" if CONFIG["mode"] == "naast" else "/webhooks/rest/webhook"
        delay = RETRY_FIRST
        # As the widget: Naast's chat proxy gets the outbox id (the same on every attempt) and the
        # conversation in a header (nginx routes /api/chat on it); plain Rasa's channel has neither.
        body: dict[str, Any] = {"sender": sender, "message": text}
        headers: dict[str, str] = {}
        if CONFIG["mode"] == "naast":
            body["message_id"] = f"m{len(record['messages'])}"
            headers["X-Naast-Sender"] = sender
        while True:
            began, start = time.time(), time.perf_counter()
            with self.client.post(path, json=body, headers=headers, name=path,
                                  catch_response=True) as response:
                ms = 1000 * (time.perf_counter() - start)
                status = response.status_code or 0
                attempt = {"status": status, "ms": round(ms, 1), "began": began, "ended": time.time()}
                entry["attempts"].append(attempt)
                replies = _replies(response) if status == 200 else None
                if replies is not None:
                    response.success()
                    entry["names"] = response_names(replies)
                    return replies
                attempt["error"] = (str(response.error) if response.error else (response.text or ""))[:200]
                response.failure(f"HTTP {status}")
                if status and status < 500:
                    return None  # refused (the widget does not send it again either)
            if time.monotonic() - STARTED + delay > CONFIG["deadline"]:
                entry["unanswered_at_time_limit"] = True  # still in the widget's outbox when the test ends
                record["cut"] = True
                return None
            gevent.sleep(delay)
            delay = min(2 * delay, RETRY_MAX)


def _replies(response) -> list[dict[str, Any]] | None:  # noqa: ANN001 - locust's FastResponse
    try:
        body = response.json()
    except ValueError:
        return None
    replies = body.get("messages") if isinstance(body, dict) else body
    return replies if isinstance(replies, list) and replies else None


def _done(environment) -> None:  # noqa: ANN001 - locust.env.Environment
    global _finished
    _finished += 1
    if _finished >= len(RESIDENTS) and environment.runner is not None:
        gevent.spawn_later(0.5, environment.runner.quit)  # not from this greenlet: it is being stopped


@events.quitting.add_listener
def _write_records(environment, **_: Any) -> None:  # noqa: ANN001
    Path(CONFIG["out"]).write_text(json.dumps(RECORDS, ensure_ascii=False), "utf-8")
