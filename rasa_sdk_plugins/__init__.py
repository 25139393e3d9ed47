"""rasa-sdk plugin: the action server answers only Rasa, which sends the shared secret.

rasa-sdk imports a package named ``rasa_sdk_plugins`` at start-up and calls ``init_hooks(manager)``
(``rasa_sdk/plugin.py``); our hook adds a Sanic middleware that refuses every request without
``Authorization: Bearer <NAAST_ACTION_TOKEN>`` (Rasa sends it: ``action_endpoint.headers`` in
endpoints.yml). Only ``/health`` stays open, for liveness checks; it tells nothing.

Without a token configured the action server does not start (fail closed): a plugin that silently
did nothing would leave the door open, and rasa-sdk ignores a plugin package that fails to import.
"""

from __future__ import annotations

import hmac
import logging
import os

import pluggy
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)

TOKEN_ENV = "NAAST_ACTION_TOKEN"
OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_CHARS = 24


def bearer_token(header: str | None) -> str:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def authorised(header: str | None, token: str) -> bool:
    given = bearer_token(header)
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


class _Plugin:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        token = os.environ.get(TOKEN_ENV, "")
        if len(token) < MIN_TOKEN_CHARS:
            raise RuntimeError(f"{TOKEN_ENV} is not set (or shorter than {MIN_TOKEN_CHARS} characters): "
                               "the action server refuses to start without its shared secret")

        @app.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if request.path in OPEN_PATHS or authorised(request.headers.get("authorization"), token):
                return None
            logger.warning("action server: refused %s %s without a valid token", request.method, request.path)
            return json({"error": "unauthorised"}, status=401, headers={"WWW-Authenticate": "Bearer"})

        logger.info("action server: every request except %s needs the shared secret", sorted(OPEN_PATHS))


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(_Plugin())
