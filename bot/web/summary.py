"""The resident's own summary when they chose not to send it: shown, never stored by Naast.

The page is rebuilt on every request from the sealed link itself (bot/links.py): the conversation is
already deleted from Rasa's tracker store, and the link stops working after an hour.
"""

from __future__ import annotations

from aiohttp import web

from bot.links import unseal
from bot.summariser import summarise
from bot.web.keys import SETTINGS

GONE = "Deze link werkt niet meer. Hij werkt één uur na uw gesprek."


async def summary_page(request: web.Request) -> web.Response:
    answers = unseal(request.app[SETTINGS].secret_key, request.match_info["token"])
    if answers is None:
        raise web.HTTPGone(text=GONE)
    response = web.Response(text=summarise(answers).render_html(), content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
