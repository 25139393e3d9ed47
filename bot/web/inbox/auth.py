"""Sessions, log-in state and CSRF for the inbox.

The session lives in an encrypted, signed cookie (aiohttp-session's ``EncryptedCookieStorage``:
Fernet = AES-128-CBC + HMAC-SHA256), HttpOnly, SameSite, path ``/inbox``, Secure on https. It holds
only the user id, the account's session epoch, times and the CSRF token; the account itself is read
from the database on every request, so disabling an account or logging out (which raises the epoch)
ends its sessions at once. Idle and absolute time-outs are checked here, server side.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.accounts import users
from bot.accounts.users import Account
from bot.config import Settings
from bot.web.keys import DB, SETTINGS

COOKIE_NAME = "naast_inbox"
COOKIE_PATH = "/inbox"
CSRF_FIELD = "csrf_token"
ACCOUNT_KEY = "naast_account"
SEEN_RESOLUTION_S = 15  # write the "last seen" time at most this often (fewer Set-Cookie headers)
# Inbox pages hold personal data: never cached, never framed.
INBOX_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def cookie_key(secret_key: str) -> bytes:
    """A 32-byte Fernet key for the session cookie, derived from NAAST_SECRET_KEY (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"naast", info=b"inbox session cookie v1").derive(
        secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def cookie_secure(settings: Settings) -> bool:
    if settings.session_cookie_secure is not None:
        return settings.session_cookie_secure
    return str(settings.public_url).startswith("https://")


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    if not settings.secret_key:
        raise RuntimeError("NAAST_SECRET_KEY is empty: use Settings.load(), which fills it")
    from cryptography.fernet import Fernet

    return EncryptedCookieStorage(Fernet(cookie_key(settings.secret_key)), cookie_name=COOKIE_NAME,
                                  path=COOKIE_PATH, httponly=True, secure=cookie_secure(settings),
                                  samesite=settings.session_cookie_samesite, max_age=None)


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def start_session(request: web.Request, account: Account) -> None:
    """A fresh session for a user who just logged in (new CSRF token too)."""
    session = await get_session(request)
    session.clear()
    now = int(time.time())
    session.update({"uid": account.id, "ep": account.session_epoch, "iat": now, "seen": now,
                    "csrf": secrets.token_urlsafe(32)})


async def end_session(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()


async def current_account(request: web.Request) -> Account | None:
    """The logged-in account, or None (not logged in, timed out, disabled, logged out elsewhere)."""
    if ACCOUNT_KEY in request:
        return request[ACCOUNT_KEY]
    settings = request.app[SETTINGS]
    session = await get_session(request)
    account = None
    uid, epoch = session.get("uid"), session.get("ep")
    if isinstance(uid, int) and isinstance(epoch, int):
        now = int(time.time())
        seen, issued = int(session.get("seen", 0)), int(session.get("iat", 0))
        if now - seen > settings.session_idle_minutes * 60 or now - issued > settings.session_max_hours * 3600:
            session.clear()
            session["timed_out"] = True
        else:
            account = await asyncio.to_thread(users.get_account, request.app[DB], uid, epoch)
            if account is None:
                session.clear()
            elif now - seen >= SEEN_RESOLUTION_S:
                session["seen"] = now
    request[ACCOUNT_KEY] = account
    return account


def client_ip(request: web.Request) -> str:
    return request.remote or "-"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def inbox_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CSRF check on every state-changing inbox request, and no-store/no-frame headers on the way out."""
    path = request.path
    inbox = path == COOKIE_PATH or path.startswith(COOKIE_PATH + "/")
    if inbox and request.method not in ("GET", "HEAD", "OPTIONS"):
        session = await get_session(request)
        expected = session.get("csrf")
        form = await request.post()
        given = form.get(CSRF_FIELD)
        if not (isinstance(expected, str) and isinstance(given, str)
                and hmac.compare_digest(expected.encode(), given.encode())):
            from bot.web.inbox.views import csrf_failed

            response = await csrf_failed(request)
            _private(response)
            return response
    response = await handler(request)
    if inbox or path.startswith("/api/notes") or path == "/api/openapi.json":
        _private(response)
    return response


def _private(response: web.StreamResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = INBOX_CSP
    response.headers.setdefault("X-Frame-Options", "DENY")
