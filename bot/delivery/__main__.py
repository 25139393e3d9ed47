"""``python -m bot.delivery``: run the outbox worker until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.config import Settings
from bot.db import init_db
from bot.delivery.worker import run_worker
from bot.notes.store import NoteStore


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load()
    store = NoteStore(init_db(settings.database_url))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(store, settings))


if __name__ == "__main__":
    main()
