"""The editors' area under ``/redactie``: municipality staff change what Naast says and understands
(issue 12).

What Naast *says*: texts (``texts``), crisis lines and the municipality's details (``resources``),
the check's word lists (``words``). What Naast *understands*: examples, topics, conversation paths,
the messages Naast did not understand, publishing and versions (``understanding``). Each module adds
its routes (and background jobs) through ``setup(app, prefix)``.

The log-in is the inbox's (``bot.web.auth``): one session, one CSRF check, the same lock-out and
log-in limits. Every page needs the role ``editor`` or ``admin``; publishing trained changes needs
``admin``. Pages are Dutch, plain HTML forms that work without JavaScript, never cached or framed.
Not an aiohttp sub-app: with the pinned aiohttp 3.9.5 and yarl 1.25.1, resolving a sub-app's prefix
reads ``request.url``, which raises for every Host header with a port.

The area used to be two: ``/inbox/redactie`` and ``/editor``. Their old addresses redirect here, so
bookmarks keep working.
"""

from __future__ import annotations

from aiohttp import web

from bot.web import auth
from bot.web.editor import resources, texts, understanding, words

PREFIX = auth.EDITOR
ROUTE_MODULES = (texts, resources, words, understanding)
# Old address -> new address, by prefix: /inbox/redactie/X -> /redactie/X, /editor/X -> /redactie/X.
OLD_PREFIXES = ("/inbox/redactie", "/editor")


def new_address(path: str) -> str:
    for old in OLD_PREFIXES:
        if auth.in_area(path, old):
            return PREFIX + (path[len(old):] or "/")
    raise ValueError(path)


async def moved(request: web.Request) -> web.Response:
    """An old editor address: 301 for a bookmark (GET), 308 (method and form kept) for a form sent from a
    page opened before the move; the form's CSRF token is then checked at the new address."""
    target = new_address(request.path)
    if request.query_string:
        target += "?" + request.query_string
    if request.method in ("GET", "HEAD"):
        raise web.HTTPMovedPermanently(target)
    raise web.HTTPPermanentRedirect(target)


def setup(app: web.Application) -> None:
    auth.setup_login(app.router, PREFIX, "editor")
    for module in ROUTE_MODULES:
        module.setup(app, PREFIX)
    for old in OLD_PREFIXES:
        app.router.add_route("*", old, moved)
        app.router.add_route("*", old + "/{tail:.*}", moved)
