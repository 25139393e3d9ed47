"""One Rasa address for several Rasa processes on one machine (the embedded default, ``naast run``).

Rasa handles a message on one core (its graph, TensorFlow's small models and the tracker store all
run in the event loop), so on a machine with more cores ``naast run`` starts ``NAAST_RASA_PROCESSES``
Rasa servers (bot/supervision.py) and this router on NAAST_RASA_PORT in front of them. It routes the
way nginx does in production (bot/prod.py, ``nginx_config``), so the two behave alike:

- a conversation always goes to the same process: the ``X-Naast-Sender`` header (the web app's chat
  proxy), else ``?sender=``, else the path of Rasa's API (``/conversations/<sender>/...``), else (here
  the router can read the body, nginx cannot) the ``sender`` of a REST message. Rasa's lock store is
  per process, so this is what keeps two messages of one conversation from being handled at once;
- socket.io keeps its session in the process: its requests (polling and the websocket) are sticky
  on the client address;
- anything else (``/status``, ``/model/parse``) also goes by the client address.

The process is chosen by rendezvous hashing (the highest ``sha1(key, process)`` wins): stable across
restarts, and when one process does not accept connections, its conversations (only those) go to the
next one on their list while it is down, as nginx's ``hash ... consistent`` with ``proxy_next_upstream``.
Only a refused connection is passed on, never a request a process may have started to handle.

    python -m bot.router --port 5005 --upstream http://127.0.0.1:6005 --upstream http://127.0.0.1:6006
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from bot.prod import REPLICA_HEADER

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # as nginx in front of Rasa's port (client_max_body_size 1m)
REPLICA_RESPONSE_HEADER = "X-Naast-Replica"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 3600.0  # socket.io long-polling and websockets stay open
_PATH_SENDER = re.compile(r"^/conversations/([^/]+)")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "content-length", "host"}


def conversation_key(request: web.BaseRequest, body: bytes) -> str:
    """What a request is routed on: its conversation, or (socket.io and the rest) the client address."""
    if not request.path.startswith("/socket.io"):
        sender = request.headers.get(REPLICA_HEADER) or request.query.get("sender")
        if not sender and (match := _PATH_SENDER.match(request.path)):
            sender = match.group(1)
        if not sender and request.method == "POST" and body:
            sender = _body_sender(body)
        if sender:
            return f"sender:{sender}"
    return f"client:{request.remote or ''}"


def _body_sender(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    sender = data.get("sender") if isinstance(data, dict) else None
    return str(sender) if sender not in (None, "") else None


def ranked(key: str, upstreams: Sequence[str]) -> list[str]:
    """The processes in the order ``key`` tries them (rendezvous hashing)."""
    def score(upstream: str) -> bytes:
        return hashlib.sha1(f"{key}\x00{upstream}".encode(), usedforsecurity=False).digest()

    return sorted(upstreams, key=score, reverse=True)


class Router:
    def __init__(self, upstreams: Sequence[str]) -> None:
        if not upstreams:
            raise ValueError("the router needs at least one Rasa process")
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self._session: aiohttp.ClientSession | None = None
        self._warm_up: asyncio.Future | None = None

    async def start(self, _app: web.Application) -> None:
        # No keep-alive to the processes: on a fresh connection a process that just died refuses before
        # anything is sent, so the request can safely go to the next one (as nginx in production).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=0),
            timeout=aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT),
            auto_decompress=False,
        )

        token = os.environ.get("NAAST_RASA_TOKEN")
        if token:
            self._warm_up = asyncio.ensure_future(self._warm_up_all(token))

    async def _warm_up_all(self, token: str) -> None:
        """Warm every process up, as the web app warms up "Rasa" (which reaches only one of them): the
        first resident routed to any process does not wait for TensorFlow to build its graphs."""
        from bot.web.rasa_client import RasaClient, RasaUnavailable, warm_up

        async def one(upstream: str) -> None:
            try:
                await warm_up(RasaClient(upstream, token, self._session))
            except RasaUnavailable as error:
                logger.warning("warm-up of %s failed: %s", upstream, error)

        await asyncio.gather(*(one(upstream) for upstream in self.upstreams))

    async def close(self, _app: web.Application) -> None:
        if self._warm_up and not self._warm_up.done():
            self._warm_up.cancel()
        if self._session:
            await self._session.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="request body too large")
        key = conversation_key(request, body)
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        last_error: Exception | None = None
        for upstream in ranked(key, self.upstreams):
            try:
                if websocket:
                    return await self._websocket(request, upstream)
                return await self._forward(request, upstream, body)
            except aiohttp.ClientConnectorError as error:  # refused: nothing was sent, try the next one
                last_error = error
                logger.warning("Rasa process %s refused the connection; trying the next one", upstream)
        logger.error("no Rasa process accepted the connection (%s)", last_error)
        return web.Response(status=502, text="Rasa is not available")

    def _headers(self, request: web.Request) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or ""
        return headers

    async def _forward(self, request: web.Request, upstream: str, body: bytes) -> web.Response:
        assert self._session is not None
        async with self._session.request(request.method, upstream + request.rel_url.path_qs,
                                          headers=self._headers(request), data=body or None,
                                          allow_redirects=False) as reply:
            payload = await reply.read()
            headers = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers[REPLICA_RESPONSE_HEADER] = upstream.rsplit("//", 1)[-1]
        return web.Response(status=reply.status, body=payload, headers=headers)

    async def _websocket(self, request: web.Request, upstream: str) -> web.WebSocketResponse:
        assert self._session is not None
        headers = {k: v for k, v in self._headers(request).items()
                   if not k.lower().startswith("sec-websocket")}
        async with self._session.ws_connect(upstream + request.rel_url.path_qs, headers=headers,
                                            autoping=True, max_msg_size=MAX_BODY) as inner:
            outer = web.WebSocketResponse(autoping=True, max_msg_size=MAX_BODY)
            await outer.prepare(request)
            await asyncio.gather(_pump(outer, inner), _pump(inner, outer))
            return outer


async def _pump(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                target: web.WebSocketResponse | aiohttp.ClientWebSocketResponse) -> None:
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:
            break
    await target.close()


def make_app(upstreams: Sequence[str]) -> web.Application:
    router = Router(upstreams)
    app = web.Application(client_max_size=MAX_BODY + 1)
    app.on_startup.append(router.start)
    app.on_cleanup.append(router.close)
    app.router.add_route("*", "/{tail:.*}", router.handle)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.router", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", action="append", required=True, help="a Rasa process (repeat)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logger.info("routing port %d to %s", args.port, ", ".join(args.upstream))
    web.run_app(make_app(args.upstream), host=args.host, port=args.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
