"""Every route of the web app, in one place."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from bot.web import api, chat, conversation, editor, inbox, summary, widget

STATIC = Path(__file__).resolve().parent / "static"


def texts_in_templates(app: web.Application) -> None:
    """``{{ text("web.page.heading", municipality=...) }}`` in templates: the live text of the app's database."""
    from bot.texts import live
    from bot.web.keys import DB

    aiohttp_jinja2.get_env(app).globals["text"] = lambda name, **values: live.text(name, app[DB], **values)


def setup_routes(app: web.Application) -> None:
    texts_in_templates(app)
    app.router.add_get("/", chat.chat_page, name="chat")
    app.router.add_post("/api/chat", chat.chat_message, name="chat_message")
    app.router.add_get("/healthz", chat.health, name="health")
    app.router.add_get("/samenvatting/{token}", summary.summary_page, name="summary")
    app.router.add_static("/static/", STATIC, name="static")
    widget.setup(app)
    conversation.setup(app)  # /api/conversation: ids with a wipe token, and wiping
    inbox.setup(app)  # /inbox: the professionals' inbox (keys.DB, the session middleware; log-in shared with /redactie)
    api.setup(app)  # /api/notes and /api/openapi.json for case systems, /api/texts for editors
    editor.setup(app)  # /redactie: texts, crisis lines, word lists, understanding, publishing (old addresses redirect)
    widget.setup_cors(app)  # last: CORS for the widget's paths, whoever added them
