"""``python -m bot.delivery``: run the outbox worker until interrupted.

``python -m bot.delivery requeue [--channel email|webhook]``: give deliveries that failed for good
(after NAAST_DELIVERY_MAX_ATTEMPTS) a fresh set of attempts, once the receiver is fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.config import Settings
from bot.db import init_db, utcnow
from bot.delivery.outbox import requeue_failed
from bot.delivery.worker import run_worker
from bot.notes.store import NoteStore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.delivery")
    commands = parser.add_subparsers(dest="command")
    requeue = commands.add_parser("requeue", help="retry the deliveries that failed for good")
    requeue.add_argument("--channel", choices=("inbox", "email", "webhook"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load()
    store = NoteStore(init_db(settings.database_url))
    if args.command == "requeue":
        print(f"{requeue_failed(store.engine, utcnow(), args.channel)} deliveries will be tried again")
        return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(store, settings))


if __name__ == "__main__":
    main()
