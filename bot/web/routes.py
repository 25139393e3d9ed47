"""Every route of the web app, in one place."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web import api, chat, conversation, editor, inbox, summary, widget

STATIC = Path(__file__).resolve().parent / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", chat.chat_page, name="chat")
    app.router.add_post("/api/chat", chat.chat_message, name="chat_message")
    app.router.add_get("/healthz", chat.health, name="health")
    app.router.add_get("/samenvatting/{token}", summary.summary_page, name="summary")
    app.router.add_static("/static/", STATIC, name="static")
    widget.setup(app)
    conversation.setup(app)  # /api/conversation: ids with a wipe token, and wiping
    inbox.setup(app)  # /inbox: the professionals' inbox (needs keys.DB and the session middleware)
    api.setup(app)  # /api/notes and /api/openapi.json for case systems, /api/texts for editors
    editor.setup(app)  # /inbox/redactie: the editors' sub-app (texts, crisis lines, word lists)
