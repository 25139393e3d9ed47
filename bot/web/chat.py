"""The resident's chat: the page, and a thin proxy to Rasa's REST channel with input checks."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from bot.resources import load_resources
from bot.web.keys import RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable

SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _municipality() -> dict:
    return load_resources()["municipality"]


def _problem(status: int, text: str) -> web.Response:
    # Dutch, calm, with a way to reach a person: this text is shown to the resident as it is.
    return web.json_response({"error": text, "phone": _municipality()["phone"]}, status=status)


@aiohttp_jinja2.template("chat.html")
async def chat_page(request: web.Request) -> dict:
    settings = request.app[SETTINGS]
    return {"municipality": _municipality(), "max_chars": settings.max_message_chars}


async def chat_message(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    too_long = f"Uw bericht is te lang. Het mag {settings.max_message_chars} tekens zijn. Stuur het in delen."
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:  # over the app's body limit: the same calm answer as a long message
        return _problem(413, too_long)
    except ValueError:
        return _problem(400, "Dit bericht kon ik niet lezen. Probeer het opnieuw.")
    if not isinstance(body, dict):
        return _problem(400, "Dit bericht kon ik niet lezen. Probeer het opnieuw.")
    sender = str(body.get("sender", ""))
    message = str(body.get("message", "")).strip()
    if not SENDER.match(sender):
        return _problem(400, "Het gesprek is niet goed gestart. Laad de pagina opnieuw.")
    if not message:
        return _problem(400, "Uw bericht is leeg. Typ eerst iets.")
    if len(message) > settings.max_message_chars:
        return _problem(413, too_long)
    try:
        replies = await request.app[RASA].send(sender, message)
    except RasaUnavailable:
        phone = _municipality()["phone"]
        return _problem(
            503, f"Het lukt nu even niet. Uw bericht is niet kwijt. Probeer het zo opnieuw, of bel {phone}."
        )
    if not replies:
        # Every resident message gets an answer; none means a part behind Rasa failed.
        phone = _municipality()["phone"]
        return _problem(502, f"Er ging iets mis bij ons. Probeer het zo opnieuw, of bel {phone}.")
    return web.json_response({"messages": replies})


async def health(request: web.Request) -> web.Response:
    ready = await request.app[RASA].is_ready()
    return web.json_response({"web": "ok", "rasa": "ok" if ready else "unavailable"}, status=200 if ready else 503)
