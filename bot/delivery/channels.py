"""Senders for the e-mail and webhook channels (the inbox channel is a database update: outbox.py)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from email.message import EmailMessage

import aiohttp
import aiosmtplib

from bot.config import Settings
from bot.db import utcnow
from bot.notes.model import Note
from bot.notes.texts import load_texts

SIGNATURE_HEADER = "X-Naast-Signature"
TIMESTAMP_HEADER = "X-Naast-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class DeliveryError(RuntimeError):
    """A channel could not deliver; the worker schedules a retry."""


def configured_channels(settings: Settings) -> list[str]:
    """The channels a new note goes out on: the inbox always, e-mail and webhook when configured."""
    channels = ["inbox"]
    if settings.smtp_host and settings.team_mailbox:
        channels.append("email")
    if settings.webhook_url:
        channels.append("webhook")
    return channels


def inbox_link(settings: Settings) -> str:
    return f"{str(settings.public_url).rstrip('/')}/inbox"


def build_email(note: Note, settings: Settings) -> EmailMessage:
    """Says only that a note is waiting: reference and link, no personal details."""
    texts = load_texts()["email"]
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = settings.team_mailbox
    subject = texts["subject_urgent"] if note.urgent else texts["subject"]
    message["Subject"] = subject.format(reference=note.reference)
    message.set_content(texts["body"].format(reference=note.reference, link=inbox_link(settings)))
    return message


async def send_email(note: Note, settings: Settings) -> None:
    try:
        await aiosmtplib.send(
            build_email(note, settings),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_port == 465,
            timeout=settings.delivery_timeout_s,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"smtp: {type(error).__name__}: {error}") from error


def sign(body: bytes, secret: str) -> str:
    """The value of the signature header: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_request(note: Note, delivery_id: str, settings: Settings) -> tuple[bytes, dict[str, str]]:
    """Body and headers of a webhook call. ``sent_at`` sits in the signed body, so a receiver can
    refuse old replays; ``delivery_id`` (also the Idempotency-Key) lets it drop repeats."""
    sent_at = utcnow()
    payload = {"event": "note.created", "delivery_id": delivery_id,
               "sent_at": sent_at.isoformat(), "note": note.to_dict()}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(body, settings.webhook_secret),
        TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
        IDEMPOTENCY_HEADER: delivery_id,
        "User-Agent": "Naast-webhook/1",
    }
    return body, headers


async def send_webhook(note: Note, delivery_id: str, settings: Settings,
                       http: aiohttp.ClientSession) -> None:
    body, headers = webhook_request(note, delivery_id, settings)
    timeout = aiohttp.ClientTimeout(total=settings.delivery_timeout_s)
    try:
        async with http.post(settings.webhook_url, data=body, headers=headers, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook: HTTP {response.status}")
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        raise DeliveryError(f"webhook: {type(error).__name__}: {error}") from error
