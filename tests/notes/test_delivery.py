"""The outbox worker with a real SMTP server (aiosmtpd) and a real HTTP receiver (aiohttp),
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import threading
from email import message_from_bytes
from email.message import Message

import pytest

from bot.db import utcnow
from bot.delivery import configured_channels, deliver_due, requeue_failed, run_worker
from bot.delivery.outbox import backoff_s, claim_due, deliver_to_inbox, mark_delivered
from bot.inbox.routing import load_routing
from bot.notes.model import Note
from bot.notes.store import NoteStore
from bot.notes.texts import all_strings, load_texts
from bot.summariser import summarise
from tests.inbox.factory import ROUTING_FILE
from tests.notes.conftest import (
    CONVERSATIONS,
    WEBHOOK_SECRET,
    MailSink,
    WebhookReceiver,
    answers_of,
    free_port,
    make_settings,
)

RICH = next(c for c in CONVERSATIONS if c["id"] == "schulden_lang")
URGENT = next(c for c in CONVERSATIONS if c["id"] == "huiselijk_geweld")


def store_note(store: NoteStore, channels: list[str], conversation: dict = RICH) -> Note:
    return store.save(summarise(answers_of(conversation)), channels, consent=True)


def entry(store: NoteStore, note: Note, channel: str):  # noqa: ANN201 - an OutboxEntry
    return next(e for e in store.outbox(note.id) if e.channel == channel)


async def test_inbox_delivery_makes_the_note_visible(store: NoteStore) -> None:
    note = store_note(store, ["inbox"])
    report = await deliver_due(store, make_settings())
    assert (report.claimed, report.delivered) == (1, 1)
    assert store.get(note.id).status == "nieuw"  # type: ignore[union-attr]
    assert [n.id for n in store.list()] == [note.id]
    assert entry(store, note, "inbox").status == "delivered"
    assert (await deliver_due(store, make_settings())).claimed == 0


async def test_email_says_only_that_a_note_is_waiting(store: NoteStore, smtp_server: tuple[MailSink, int]) -> None:
    sink, port = smtp_server
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port, team_mailbox="team@gemeente.example",
                             smtp_from="naast@gemeente.example")
    assert configured_channels(settings) == ["inbox", "email"]
    note = store_note(store, configured_channels(settings))
    urgent = store_note(store, configured_channels(settings), URGENT)
    report = await deliver_due(store, settings)
    assert report.delivered == 4 and report.retrying == 0
    assert len(sink.messages) == 2
    mails = {m["Subject"]: m for m in (message_from_bytes(x["data"]) for x in sink.messages)}
    assert all(x["to"] == ["team@gemeente.example"] for x in sink.messages)
    plain = next(m for s, m in mails.items() if note.reference in s)
    assert "signaal van urgentie" not in plain["Subject"]
    assert any(urgent.reference in s and "signaal van urgentie" in s for s in mails)
    body = _text(plain).replace("\r\n", "\n")
    # Exactly the fixed text with reference and link filled in: nothing of the note can be in it.
    assert body == load_texts()["email"]["body"].format(reference=note.reference, link="http://naast.test/inbox")
    for mail in mails.values():
        _assert_no_personal_details(_text(mail) + mail["Subject"], [note, urgent])
    assert entry(store, note, "email").status == "delivered"


def _text(message: Message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def _assert_no_personal_details(text: str, notes: list[Note]) -> None:
    template = " ".join(all_strings(load_texts()["email"]))
    for note in notes:
        for resident_text in note.resident_texts():
            for word in resident_text.split():
                if len(word) > 7 and word not in template:  # deurwaarder, energieleverancier, ...
                    assert word not in text, word
        assert note.contact.phone is None or note.contact.phone not in text
        assert note.id not in text


async def test_webhook_fails_first_then_delivers_once(store: NoteStore, receiver: WebhookReceiver) -> None:
    receiver.script = [500]
    settings = make_settings(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
    note = store_note(store, configured_channels(settings))
    t0 = utcnow()
    first = await deliver_due(store, settings, now=t0)
    assert (first.delivered, first.retrying) == (1, 1)  # inbox went, webhook will retry
    pending = entry(store, note, "webhook")
    assert pending.status == "pending" and pending.attempts == 1 and pending.last_error == "webhook: HTTP 500"
    assert t0 + dt.timedelta(seconds=0.5) <= pending.next_attempt_at <= t0 + dt.timedelta(seconds=1)
    assert (await deliver_due(store, settings, now=t0)).claimed == 0  # not due yet
    second = await deliver_due(store, settings, now=t0 + dt.timedelta(seconds=2))
    assert second.delivered == 1
    assert (await deliver_due(store, settings, now=t0 + dt.timedelta(hours=1))).claimed == 0
    done = entry(store, note, "webhook")
    assert done.status == "delivered" and done.attempts == 2

    assert len(receiver.requests) == 2
    keys = {r["headers"]["Idempotency-Key"] for r in receiver.requests}
    assert keys == {done.id}  # the same key both times: a receiver can drop the repeat
    for request in receiver.requests:
        body, headers = request["body"], request["headers"]
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Naast-Signature"], expected)
        payload = json.loads(body)
        assert payload["delivery_id"] == done.id and payload["event"] == "note.created"
        assert int(headers["X-Naast-Timestamp"]) == int(dt.datetime.fromisoformat(payload["sent_at"]).timestamp())
        sent = Note.from_dict(payload["note"])
        assert sent.copy(update={"status": note.status}) == note


async def test_failed_for_good_is_kept_logged_and_can_be_requeued(
    store: NoteStore, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.default = 503
    settings = make_settings(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, delivery_max_attempts=3)
    note = store_note(store, ["webhook"])
    t0 = utcnow()
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    for hour in range(3):
        await deliver_due(store, settings, now=t0 + dt.timedelta(hours=hour))
    failed = entry(store, note, "webhook")
    assert failed.status == "failed" and failed.attempts == 3 and failed.last_error == "webhook: HTTP 503"
    assert "failed for good" in caplog.text and failed.id in caplog.text
    assert note.sections.situation.summary[0] not in caplog.text  # logs carry no note content
    assert (await deliver_due(store, settings, now=t0 + dt.timedelta(days=9))).claimed == 0
    assert len(receiver.requests) == 3

    receiver.default = 200
    assert requeue_failed(store.engine, utcnow(), channel="webhook") == 1
    assert (await deliver_due(store, settings)).delivered == 1
    assert entry(store, note, "webhook").status == "delivered"


async def test_unreachable_smtp_server_means_retry(store: NoteStore) -> None:
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=free_port(), team_mailbox="team@gemeente.example")
    note = store_note(store, ["email"])
    report = await deliver_due(store, settings)
    assert report.retrying == 1
    pending = entry(store, note, "email")
    assert pending.status == "pending" and (pending.last_error or "").startswith("smtp:")


def test_two_workers_deliver_every_row_exactly_once(store: NoteStore, receiver: WebhookReceiver) -> None:
    settings = make_settings(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
    notes = [store_note(store, ["inbox", "webhook"]) for _ in range(25)]
    start = threading.Barrier(2)
    delivered = [0, 0]

    def worker(index: int) -> None:
        async def rounds() -> None:
            start.wait()
            idle = 0
            while idle < 2:  # the other worker may still hold rows; look once more
                report = await deliver_due(store, settings, limit=3)
                delivered[index] += report.delivered
                idle = idle + 1 if report.claimed == 0 else 0
        asyncio.run(rounds())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(delivered) == 50  # a row delivered twice would make this more than 50
    keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert len(keys) == len(set(keys)) == 25
    for note in notes:
        assert store.get(note.id).status == "nieuw"  # type: ignore[union-attr]
        assert {e.status for e in store.outbox(note.id)} == {"delivered"}


def test_a_claim_takes_at_most_its_limit(store: NoteStore) -> None:
    for _ in range(5):
        store_note(store, ["inbox"])
    first = claim_due(store.engine, utcnow(), limit=2, lease_s=30)
    second = claim_due(store.engine, utcnow(), limit=2, lease_s=30)
    rest = claim_due(store.engine, utcnow(), limit=10, lease_s=30)
    assert (len(first), len(second), len(rest)) == (2, 2, 1)
    assert len({c.id for c in first + second + rest}) == 5


def test_a_stale_claim_is_taken_over_once(store: NoteStore) -> None:
    note = store_note(store, ["inbox"])
    t0 = utcnow()
    [crashed] = claim_due(store.engine, t0, limit=10, lease_s=30)  # this worker "dies" mid-send
    assert claim_due(store.engine, t0 + dt.timedelta(seconds=10), limit=10, lease_s=30) == []
    [taken] = claim_due(store.engine, t0 + dt.timedelta(seconds=31), limit=10, lease_s=30)
    assert taken.id == crashed.id and taken.attempts == 2 and taken.claim_token != crashed.claim_token
    assert not mark_delivered(store.engine, crashed, t0)  # the old claim can no longer finish it
    assert deliver_to_inbox(store.engine, taken, t0, load_routing(ROUTING_FILE))
    assert entry(store, note, "inbox").status == "delivered"


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    settings = make_settings(delivery_base_delay_s=5, delivery_max_delay_s=100)
    rng = random.Random(7)
    for attempt, full in [(1, 5), (2, 10), (3, 20), (5, 80), (6, 100), (20, 100)]:
        for _ in range(20):
            assert full / 2 <= backoff_s(attempt, settings, rng) <= full


async def test_run_worker_delivers_until_stopped(store: NoteStore) -> None:
    settings = make_settings(delivery_poll_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(store, settings, stop))
    note = store_note(store, ["inbox"])
    for _ in range(200):
        if store.get(note.id).status == "nieuw":  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert store.get(note.id).status == "nieuw"  # type: ignore[union-attr]
