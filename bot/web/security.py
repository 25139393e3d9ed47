"""Headers every page gets: a strict Content-Security-Policy and no third-party anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.keys import SETTINGS
from bot.web.widget import rasa_connect_sources

# connect-src also gets Rasa's public origin (http(s) and ws(s)): the chat's socket.io connection.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src {connect}; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


def content_security_policy(app: web.Application) -> str:
    settings = app.get(SETTINGS)
    sources = ["'self'", *(rasa_connect_sources(settings) if settings else [])]
    return CSP.format(connect=" ".join(dict.fromkeys(sources)))


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as raised:  # redirects and errors raised by handlers (or aiohttp's router)
        _add_headers(request, raised)
        raise
    _add_headers(request, response)
    return response


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request.app))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
