"""The resident's chat: the page, and a thin proxy to Rasa's REST channel with input checks."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from bot.texts import live
from bot.texts.resources import current_resources
from bot.web.keys import DB, LEDGER, RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable

SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _municipality(request: web.Request) -> dict:
    return current_resources(request.app[DB])["municipality"]


def _problem(request: web.Request, status: int, name: str, **values: object) -> web.Response:
    # Dutch, calm, with a way to reach a person (text store: web.chat.<name>), shown to the resident as it is.
    phone = _municipality(request)["phone"]
    text = live.text("web.chat." + name, request.app[DB], phone=phone, **values)
    return web.json_response({"error": text, "phone": phone}, status=status)


@aiohttp_jinja2.template("chat.html")
async def chat_page(request: web.Request) -> dict:
    settings = request.app[SETTINGS]
    return {"municipality": _municipality(request), "max_chars": settings.max_message_chars}


async def chat_message(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:  # over the app's body limit: the same calm answer as a long message
        return _problem(request, 413, "too_long", max=settings.max_message_chars)
    except ValueError:
        return _problem(request, 400, "unreadable")
    if not isinstance(body, dict):
        return _problem(request, 400, "unreadable")
    sender = str(body.get("sender", ""))
    message = str(body.get("message", "")).strip()
    if not SENDER.match(sender):
        return _problem(request, 400, "not_started")
    if not message:
        return _problem(request, 400, "empty")
    if len(message) > settings.max_message_chars:
        return _problem(request, 413, "too_long", max=settings.max_message_chars)
    message_id = body.get("message_id")
    if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.match(message_id)):
        return _problem(request, 400, "unreadable")
    try:
        replies = await _send(request, sender, message, message_id)
    except RasaUnavailable:
        return _problem(request, 503, "unavailable")
    if not replies:
        # Every resident message gets an answer; none means a part behind Rasa failed.
        return _problem(request, 502, "failed")
    return web.json_response({"messages": replies})


async def _send(request: web.Request, sender: str, message: str, message_id: str | None) -> list[dict]:
    """To Rasa once per message id (bot/web/message_ledger.py); without an id, straight on."""
    rasa, settings = request.app[RASA], request.app[SETTINGS]
    if message_id is None:
        return await rasa.send(sender, message)
    # The request to Rasa outlives the resident's wait, with twice the time, so an answer that comes
    # late is there for the widget's next attempt instead of Rasa handling the message again.
    return await request.app[LEDGER].send(
        sender, message_id, lambda: rasa.send(sender, message, timeout_s=2 * settings.rasa_timeout_s),
        wait_seconds=settings.rasa_timeout_s)


async def health(request: web.Request) -> web.Response:
    ready = await request.app[RASA].is_ready()
    return web.json_response({"web": "ok", "rasa": "ok" if ready else "unavailable"}, status=200 if ready else 503)
