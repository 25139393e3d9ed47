"""What every editor page shares: the editor-only guard, rendering, and the example values a preview
fills in for {placeholders}."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.accounts.users import Account
from bot.web.inbox import views as inbox_views
from bot.web.inbox.auth import current_account
from bot.web.keys import DB

EDITOR_ROLES = ("editor",)
Handler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


def db(request: web.Request) -> Any:
    return request.app[DB]


async def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(func, *args, **kwargs)


def editor_only(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Logged in (else to the log-in page, back here afterwards) and an editor (else a calm 403 page)."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        account = await current_account(request)
        if account is None:
            return inbox_views._login_redirect(request)
        if account.role not in EDITOR_ROLES:
            return await render(request, "inbox/error.html", account, status=403, title="Geen toegang",
                                text="Deze pagina's zijn voor redacteuren: de mensen die de teksten van Naast "
                                     "schrijven. Vraag de beheerder om een account als redacteur.")
        return await handler(request, account)

    return wrapper


async def render(request: web.Request, template: str, account: Account | None, status: int = 200,
                 **values: Any) -> web.Response:
    context = await inbox_views._context(request, account, **values)
    return aiohttp_jinja2.render_template(template, request, context, status=status)
