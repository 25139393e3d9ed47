"""One log-in for every staff page: the professionals' inbox (``/inbox``) and the editors' area
(``/redactie``). Sessions, CSRF, the role check, the staff pages' layout context, log-in and log-out.

The session lives in an encrypted, signed cookie (aiohttp-session's ``EncryptedCookieStorage``:
Fernet = AES-128-CBC + HMAC-SHA256), HttpOnly, SameSite, Secure on https. Its path is ``/``
because one cookie serves both staff areas (a cookie has one path); no other handler reads it. It
holds only the user id, the account's session epoch, times and the CSRF token; the account itself
is read from the database on every request, so disabling an account or logging out (which raises
the epoch) ends its sessions at once. Idle and absolute time-outs are checked here, server side.
Every state-changing request to a staff path needs the form's CSRF token (``staff_guard``), and
every staff response is no-store and never framed. Passwords, lock-out and the per-address log-in
limit are ``bot.accounts.users.authenticate``; log-out is written to the audit log.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.accounts import audit, users
from bot.accounts.users import Account
from bot.config import Settings
from bot.texts import live
from bot.web.keys import DB, SETTINGS

# A new name for the one cookie (it was "naast_inbox" on /inbox and "naast_editor" on /editor): an old
# cookie is simply ignored, never read beside the new one.
COOKIE_NAME = "naast_session"
COOKIE_PATH = "/"
INBOX = "/inbox"
EDITOR = "/redactie"
STAFF_PREFIXES = (INBOX, EDITOR)
EDITOR_ROLES = ("editor", "admin")  # the editors' area; publishing trained changes is for "admin" only
CSRF_FIELD = "csrf_token"
ACCOUNT_KEY = "naast_account"
SEEN_RESOLUTION_S = 15  # write the "last seen" time at most this often (fewer Set-Cookie headers)
ROLE_NAMES = {"professional": "medewerker", "editor": "redacteur", "admin": "beheerder"}
# Staff pages hold personal data or unpublished work: never cached, never framed.
INBOX_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RoleHandler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


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


def in_area(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def is_staff_path(path: str) -> bool:
    return any(in_area(path, prefix) for prefix in STAFF_PREFIXES)


def area_of(path: str) -> str:
    """The staff area a path belongs to (its log-in page, layout and landing page): INBOX or EDITOR."""
    return EDITOR if in_area(path, EDITOR) else INBOX


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


async def record(request: web.Request, account: Account, action: str, **values: Any) -> None:
    """One entry in the audit log for what ``account`` did on a staff page (from this client's address)."""
    await asyncio.to_thread(audit.record, request.app[DB], actor=account.name, via="web", action=action,
                            ip=client_ip(request), **values)


def say(request: web.Request, name: str, **values: Any) -> str:
    """A staff text from the text store (``bot/texts/web_nl.yml``, editable by editors), filled in."""
    return live.text(name, request.app[DB], **values)


# -- the guard: CSRF in, private headers out ----------------------------------------------------------

@web.middleware
async def staff_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CSRF check on every state-changing staff request, and no-store/no-frame headers on the way out."""
    path = request.path
    staff = is_staff_path(path)
    if staff and request.method not in ("GET", "HEAD", "OPTIONS"):
        session = await get_session(request)
        expected = session.get("csrf")
        form = await request.post()
        given = form.get(CSRF_FIELD)
        if not (isinstance(expected, str) and isinstance(given, str)
                and hmac.compare_digest(expected.encode(), given.encode())):
            response = await csrf_failed(request)
            _private(response)
            return response
    try:
        response = await handler(request)
    except web.HTTPException as raised:  # redirects (and aiohttp's own errors) are private too
        if staff:
            _private(raised)
        raise
    if staff or path.startswith("/api/notes") or path == "/api/openapi.json":
        _private(response)
    return response


def _private(response: web.StreamResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = INBOX_CSP
    response.headers.setdefault("X-Frame-Options", "DENY")


# -- pages ------------------------------------------------------------------------------------------

async def page_context(request: web.Request, account: Account | None, **values: Any) -> dict[str, Any]:
    """What the shared staff layout (templates/staff/base.html) needs, and ``values``."""
    session = await get_session(request)
    return {"account": account, "csrf_token": csrf_token(session), "role_names": ROLE_NAMES,
            "idle_minutes": request.app[SETTINGS].session_idle_minutes,
            "area": "editor" if area_of(request.path) == EDITOR else "inbox", **values}


async def render(request: web.Request, template: str, account: Account | None, status: int = 200,
                 **values: Any) -> web.Response:
    context = await page_context(request, account, **values)
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def error_page(request: web.Request, account: Account | None, status: int, title: str, text: str) -> web.Response:
    return await render(request, "staff/error.html", account, status=status, title=title, body=text)


def login_redirect(request: web.Request) -> web.Response:
    """To the log-in page of the area the request is in, and back here (a GET) afterwards."""
    area = area_of(request.path)
    target = request.path_qs if request.method == "GET" else area + "/"
    raise web.HTTPSeeOther(f"{area}/inloggen?volgende={quote(target, safe='')}")


async def forbidden(request: web.Request, account: Account, roles: tuple[str, ...] = ()) -> web.Response:
    if roles == ("admin",):
        key = "admins_only"
    elif area_of(request.path) == EDITOR:
        key = "editors_only"
    else:
        key = {"editor": "editor_in_inbox", "admin": "admin_in_inbox"}.get(account.role, "admins_only")
    return await error_page(request, account, 403, say(request, "staff.refused.title"),
                            say(request, f"staff.refused.{key}"))


async def csrf_failed(request: web.Request) -> web.Response:
    account = await current_account(request)
    return await error_page(request, account, 403, say(request, "staff.expired.title"),
                            say(request, "staff.expired.text"))


def requires(*roles: str) -> Callable[[RoleHandler], Handler]:
    """Logged in (else to the log-in page, back here afterwards) with one of ``roles`` (else a calm 403
    page). The CSRF token of a POST is checked before any handler runs (``staff_guard``)."""

    def decorate(handler: RoleHandler) -> Handler:
        @wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            account = await current_account(request)
            if account is None:
                return login_redirect(request)
            if account.role not in roles or account.disabled:
                return await forbidden(request, account, roles)
            return await handler(request, account)

        return wrapper

    return decorate


# -- log-in and log-out (the same handlers at /inbox/inloggen and /redactie/inloggen) ------------------

def safe_next(value: str, area: str) -> str:
    """Only a path inside a staff area (no open redirect to another site); else the area's start."""
    if (is_staff_path(value) and value.startswith("/") and not value.startswith("//")
            and "\\" not in value and "\n" not in value and "\r" not in value):
        return value
    return area + "/"


def landing(account: Account, target: str, area: str) -> str:
    """Where a log-in without a chosen page goes: an admin's inbox is the audit log, an editor's the texts."""
    if target != area + "/":
        return target
    if area == INBOX and account.role == "admin":
        return INBOX + "/logboek"
    if account.role == "editor":
        return EDITOR + "/"
    return target


async def login_page(request: web.Request) -> web.Response:
    area = area_of(request.path)
    account = await current_account(request)
    if account is not None:
        raise web.HTTPSeeOther(landing(account, area + "/", area))
    session = await get_session(request)
    notice = None
    if session.pop("timed_out", False):
        notice = say(request, "staff.login.timed_out")
    elif request.query.get("uitgelogd"):
        notice = say(request, "staff.login.logged_out")
    return await render(request, "staff/login.html", None, notice=notice,
                        next=safe_next(request.query.get("volgende", ""), area), name="")


async def login_submit(request: web.Request) -> web.Response:
    area = area_of(request.path)
    settings = request.app[SETTINGS]
    form = await request.post()
    name = str(form.get("naam", "")).strip()[:64]
    password = str(form.get("wachtwoord", ""))[:1024]
    target = safe_next(str(form.get("volgende", "")), area)
    if not name or not password:
        return await render(request, "staff/login.html", None, status=400, next=target, name=name,
                            error=say(request, "staff.login.empty"))
    result = await asyncio.to_thread(users.authenticate, request.app[DB], settings, name, password,
                                     client_ip(request))
    if result.outcome == "ok" and result.account is not None:
        await start_session(request, result.account)
        raise web.HTTPSeeOther(landing(result.account, target, area))
    status = 401 if result.outcome == "invalid" else 429
    error = say(request, f"inbox.login.{result.outcome}", minutes=settings.login_lockout_minutes)
    return await render(request, "staff/login.html", None, status=status, next=target, name=name, error=error)


async def logout(request: web.Request) -> web.Response:
    account = await current_account(request)
    if account is not None:
        engine = request.app[DB]
        await asyncio.to_thread(users.end_sessions, engine, account.id)
        await record(request, account, "logout")
    await end_session(request)
    raise web.HTTPSeeOther(f"{area_of(request.path)}/inloggen?uitgelogd=1")


def setup_login(router: web.UrlDispatcher, area: str, name: str) -> None:
    """The log-in and log-out routes of one staff area (the same session for both areas)."""
    router.add_get(area + "/inloggen", login_page, name=f"{name}_login")
    router.add_post(area + "/inloggen", login_submit)
    router.add_post(area + "/uitloggen", logout, name=f"{name}_logout")
