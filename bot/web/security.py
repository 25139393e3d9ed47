"""What every response gets, errors and redirects included: a strict Content-Security-Policy and no
third-party anything; and the client's address taken from the trusted proxy only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_remotes import XForwardedFiltered
from aiohttp_remotes.exceptions import UntrustedIP
from aiohttp_remotes.utils import check_ip, parse_trusted_element

from bot.web.keys import SETTINGS
from bot.web.widget import rasa_connect_sources

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
    except Exception:  # noqa: BLE001 - a bug: aiohttp's own 500 page would go out without the headers
        logger.exception("unhandled error on %s %s", request.method, request.path)
        response = web.Response(status=500, text="Er ging iets mis bij ons. Probeer het later opnieuw.",
                                content_type="text/plain")
    _add_headers(request, response)
    return response


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request.app))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


def trusted_proxy(trusted: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]] | None:
    """Middleware: behind the proxies in ``trusted`` (NAAST_TRUSTED_PROXIES, addresses or networks), the
    client's address (``request.remote``; the log-in limit and the audit log use it) is the right-most
    untrusted address of X-Forwarded-For (aiohttp-remotes' XForwardedFiltered), so one attacker behind
    nginx does not lock everyone out and a forged header cannot pick someone else's address. Only a
    request that came from a trusted proxy is read that way; anyone else keeps their own address.
    None when no proxy is configured (the embedded default: nothing in front)."""
    hosts = trusted.split()
    if not hosts:
        return None
    rules = parse_trusted_element(hosts)
    forwarded = XForwardedFiltered(set(hosts))

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            check_ip(rules, ip_address_of(request))
        except (UntrustedIP, ValueError):
            return await handler(request)
        return await forwarded.middleware(request, handler)

    return middleware


def ip_address_of(request: web.Request):  # noqa: ANN201 - ipaddress.IPv4Address | IPv6Address
    from ipaddress import ip_address

    return ip_address(request.remote or "")
