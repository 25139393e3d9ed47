"""Rasa's agent in the test process, talking to the real action server over HTTP.

The fuzzer sends hundreds of messages; in-process they skip the REST channel and the HTTP round trip,
while NLU, the message screen, the policies, the tracker store and every custom action run exactly
as in `rasa run` (endpoints.yml, read the same way). The model is loaded once
per test session (about a minute on two cores).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import server_environment
from bot.config import ROOT, Settings
from tests.personas.runner import TransportError

if TYPE_CHECKING:
    from rasa.core.utils import AvailableEndpoints


class _Errors(logging.Handler):
    """ERROR records Rasa logs while handling a message (a failing custom action, a policy error)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage()[:300])


def endpoints(settings: Settings) -> AvailableEndpoints:
    """endpoints.yml read exactly as `rasa run` reads it: the action server with its shared secret and
    Naast's tracker store, which deletes a conversation when it closes (the next message starts anew)."""
    from rasa.core.utils import read_endpoints_from_path

    saved = dict(os.environ)
    try:
        os.environ.update(server_environment(settings))
        return read_endpoints_from_path(ROOT / "endpoints.yml")
    finally:
        os.environ.clear()
        os.environ.update(saved)


class AgentTransport:
    def __init__(self, model: Path, settings: Settings) -> None:
        import structlog
        from rasa.core.agent import Agent

        # Rasa's per-message debug lines (structlog) would flood the test log.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        logging.getLogger("rasa").setLevel(logging.WARNING)
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        from rasa.core.tracker_store import TrackerStore

        found = endpoints(settings)
        self.agent = Agent.load(str(model), action_endpoint=found.action,
                                tracker_store=TrackerStore.create(found.tracker_store))
        self.errors = _Errors()
        logging.getLogger("rasa").addHandler(self.errors)

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        before = len(self.errors.records)
        try:
            replies = self.loop.run_until_complete(self.agent.handle_text(text, sender_id=sender))
        except Exception as error:  # noqa: BLE001 - any failure inside Rasa is a server error here
            raise TransportError(f"{type(error).__name__}: {error}") from error
        if len(self.errors.records) > before:
            raise TransportError("Rasa logged: " + " | ".join(self.errors.records[before:]))
        return list(replies or [])

    def close(self) -> None:
        logging.getLogger("rasa").removeHandler(self.errors)
        self.loop.close()
