"""The aiohttp app factory: settings in, app out; no module-level state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.db import init_db, make_engine
from bot.web.auth import session_storage, staff_guard
from bot.web.keys import DB, LEDGER, RASA, SETTINGS
from bot.web.message_ledger import MessageLedger
from bot.web.rasa_client import RasaClient, RasaUnavailable, warm_up
from bot.web.routes import setup_routes
from bot.web.security import security_headers, trusted_proxy

TEMPLATES = Path(__file__).resolve().parent / "templates"
logger = logging.getLogger(__name__)


def create_app(settings: Settings, engine: Engine | None = None, *, background: bool = True) -> web.Application:
    """The web app. ``engine``: an already migrated database (tests); default: ``settings.database_url``,
    brought to the newest schema at start-up. ``background``: run the retention purge job and warm Rasa up."""
    proxy = trusted_proxy(settings.trusted_proxies)  # first: every later part sees the client's address
    app = web.Application(middlewares=[*([proxy] if proxy else []), security_headers], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[DB] = engine if engine is not None else make_engine(settings.database_url)
    # Staff sessions (inbox and editors): encrypted cookie (no server-side state), then CSRF on every staff form.
    setup_sessions(app, session_storage(settings))
    app.middlewares.append(staff_guard)
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    app.cleanup_ctx.append(_rasa_client)
    if engine is None:
        app.cleanup_ctx.append(_database)
    if background:
        app.cleanup_ctx.append(_background(_purge_forever))
        app.cleanup_ctx.append(_background(_warm_up_quietly))
    setup_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].database_url
    for attempt in range(3):  # the action server may be migrating the same fresh database right now
        try:
            await asyncio.to_thread(lambda: init_db(url).dispose())
            break
        except Exception:  # noqa: BLE001 - retried, then raised
            if attempt == 2:
                raise
            await asyncio.sleep(1 + attempt)
    from bot.accounts.users import count_users

    if await asyncio.to_thread(count_users, app[DB]) == 0:
        logger.warning("The inbox has no accounts yet. Make the first one with: "
                       "naast user add NAME --role admin --password-stdin (and professionals with --team)")
    yield
    app[DB].dispose()


def _background(job: Callable[[web.Application], Awaitable[None]]) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context that runs ``job`` as a task while the app serves, and cancels it at shutdown."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(job(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


async def _warm_up_quietly(app: web.Application) -> None:
    """Warm the Rasa server up; the web app serves meanwhile."""
    try:
        await warm_up(app[RASA])
    except RasaUnavailable as error:  # Rasa went away between /status and /model/parse
        logger.warning("Rasa warm-up failed: %s", error)


async def _purge_forever(app: web.Application) -> None:
    """The retention purge every NAAST_PURGE_INTERVAL_MINUTES, by one replica per round (also `naast purge`)."""
    from bot.inbox.retention import maintain

    settings = app[SETTINGS]
    await asyncio.sleep(10)  # let start-up (and migrations elsewhere) finish
    while True:
        try:
            result = await asyncio.to_thread(maintain, app[DB], settings)
            if result is not None and result.notes:
                logger.info("retention: %d notes deleted", result.notes)
        except Exception:  # noqa: BLE001 - the job must survive a database hiccup
            logger.exception("retention purge failed; trying again at the next interval")
        await asyncio.sleep(settings.purge_interval_minutes * 60)


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # sock_connect, not connect: aiohttp counts the wait for a free pooled connection against `connect`,
    # so under load (more than the pool's limit waiting) residents got a 503 within 3 s (bench/load.py).
    timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_s, sock_connect=3)
    connector = aiohttp.TCPConnector(limit=1000)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        app[RASA] = RasaClient(str(settings.rasa_url), settings.rasa_token, session)
        app[LEDGER] = MessageLedger()
        yield
