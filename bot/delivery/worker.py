"""The outbox worker: deliver due rows over their channel, retry with back-off, never drop one."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from dataclasses import dataclass

import aiohttp

from bot.config import Settings
from bot.db import utcnow
from bot.delivery.channels import DeliveryError, send_email, send_webhook
from bot.delivery.outbox import (
    Claimed,
    claim_due,
    deliver_to_inbox,
    mark_delivered,
    schedule_retry,
)
from bot.inbox.routing import load_routing
from bot.notes.store import OUTBOX_FAILED, NoteStore

log = logging.getLogger(__name__)
BATCH = 20


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


async def deliver_due(store: NoteStore, settings: Settings, now: dt.datetime | None = None, *,
                      limit: int = BATCH, http: aiohttp.ClientSession | None = None,
                      rng: random.Random | None = None) -> DeliveryReport:
    """One round: claim the due rows and try each once. ``now`` is injectable for tests."""
    now = now or utcnow()
    engine = store.engine
    claimed = await asyncio.to_thread(claim_due, engine, now, limit=limit,
                                      lease_s=settings.delivery_lease_s)
    report = DeliveryReport(claimed=len(claimed))
    if not claimed:
        return report
    own_http = http is None
    http = http or aiohttp.ClientSession()
    try:
        for item in claimed:
            try:
                await _deliver(store, settings, item, now, http)
                report.delivered += 1
            except Exception as error:  # noqa: BLE001 - any failure becomes a retry, never a loss
                message = str(error) if isinstance(error, DeliveryError) else type(error).__name__
                status = await asyncio.to_thread(schedule_retry, engine, item, now, message,
                                                 settings, rng)
                if status == OUTBOX_FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
    finally:
        if own_http:
            await http.close()
    return report


async def _deliver(store: NoteStore, settings: Settings, item: Claimed, now: dt.datetime,
                   http: aiohttp.ClientSession) -> None:
    if item.channel == "inbox":
        # Read at each delivery (cached until the file changes): a routing change applies to the next note.
        await asyncio.to_thread(deliver_to_inbox, store.engine, item, now, load_routing(settings.routing_file))
        return
    note = await asyncio.to_thread(store.get, item.note_id)
    if note is None:
        raise DeliveryError("note no longer exists")
    if item.channel == "email":
        await send_email(note, settings)
    elif item.channel == "webhook":
        await send_webhook(note, item.id, settings, http)
    else:
        raise DeliveryError(f"unknown channel {item.channel!r}")
    await asyncio.to_thread(mark_delivered, store.engine, item, now)


async def run_worker(store: NoteStore, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Deliver until ``stop`` is set; a failing round (database away) is logged and tried again."""
    stop = stop or asyncio.Event()
    async with aiohttp.ClientSession() as http:
        while not stop.is_set():
            try:
                report = await deliver_due(store, settings, http=http)
            except Exception:  # noqa: BLE001 - keep the worker alive; rows stay in the outbox
                log.exception("delivery round failed; trying again")
                report = DeliveryReport()
            if report.claimed == BATCH:
                continue  # more may be waiting
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.delivery_poll_s)
