"""Log-in, sessions and CSRF for the editor (``/editor``), for the roles ``editor`` and ``admin``.

The same accounts, password check, lock-out and session rules as the inbox (``bot.accounts.users``,
``bot.web.inbox.auth``): an encrypted, signed cookie holding only the user id, the account's session
epoch, times and a CSRF token; the account is read from the database on every request. The cookie is
the editor's own (``naast_editor``, path ``/editor``), read and written here directly rather than by
the app's session middleware, which serves the inbox's cookie.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiohttp import web
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bot.accounts import users
from bot.accounts.users import Account
from bot.web.inbox.auth import cookie_key, cookie_secure
from bot.web.keys import DB, SETTINGS

COOKIE_NAME = "naast_editor"
PREFIX = "/editor"
ROLES = ("editor", "admin")
STORAGE = web.AppKey("editor_session_storage", EncryptedCookieStorage)
SESSION = "naast_editor_session"
ACCOUNT = "naast_editor_account"

Handler = Callable[..., Awaitable[web.StreamResponse]]


def storage_for(settings: Any) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(Fernet(cookie_key(settings.secret_key)), cookie_name=COOKIE_NAME, path=PREFIX,
                                  httponly=True, secure=cookie_secure(settings),
                                  samesite=settings.session_cookie_samesite, max_age=None)


async def session_of(request: web.Request) -> Session:
    if SESSION not in request:
        request[SESSION] = await request.config_dict[STORAGE].load_session(request)
    return request[SESSION]


async def save(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    session = request.get(SESSION)
    if session is not None and session._changed:  # noqa: SLF001 - aiohttp-session's own flag
        await request.config_dict[STORAGE].save_session(request, response, session)
    return response


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def start(request: web.Request, account: Account) -> None:
    session = await session_of(request)
    session.clear()
    now = int(time.time())
    session.update({"uid": account.id, "ep": account.session_epoch, "iat": now, "seen": now,
                    "csrf": secrets.token_urlsafe(32)})


async def end(request: web.Request) -> None:
    (await session_of(request)).invalidate()


async def current_account(request: web.Request) -> Account | None:
    if ACCOUNT in request:
        return request[ACCOUNT]
    settings = request.config_dict[SETTINGS]
    session = await session_of(request)
    account = None
    uid, epoch = session.get("uid"), session.get("ep")
    if isinstance(uid, int) and isinstance(epoch, int):
        now = int(time.time())
        seen, issued = int(session.get("seen", 0)), int(session.get("iat", 0))
        if now - seen > settings.session_idle_minutes * 60 or now - issued > settings.session_max_hours * 3600:
            session.clear()
        else:
            account = await asyncio.to_thread(users.get_account, request.config_dict[DB], uid, epoch)
            if account is None or account.disabled:
                account = None
                session.clear()
            elif now - seen >= 15:
                session["seen"] = now
    request[ACCOUNT] = account
    return account


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """The handler runs only for a logged-in account with one of ``roles``; POSTs need the CSRF token."""

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            from bot.web.editor import render

            account = await current_account(request)
            if account is None:
                target = request.path_qs if request.method == "GET" else PREFIX + "/"
                from urllib.parse import quote

                raise web.HTTPSeeOther(f"{PREFIX}/inloggen?volgende={quote(target, safe='')}")
            if account.role not in roles:
                return await render(request, "editor/error.html", status=403, title="Geen toegang",
                                    text="Deze pagina is voor " + (
                                        "beheerders." if roles == ("admin",) else "redacteuren en beheerders."))
            if request.method == "POST":
                session = await session_of(request)
                given = (await request.post()).get("csrf_token")
                expected = session.get("csrf")
                if not (isinstance(given, str) and isinstance(expected, str)
                        and hmac.compare_digest(given.encode(), expected.encode())):
                    return await render(request, "editor/error.html", status=403, title="Formulier verlopen",
                                        text="Het formulier is verlopen of kwam niet van deze pagina. Laad de "
                                             "pagina opnieuw en probeer het nog eens.")
            return await handler(request, account)

        return guarded

    return wrap
