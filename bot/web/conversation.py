"""The resident's conversation id and "Wis dit gesprek": the web app hands out the id with a signed
wipe token, and deletes the conversation on the server when that browser asks.

- ``POST /api/conversation`` — a new conversation id and its wipe token (the widget keeps both in
  sessionStorage; ``/api/widget/config`` hands out a pair too, so the widget needs no extra call).
- ``POST /api/conversation/wipe`` ``{sender, token}`` — only with the token made for that id: closes the
  conversation through Rasa's token-protected HTTP API (``conversation_closed: wiped``; Rasa's lock
  keeps it in order with a message still being answered, and the tracker store deletes every row),
  then deletes whatever is left directly in the tracker store, and says so only when no row remains.

The browser never sees the Rasa token or the database; the token proves nothing but "this browser
was given this id", which is what wiping needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets

from aiohttp import web

from bot.privacy import WIPED
from bot.privacy.conversations import count_rows, delete_conversation, has_table, tracker_engine
from bot.web.chat import SENDER
from bot.web.keys import DB, RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)
_CONTEXT = "naast conversation wipe v1|"


def wipe_token(secret: str, sender: str) -> str:
    return hmac.new(secret.encode(), (_CONTEXT + sender).encode(), hashlib.sha256).hexdigest()


def new_conversation(secret: str) -> dict[str, str]:
    sender = secrets.token_hex(16)
    return {"sender": sender, "token": wipe_token(secret, sender)}


def token_is_valid(secret: str, sender: str, token: str) -> bool:
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, found by fuzzing).
    return bool(SENDER.match(sender)) and hmac.compare_digest(wipe_token(secret, sender).encode(),
                                                              token.encode("utf-8", "surrogatepass"))


async def create(request: web.Request) -> web.Response:
    return web.json_response(new_conversation(request.app[SETTINGS].secret_key),
                             headers={"Cache-Control": "no-store"})


def _delete_rows(settings, sender: str, naast_db=None) -> int:  # noqa: ANN001 - Settings, Engine
    if naast_db is not None:  # the de-identified messages of this conversation (bot/learning/)
        from bot.learning.store import forget_conversation

        forget_conversation(naast_db, settings.secret_key, sender)
    engine = tracker_engine(settings)
    if not has_table(engine):
        return 0
    with engine.begin() as connection:
        delete_conversation(connection, sender, keep_notes=False)
    return count_rows(engine, sender)


async def wipe(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "Dit verzoek kon ik niet lezen."}, status=400)
    sender, token = str(body.get("sender", "")), str(body.get("token", ""))
    if not token_is_valid(settings.secret_key, sender, token):
        return web.json_response({"error": "Dit gesprek kan alleen worden gewist in het venster waarin het "
                                           "werd gevoerd."}, status=403)
    try:
        await request.app[RASA].close_conversation(sender, WIPED)
    except RasaUnavailable:
        logger.warning("wipe: Rasa not reachable; deleting in the tracker store directly")
    left = await asyncio.to_thread(_delete_rows, settings, sender, request.app[DB])
    if left:
        logger.error("wipe: %d rows of a conversation are still in the tracker store", left)
        return web.json_response({"wiped": False, "error": "Het wissen is niet gelukt. Probeer het opnieuw."},
                                 status=502)
    # A fresh id for the next conversation in this window.
    return web.json_response({"wiped": True, "next": new_conversation(settings.secret_key)},
                             headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/conversation", create, name="conversation_create")
    app.router.add_post("/api/conversation/wipe", wipe, name="conversation_wipe")
