"""The resident's own summary when they chose not to send it: shown, never stored by Naast.

The page is rebuilt from Rasa's tracker on every request, only through a signed link that dies with
the chat session (bot/links.py).
"""

from __future__ import annotations

from aiohttp import web

from bot.links import current_session_start, link_is_valid
from bot.summariser import IntakeAnswers, summarise
from bot.web.keys import RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable

GONE = "Deze link werkt niet meer. Hij werkt alleen tijdens uw gesprek."


async def summary_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    sender = request.match_info["sender"]
    query = request.query
    if not link_is_valid(settings.secret_key, sender, query.get("s", ""), query.get("e", ""), query.get("sig", "")):
        raise web.HTTPGone(text=GONE)
    try:
        tracker = await request.app[RASA].tracker(sender)
    except RasaUnavailable as error:
        raise web.HTTPServiceUnavailable(text="Het lukt nu even niet. Probeer het later opnieuw.") from error
    start = current_session_start(tracker.get("events") or [])
    if start is None or f"{start:.6f}" != query.get("s"):
        raise web.HTTPGone(text=GONE)
    note = summarise(IntakeAnswers.from_slots(tracker.get("slots") or {}))
    response = web.Response(text=note.render_html(), content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
