"""The resident's chat widget: the script a municipality embeds, its settings, and a demo page.

Routes (added by `setup(app)`):

- ``GET /widget.js`` — the built widget (``static/widget/naast-widget.js``, built from ``widget/src``).
- ``GET /api/widget/config`` — what the widget needs to know from the server: where Rasa's socket.io
  is, the message limit, the municipality's phone number and privacy statement.
- ``GET /demo`` and ``GET /demo/contact`` — "Gemeente Voorbeeld", a fake municipal site with the
  embed snippet and a strict Content-Security-Policy (used by the browser tests and for show).

``setup_cors(app)`` (after every route is added) answers CORS for the widget's paths with aiohttp-cors,
for NAAST_ALLOWED_ORIGINS only: the widget runs on the municipality's pages, another origin than this
web app. No cookies are used, so no credentials. (aiohttp-cors rather than our own headers: preflight
checks of method and headers per the CORS spec, and one well-kept place for them.)
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp_cors
import aiohttp_jinja2
from aiohttp import web

from bot.config import Settings
from bot.texts import live
from bot.texts.resources import current_resources
from bot.web.conversation import new_conversation
from bot.web.keys import DB, SETTINGS

STATIC = Path(__file__).resolve().parent / "static" / "widget"
WIDGET_JS = STATIC / "naast-widget.js"
SOCKET_PATH = "/socket.io"
CORS_PATHS = frozenset({"/api/chat", "/api/widget/config", "/api/conversation", "/api/conversation/wipe"})

# Query parameters the demo page passes on to the widget (for tests and for trying settings out).
DEMO_OPTIONS: dict[str, re.Pattern[str]] = {
    "transport": re.compile(r"^(auto|socket|rest)$"),
    "rasa-url": re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$"),
    "lang": re.compile(r"^(nl|en)$"),
    "position": re.compile(r"^(left|right)$"),
    "color": re.compile(r"^#[0-9A-Fa-f]{6}$"),
    "max-chars": re.compile(r"^\d{2,5}$"),
}
DEMO_PAGES = {
    "home": {"path": "/demo", "title": "Hulp bij wonen, zorg en werk"},
    "contact": {"path": "/demo/contact", "title": "Contact"},
}


def public_rasa_url(settings: Settings) -> str:
    """Where a resident's browser reaches Rasa (socket.io). NAAST_PUBLIC_RASA_URL, else NAAST_RASA_URL."""
    return str(getattr(settings, "public_rasa_url", None) or settings.rasa_url).rstrip("/")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def websocket_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def rasa_connect_sources(settings: Settings) -> list[str]:
    """CSP connect-src entries for Rasa's socket.io: its http(s) origin (polling) and ws(s) origin."""
    url = public_rasa_url(settings)
    return [origin(url), websocket_origin(url)]


def embedding_csp(naast_url: str, settings: Settings) -> str:
    """The strictest CSP a municipal page can have with the widget on it (documented in docs/widget.md)."""
    naast = origin(naast_url)
    connect = " ".join(dict.fromkeys(["'self'", naast, *rasa_connect_sources(settings)]))
    return (
        f"default-src 'self'; script-src 'self' {naast}; style-src 'self' {naast}; "
        f"img-src 'self' {naast} data:; connect-src {connect}; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )


async def widget_js(request: web.Request) -> web.StreamResponse:
    if not WIDGET_JS.exists():
        raise web.HTTPNotFound(text="The widget is not built: run `make widget`.")
    return web.FileResponse(
        WIDGET_JS,
        headers={"Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-cache"},
    )


async def widget_config(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    municipality = current_resources(request.app[DB])["municipality"]
    return web.json_response(
        {
            "rasaUrl": public_rasa_url(settings),
            "socketPath": SOCKET_PATH,
            "maxChars": settings.max_message_chars,
            "municipality": municipality["name"],
            "phone": municipality["phone"],
            "phoneHours": municipality.get("phone_hours", ""),
            "privacyUrl": municipality.get("privacy_url", ""),
            # A conversation id with its wipe token, used when this browser tab has none yet.
            "conversation": new_conversation(settings.secret_key),
            # Hours after which the server forgets an abandoned conversation (said when wiping fails).
            "forgetHours": int(settings.abandoned_conversation_hours),
            # The widget's own texts from the text store (editors' edits included); the bundle carries
            # the shipped ones (bot/texts/widget_strings.json) for when this answer does not come.
            "strings": {lang: live.strings(f"widget.{lang}.", request.app[DB]) for lang in ("nl", "en")},
        },
        headers={"Cache-Control": "no-store"},
    )


def _demo_handler(page: str):  # noqa: ANN202 - an aiohttp handler
    async def handler(request: web.Request) -> web.Response:
        settings = request.app[SETTINGS]
        naast_url = str(settings.public_url).rstrip("/")
        options = {
            key: value
            for key, pattern in DEMO_OPTIONS.items()
            if (value := request.query.get(key)) is not None and pattern.match(value)
        }
        query = urlencode(options)  # the links keep the (checked) settings while one walks the demo site
        context = {
            "page": page,
            "pages": {name: p["path"] + (f"?{query}" if query else "") for name, p in DEMO_PAGES.items()},
            "title": DEMO_PAGES[page]["title"],
            "widget_src": f"{naast_url}/widget.js",
            "options": options,
            "municipality": current_resources(request.app[DB])["municipality"],
        }
        response = aiohttp_jinja2.render_template("demo_page.html", request, context)
        response.headers["Content-Security-Policy"] = embedding_csp(naast_url, settings)
        return response

    return handler


def setup(app: web.Application) -> None:
    """Add the widget's routes to the web app."""
    app.router.add_get("/widget.js", widget_js, name="widget_js")
    app.router.add_get("/api/widget/config", widget_config, name="widget_config")
    for name, page in DEMO_PAGES.items():
        app.router.add_get(page["path"], _demo_handler(name), name=f"demo_{name}")


def setup_cors(app: web.Application) -> None:
    """CORS on the widget's paths (CORS_PATHS) for the configured origins; call after every route exists."""
    options = aiohttp_cors.ResourceOptions(allow_credentials=False, allow_headers=("Content-Type", "X-Naast-Sender"),
                                           allow_methods=("GET", "POST"), max_age=600)
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in app[SETTINGS].allowed_origins.split()})
    for route in list(app.router.routes()):
        if route.resource is not None and route.resource.canonical in CORS_PATHS and route.method != "OPTIONS":
            cors.add(route)
