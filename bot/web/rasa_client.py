"""The web app's only way to Rasa: its REST channel and its token-protected HTTP API."""

from __future__ import annotations

from typing import Any

import aiohttp


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the resident must get a way to reach a person."""


class RasaClient:
    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._session = session

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        payload = {"sender": sender, "message": message, "metadata": metadata or {}}
        return await self._request("POST", "/webhooks/rest/webhook", json=payload)

    async def tracker(self, sender: str) -> dict[str, Any]:
        return await self._request("GET", f"/conversations/{sender}/tracker", params={"token": self._token})

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
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"Rasa is not reachable at {self._base}: {error}") from error
