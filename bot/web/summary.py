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
from bot.resources import load_resources
from bot.web.keys import SETTINGS

GONE = "Deze link werkt niet meer. Hij werkt één uur na uw gesprek."
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
# Headings for the resident, in the order the bot asks (slot names: bot/slots.py).
HEADINGS = {
    "situation": "Wat er speelt",
    "what_matters": "Wat u belangrijk vindt",
    "what_matters_effect": "Wat u dan weer kunt doen",
    "what_was_tried": "Wat u al heeft geprobeerd",
    "what_would_help": "Wat u zou helpen",
    "network": "Wie er om u heen zijn",
    "network_load": "Hoe zwaar het is voor hen",
    "urgency_detail": "Wat deze week mis kan gaan",
    "additions": "Wat u later nog vertelde",
}


async def summary_page(request: web.Request) -> web.Response:
    opened = open_seal(request.app[SETTINGS].secret_key, request.match_info["token"])
    if opened is None:
        raise web.HTTPGone(text=GONE)
    answers, until = opened
    sections: dict[str, list[str]] = {}
    for name, text in answers.free_texts():
        sections.setdefault(HEADINGS.get(name, HEADINGS["additions"]), []).append(text)
    context = {
        "municipality": load_resources()["municipality"],
        "sections": list(sections.items()),
        "until": dt.datetime.fromtimestamp(until, LOCAL_TZ).strftime("%H:%M"),
    }
    response = aiohttp_jinja2.render_template("summary.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
