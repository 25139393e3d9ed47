"""The aiohttp app factory: settings in, app out; no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.config import Settings
from bot.web.keys import RASA, SETTINGS
from bot.web.rasa_client import RasaClient
from bot.web.routes import setup_routes
from bot.web.security import security_headers

TEMPLATES = Path(__file__).resolve().parent / "templates"


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    app.cleanup_ctx.append(_rasa_client)
    setup_routes(app)
    return app


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=30, connect=3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[RASA] = RasaClient(str(settings.rasa_url), settings.rasa_token, session)
        yield
