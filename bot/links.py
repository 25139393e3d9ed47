"""Signed, short-lived links to a resident's own summary (no consent: nothing stored, only shown).

The link names the conversation and the start of its current session; it stops working when the
session ends (a new session starts) or after its expiry, whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

LIFETIME_S = 60 * 60  # Rasa's session_expiration_time (domain.yml) is 60 minutes too.


def _signature(secret: str, sender: str, session_start: float, expires: int) -> str:
    message = f"{sender}|{session_start:.6f}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def summary_link(base_url: str, secret: str, sender: str, session_start: float, now: float | None = None) -> str:
    expires = int((now or time.time()) + LIFETIME_S)
    query = urlencode({"s": f"{session_start:.6f}", "e": expires, "sig": _signature(secret, sender, session_start,
                                                                                      expires)})
    return f"{base_url.rstrip('/')}/samenvatting/{sender}?{query}"


def link_is_valid(
    secret: str, sender: str, session_start: str, expires: str, signature: str, now: float | None = None
) -> bool:
    try:
        start, until = float(session_start), int(expires)
    except ValueError:
        return False
    expected = _signature(secret, sender, start, until)
    return hmac.compare_digest(expected, signature) and (now or time.time()) < until


def current_session_start(events: list[dict]) -> float | None:
    """Timestamp of the latest session_started event in a Rasa tracker's events."""
    starts = [e.get("timestamp") for e in events if e.get("event") == "session_started"]
    return float(starts[-1]) if starts else None
