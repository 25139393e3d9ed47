"""Inside every Rasa process: switch to a newly published model without making a conversation wait.

Rasa's ``PUT /model`` builds the new ``MessageProcessor`` on the server's event loop, so every
conversation of that process waits for the whole load (tens of seconds). Instead, each Rasa process
(started through ``bot.rasa_runtime``) checks every ``NAAST_MODEL_CHECK_SECONDS`` which model is published
(``model_versions``, the most recently activated row, in Naast's database). When it changed, the new
processor is built in a worker thread, warmed up there (one parse, one prediction: TensorFlow builds its
graphs on first use), and then swapped in on the event loop in one step. A message that arrived
before the swap finishes on the old processor (``Agent.handle_message`` took it already); the next one
uses the new one. Socket.io connections stay open (the widget talks to Rasa directly), and it works
the same on every replica. At start-up the published model is loaded instead of ``--model``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import ROOT

logger = logging.getLogger(__name__)
LOADER_NICE = 19


@dataclass(frozen=True)
class Published:
    id: int
    path: Path


def published_model(engine: Any) -> Published | None:
    """The live model according to Naast's database; None when none was published (or no table yet)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT id, model_path FROM model_versions WHERE activated_at IS NOT NULL "
                "AND model_path IS NOT NULL ORDER BY activated_at DESC, id DESC LIMIT 1")).first()
    except SQLAlchemyError:
        return None  # not migrated yet, or the database is away: keep what runs
    if row is None:
        return None
    path = Path(row[1]) if Path(row[1]).is_absolute() else ROOT / row[1]
    return Published(int(row[0]), path) if path.exists() else None


@contextlib.contextmanager
def _gentle() -> Iterator[None]:
    """Let the event loop win: this thread at the lowest CPU priority (Linux: nice per thread), and the
    interpreter handing the GIL over more often, so a resident's message does not queue behind the load."""
    interval = sys.getswitchinterval()
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOADER_NICE)
    sys.setswitchinterval(min(interval, 0.001))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def model_id(path: Path) -> str | None:
    """The id Rasa gave a model when it was trained (its ``metadata.json``; Rasa's ``/status`` shows it).

    A copy of a model has the same id: the shipped model, made version 1 at the first publish, is not
    loaded again by a process that already runs it."""
    return _model_id(str(path), path.stat().st_mtime if path.exists() else 0.0)


@functools.lru_cache(maxsize=64)
def _model_id(path: str, _mtime: float) -> str | None:
    import json
    import tarfile

    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.name in ("metadata.json", "./metadata.json"):
                    return json.load(tar.extractfile(member)).get("model_id")  # type: ignore[arg-type]
    except (OSError, tarfile.TarError, ValueError):
        return None
    return None


def build_processor(agent: Any, model_path: Path) -> Any:
    """A processor for ``model_path`` sharing ``agent``'s stores and endpoints, warmed up. Blocking:
    run it in a worker thread of its own (the thread's priority is lowered for good)."""
    with _gentle():
        return _build_processor(agent, model_path)


def _build_processor(agent: Any, model_path: Path) -> Any:
    import rasa.core.agent as rasa_agent
    from rasa.core.channels import UserMessage
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    processor = rasa_agent.MessageProcessor(  # Naast's processor once bot.rasa_runtime installed it
        model_path=model_path, tracker_store=agent.tracker_store, lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint, generator=agent.nlg, http_interpreter=agent.http_interpreter)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(processor.parse_message(UserMessage("hallo")))
    finally:
        loop.close()
    tracker = DialogueStateTracker.from_events(
        "naast-warm-up",
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("hallo", {"name": "greet", "confidence": 1.0})],
        slots=processor.domain.slots)
    try:
        processor._predict_next_with_tracker(tracker)
    except Exception:  # noqa: BLE001 - a warm-up only; the first real prediction builds what is left
        logger.exception("model warm-up prediction failed")
    return processor


async def _in_own_thread(func: Any, *args: Any) -> Any:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="naast-model-load") as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, func, *args)


def swap(agent: Any, processor: Any) -> None:
    """Put ``processor`` in front (on the event loop: no await between these lines)."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    agent.processor = processor
    agent.domain = processor.domain
    agent.tracker_store.domain = processor.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = processor.domain.responses
    agent._set_fingerprint(None)


class ModelWatcher:
    """One per Rasa process: follows the published model."""

    def __init__(self, app: Any, interval: float, engine: Any, current: int | None) -> None:
        self.app, self.interval, self.engine, self.current = app, interval, engine, current
        self.failed: set[int] = set()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - the watcher must survive anything; the running model stays
                logger.exception("model check failed; the running model stays")

    async def check(self) -> bool:
        published = await asyncio.to_thread(published_model, self.engine)
        if published is None or published.id == self.current or published.id in self.failed:
            return False
        agent = self.app.ctx.agent
        if await asyncio.to_thread(model_id, published.path) == agent.model_id:
            self.current = published.id  # the same model under another name (a copy): nothing to load
            return False
        started = time.monotonic()
        logger.info("published model %d (%s): loading beside the running one", published.id, published.path.name)
        try:
            # A thread of its own, not the default executor: its priority is lowered for good.
            processor = await _in_own_thread(build_processor, agent, published.path)
        except Exception:  # noqa: BLE001
            self.failed.add(published.id)
            logger.exception("published model %d did not load; the running model stays", published.id)
            return False
        swap(self.app.ctx.agent, processor)
        self.current = published.id
        logger.info("switched to model %d (%s) after %.1f s of loading", published.id, published.path.name,
                    time.monotonic() - started)
        return True


def install() -> None:
    """Wrap Rasa's start-up: load the published model if there is one, then watch for newer ones."""
    import rasa.core.run as rasa_run

    original = rasa_run.load_agent_on_start
    if getattr(original, "naast_watch", False):
        return

    async def load_agent_on_start(model_path, endpoints, remote_storage, app, loop):  # noqa: ANN001, ANN202
        from bot.config import Settings
        from bot.db import make_engine

        settings = Settings()
        engine = make_engine(settings.database_url)
        published = await asyncio.to_thread(published_model, engine)
        if published is not None:
            logger.info("starting with the published model %d (%s)", published.id, published.path.name)
            model_path = str(published.path)
        agent = await original(model_path, endpoints, remote_storage, app, loop)
        watcher = ModelWatcher(app, settings.model_check_seconds, engine, published.id if published else None)
        app.ctx.naast_model_watcher = watcher
        app.ctx.naast_model_task = loop.create_task(watcher.run())
        return agent

    load_agent_on_start.naast_watch = True  # type: ignore[attr-defined]
    rasa_run.load_agent_on_start = load_agent_on_start
