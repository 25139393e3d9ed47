"""The editor: municipality staff change what Naast says and understands (issue 12).

Two areas for now: what Naast *says* under ``/inbox/redactie/`` (texts, crisis lines, word lists; route
modules ``TEXT_MODULES`` with ``setup(router, prefix)``, inside the inbox's path so they share its log-in,
CSRF check and no-store headers), and what Naast *understands* under ``/editor`` (examples, topics, flows,
publishing; described below).

``setup(app)`` adds the editor's pages to the app; each module of ``route_modules()`` adds its routes
(and background jobs) through its own ``setup(editor)``, where ``editor`` is an ``Editor``: the app
with a router that puts ``/editor`` in front of every path. Not an aiohttp sub-app: with the pinned
aiohttp 3.9.5 and yarl 1.25.1, resolving a sub-app's prefix reads ``request.url``, which raises
for every Host header with a port ("Host '127.0.0.1:8000' cannot contain ':'"): each request fails.

Every page needs a log-in with the role ``editor`` or ``admin`` (``auth.requires``); publishing trained
changes needs ``admin``. Pages are Dutch, plain HTML forms that work without JavaScript, never cached
or framed.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import aiohttp_jinja2
from aiohttp import web

from bot.accounts import audit, users
from bot.web.editor import auth, resources, texts, words
from bot.web.inbox.auth import INBOX_CSP, client_ip
from bot.web.keys import DB, SETTINGS

TEXTS_PREFIX = "/inbox/redactie"
TEXT_MODULES = (texts, resources, words)
ROLE_NAMES = {"professional": "medewerker", "editor": "redacteur", "admin": "beheerder"}


async def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    account = await auth.current_account(request)
    session = await auth.session_of(request)
    context = {"account": account, "csrf_token": auth.csrf_token(session), "role_names": ROLE_NAMES,
               "idle_minutes": request.config_dict[SETTINGS].session_idle_minutes, **values}
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    return response


@web.middleware
async def private(request: web.Request, handler: Any) -> web.StreamResponse:
    """No caching, no framing; the editor's session cookie written on the way out (also on redirects)."""
    if not (request.path == auth.PREFIX or request.path.startswith(auth.PREFIX + "/")):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as raised:
        _headers(raised)
        await auth.save(request, raised)
        raise
    _headers(response)
    return await auth.save(request, response)


def _headers(response: web.StreamResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = INBOX_CSP
    response.headers.setdefault("X-Frame-Options", "DENY")


def _safe_next(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith(auth.PREFIX + "/"):
        return auth.PREFIX + "/"
    return value


async def login_page(request: web.Request) -> web.Response:
    return await render(request, "editor/login.html", next=_safe_next(request.query.get("volgende", "")),
                        logged_out="uitgelogd" in request.query)


async def login_submit(request: web.Request) -> web.Response:
    from bot.web.inbox.views import LOGIN_TEXTS

    settings, engine = request.config_dict[SETTINGS], request.config_dict[DB]
    form = await request.post()
    name, password = str(form.get("naam", "")).strip()[:64], str(form.get("wachtwoord", ""))[:1024]
    target = _safe_next(str(form.get("volgende", "")))
    if not name or not password:
        return await render(request, "editor/login.html", status=400, next=target, name=name,
                            error="Vul uw naam en uw wachtwoord in.")
    result = await asyncio.to_thread(users.authenticate, engine, settings, name, password, client_ip(request))
    if result.outcome == "ok" and result.account is not None:
        if result.account.role not in auth.ROLES:
            return await render(request, "editor/login.html", status=403, next=target, name=name,
                                error="Dit account mag de teksten en het begrip van Naast niet aanpassen. "
                                      "Vraag de beheerder om de rol redacteur.")
        await auth.start(request, result.account)
        raise web.HTTPSeeOther(target)
    error = LOGIN_TEXTS[result.outcome].format(minutes=settings.login_lockout_minutes)
    return await render(request, "editor/login.html", status=401 if result.outcome == "invalid" else 429,
                        next=target, name=name, error=error)


@auth.requires(*auth.ROLES)
async def logout(request: web.Request, account: users.Account) -> web.Response:
    engine = request.config_dict[DB]
    await asyncio.to_thread(users.end_sessions, engine, account.id)
    await asyncio.to_thread(audit.record, engine, actor=account.name, via="web", action="logout",
                            ip=client_ip(request))
    await auth.end(request)
    raise web.HTTPSeeOther(auth.PREFIX + "/inloggen?uitgelogd=1")


@auth.requires(*auth.ROLES)
async def home(request: web.Request, account: users.Account) -> web.Response:
    raise web.HTTPSeeOther(auth.PREFIX + "/begrip")


def route_modules() -> list[Any]:
    from bot.web.editor import understanding

    return [understanding]


class _PrefixedRouter:
    """``add_get("/begrip", ...)`` on this adds ``/editor/begrip`` to the app's router."""

    def __init__(self, router: web.UrlDispatcher) -> None:
        self._router = router

    def add_get(self, path: str, handler: Any, **kwargs: Any) -> Any:
        return self._router.add_get(auth.PREFIX + path, handler, **kwargs)

    def add_post(self, path: str, handler: Any, **kwargs: Any) -> Any:
        return self._router.add_post(auth.PREFIX + path, handler, **kwargs)


class Editor:
    """What a route module gets: the app (keys, cleanup contexts) and a router under ``/editor``."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.router = _PrefixedRouter(app.router)
        self.cleanup_ctx = app.cleanup_ctx


async def _to_texts(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(TEXTS_PREFIX + "/")


def setup(app: web.Application) -> Editor:
    app.router.add_get(TEXTS_PREFIX, _to_texts)
    for module in TEXT_MODULES:
        module.setup(app.router, TEXTS_PREFIX)
    app[auth.STORAGE] = auth.storage_for(app[SETTINGS])
    app.middlewares.append(private)
    editor = Editor(app)
    app.router.add_get(auth.PREFIX, home)
    editor.router.add_get("/", home, name="editor_home")
    editor.router.add_get("/inloggen", login_page, name="editor_login")
    editor.router.add_post("/inloggen", login_submit)
    editor.router.add_post("/uitloggen", logout, name="editor_logout")
    for module in route_modules():
        module.setup(editor)
    return editor
