"""The web app's only way to Rasa: its REST channel and its token-protected HTTP API."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

# Messages of different lengths: TensorFlow builds a graph for the first inputs of a new shape.
WARM_UP_TEXTS = (
    "hallo",
    "ik weet het niet",
    "ik heb veel rekeningen en ik slaap er slecht van, wie kan mij helpen",
)


SENDER_HEADER = "X-Naast-Sender"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the resident must get a way to reach a person."""


class RasaClient:
    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._session = session

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None,
                   timeout_s: float | None = None) -> list[dict]:
        payload = {"sender": sender, "message": message, "metadata": metadata or {}}
        # Names the conversation where a proxy in front of several Rasa replicas can route on it (the
        # body is not visible to nginx; bot/prod.py). One Rasa ignores it.
        extra: dict[str, Any] = {} if timeout_s is None else {"timeout": aiohttp.ClientTimeout(total=timeout_s,
                                                                                          sock_connect=3)}
        return await self._request("POST", "/webhooks/rest/webhook", json=payload, headers={SENDER_HEADER: sender},
                                   **extra)

    async def tracker(self, sender: str) -> dict[str, Any]:
        return await self._request("GET", f"/conversations/{sender}/tracker", params={"token": self._token})

    async def close_conversation(self, sender: str, reason: str) -> None:
        """Mark the conversation closed (Rasa's lock, then the tracker store deletes it: bot/privacy/)."""
        event = {"event": "slot", "name": "conversation_closed", "value": reason}
        await self._request("POST", f"/conversations/{sender}/tracker/events", params={"token": self._token},
                            json=[event])

    async def parse(self, text: str) -> dict[str, Any]:
        """Rasa's NLU on a text, without a conversation (nothing is stored)."""
        return await self._request("POST", "/model/parse", params={"token": self._token}, json={"text": text})

    async def status(self) -> dict[str, Any]:
        """Rasa's ``/status``: ``model_file`` names the model this process answers with."""
        return await self._request("GET", "/status", params={"token": self._token})

    async def is_ready(self) -> bool:
        try:
            status = await self._request("GET", "/status", params={"token": self._token})
        except RasaUnavailable:
            return False
        return bool(status.get("model_file"))

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, self._base + path, **kwargs) as response:
                if response.status >= 500:
                    raise RasaUnavailable(f"Rasa answered {response.status} on {path}")
                response.raise_for_status()
                return await response.json()
        # asyncio.TimeoutError (the session's timeout) is not the built-in TimeoutError before Python 3.11;
        # uncaught, aiohttp answers a bare 504 instead of the calm message with the phone number.
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as error:
            raise RasaUnavailable(f"Rasa is not reachable at {self._base}: {error}") from error


async def warm_up(client: RasaClient, *, poll_seconds: float = 2.0, attempts: int = 450) -> float | None:
    """Wait for Rasa's model, then parse a few messages, so the first resident does not wait (~1 s).

    Returns the seconds the warm-up took, or None when Rasa was not ready after ``attempts`` polls
    (15 minutes by default). Parsing keeps no conversation: safe on every start of every web app.
    """
    for _ in range(attempts):
        if await client.is_ready():
            break
        await asyncio.sleep(poll_seconds)
    else:
        logger.warning("Rasa warm-up skipped: Rasa not ready after %d checks", attempts)
        return None
    started = time.perf_counter()
    for text in WARM_UP_TEXTS:
        await client.parse(text)
    seconds = time.perf_counter() - started
    logger.info("Rasa warmed up in %.1f s", seconds)
    return seconds
