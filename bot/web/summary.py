"""The resident's own summary when they chose not to send it: shown, never stored by Naast.

The page is rebuilt on every request from the sealed link itself (bot/links.py): the conversation is
already deleted from Rasa's tracker store, and the link stops working after an hour. It is written for
the resident (their own words under plain headings; nothing of the professional's open questions) and
styled from /static, so the app's Content-Security-Policy (no inline styles) holds.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.links import open_seal
from bot.texts import live
from bot.texts.resources import current_resources
from bot.web.keys import DB, SETTINGS

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
# Headings for the resident (text store: web.summary.heading.<slot name>, slot names: bot/slots.py).
HEADING = "web.summary.heading."


async def summary_page(request: web.Request) -> web.Response:
    opened = open_seal(request.app[SETTINGS].secret_key, request.match_info["token"])
    if opened is None:
        raise web.HTTPGone(text=live.text("web.summary.gone", request.app[DB]))
    answers, until = opened
    headings = live.strings(HEADING, request.app[DB])
    sections: dict[str, list[str]] = {}
    for name, text in answers.free_texts():
        sections.setdefault(headings.get(name, headings["additions"]), []).append(text)
    context = {
        "municipality": current_resources(request.app[DB])["municipality"],
        "sections": list(sections.items()),
        "until": dt.datetime.fromtimestamp(until, LOCAL_TZ).strftime("%H:%M"),
    }
    response = aiohttp_jinja2.render_template("summary.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
