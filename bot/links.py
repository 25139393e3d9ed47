"""Sealed, short-lived links to a resident's own summary (no consent: nothing stored, only shown).

The conversation is deleted from the tracker store as soon as the resident says no to sending, so the
link carries the answers itself: compressed, encrypted and authenticated (AES-GCM, with a key derived
from NAAST_SECRET_KEY) together with its expiry. Nothing of it is kept on the server; whoever has the
link can read the summary until it expires, nobody can read or change it without the secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import zlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.summariser import IntakeAnswers

LIFETIME_S = 60 * 60  # Rasa's session_expiration_time (domain.yml) is 60 minutes too.
# A request line longer than aiohttp's limit (8190) is refused: no link rather than a broken one.
MAX_LINK_CHARS = 7000
_CONTEXT = b"naast summary link v1"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(secret: str, slots: Mapping[str, Any], now: float | None = None) -> str:
    """The intake answers in these slots, sealed with their expiry, as a URL-safe token."""
    answers = IntakeAnswers.from_slots(slots).dict(exclude_none=True, exclude_defaults=True)
    payload = json.dumps({"until": int((now or time.time()) + LIFETIME_S), "answers": answers},
                         ensure_ascii=False, separators=(",", ":")).encode()
    nonce = os.urandom(12)
    return _b64(nonce + AESGCM(_key(secret)).encrypt(nonce, zlib.compress(payload, 9), _CONTEXT))


def open_seal(secret: str, token: str, now: float | None = None) -> tuple[IntakeAnswers, int] | None:
    """The answers of a valid, unexpired token and when it expires (epoch seconds); None for anything else."""
    try:
        raw = _unb64(token)
        payload = json.loads(zlib.decompress(AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], _CONTEXT)))
    except (ValueError, InvalidTag, zlib.error):
        return None
    if not isinstance(payload, dict) or (now or time.time()) >= payload.get("until", 0):
        return None
    return IntakeAnswers.from_slots(payload.get("answers") or {}), int(payload["until"])


def unseal(secret: str, token: str, now: float | None = None) -> IntakeAnswers | None:
    """The answers of a valid, unexpired token; None for anything else."""
    opened = open_seal(secret, token, now)
    return opened[0] if opened else None


def summary_link(base_url: str, secret: str, slots: Mapping[str, Any], now: float | None = None) -> str | None:
    """The resident's link to their summary, or None when the answers are too long for one."""
    link = f"{base_url.rstrip('/')}/samenvatting/{seal(secret, slots, now)}"
    return link if len(link) <= MAX_LINK_CHARS else None
