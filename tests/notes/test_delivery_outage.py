"""The e-mail server and the case system's webhook away for an hour, on a simulated clock: the outbox
retries with back-off and delivers each note exactly once when they are back (the production defaults
of the retry settings; SQLite and PostgreSQL; a real SMTP server and a real HTTP receiver)."""

from __future__ import annotations

import datetime as dt

from aiosmtpd.controller import Controller

from bot.config import Settings
from bot.db import utcnow
from bot.delivery import configured_channels, deliver_due
from bot.notes.store import NoteStore
from tests.notes.conftest import CONVERSATIONS, WEBHOOK_SECRET, MailSink, WebhookReceiver, free_port
from tests.notes.test_delivery import entry, store_note

URGENT = next(c for c in CONVERSATIONS if c["id"] == "huiselijk_geweld")


def production_settings(**overrides: object) -> Settings:
    """Settings as deployed: the retry defaults of bot/config.py, only the receivers' addresses set."""
    return Settings(_env_file=None, public_url="http://naast.test", **overrides)  # type: ignore[arg-type]


async def test_an_hour_without_mail_server_and_webhook_then_each_note_arrives_once(
        store: NoteStore, receiver: WebhookReceiver) -> None:
    smtp_port = free_port()  # nothing listens there for the first hour: connection refused
    receiver.default = 503  # the case system answers, but is down
    settings = production_settings(smtp_host="127.0.0.1", smtp_port=smtp_port, team_mailbox="team@gemeente.example",
                                   webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, delivery_timeout_s=5)
    assert configured_channels(settings) == ["inbox", "email", "webhook"]
    notes = [store_note(store, configured_channels(settings)), store_note(store, configured_channels(settings), URGENT)]
    t0 = utcnow()
    minute = dt.timedelta(minutes=1)
    # The worker's rounds during the outage, one per simulated minute (it polls every few seconds; a
    # round in between finds nothing due, so a minute apart shows the same attempts).
    for step in range(61):
        report = await deliver_due(store, settings, now=t0 + step * minute)
        assert report.failed == 0  # an hour away is never "failed for good" with the defaults
    for note in notes:
        assert store.get(note.id).status == "nieuw"  # the inbox never depended on them  # type: ignore[union-attr]
        for channel in ("email", "webhook"):
            waiting = entry(store, note, channel)
            assert waiting.status == "pending" and waiting.delivered_at is None
            # Back-off: far fewer attempts than rounds, and the next one is not far off (capped growth).
            assert 5 <= waiting.attempts <= 12, waiting.attempts
            assert waiting.next_attempt_at <= t0 + 61 * minute + dt.timedelta(seconds=settings.delivery_max_delay_s)
    tries_during_outage = len(receiver.requests)
    assert tries_during_outage == sum(entry(store, n, "webhook").attempts for n in notes)

    # Both come back. The worker's rounds go on (one per simulated minute) until nothing is due.
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    receiver.default = 200
    try:
        now = t0 + 61 * minute
        for _ in range(2 * 60):
            await deliver_due(store, settings, now=now)
            if all(entry(store, n, c).status == "delivered" for n in notes for c in ("email", "webhook")):
                break
            now += minute
        # And long after: nothing is sent again.
        for hours in (1, 5, 24):
            assert (await deliver_due(store, settings, now=now + dt.timedelta(hours=hours))).claimed == 0
    finally:
        controller.stop()
    for note in notes:
        assert entry(store, note, "email").status == "delivered"
        assert entry(store, note, "webhook").status == "delivered"
    assert len(sink.messages) == 2  # one e-mail per note
    subjects = sorted(message["data"].decode().split("Subject: ", 1)[1].split("\n", 1)[0] for message in sink.messages)
    assert all(note.reference in " ".join(subjects) for note in [store.get(n.id) for n in notes])  # type: ignore[union-attr]
    delivered = receiver.requests[tries_during_outage:]
    assert sorted(r["headers"]["Idempotency-Key"] for r in delivered) == sorted(
        entry(store, n, "webhook").id for n in notes)  # one successful call per note, no repeat
