"""The editors' pages under ``/inbox/redactie/``: one route module per subject, added by ``setup(app)``.

Mounted inside the inbox's path so they share the inbox's log-in session (its cookie has path
``/inbox``), CSRF check and no-store headers (``bot.web.inbox.auth.inbox_guard``). The pages are for
the ``editor`` role. Add a subject by writing a module with ``setup(router, prefix)`` and listing it
in ``MODULES``.

Not an aiohttp sub-app (``add_subapp``): with aiohttp 3.9.5 and the installed yarl, a sub-app's
resource builds ``request.url`` from a Host header with a port and raises, so every request that
reaches it (also any unknown path) would be a 500. The route modules keep the sub-app's shape.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.editor import resources, texts, words

PREFIX = "/inbox/redactie"
MODULES = (texts, resources, words)


def setup(app: web.Application) -> None:
    app.router.add_get(PREFIX, _to_start)
    for module in MODULES:
        module.setup(app.router, PREFIX)


async def _to_start(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(PREFIX + "/")
