"""JSON API of the text store, for an editor's API token (``naast token create NAME`` for an editor).

``GET /api/texts`` (every text with where it is used), ``GET /api/texts/{name}`` (one text with its
check) and ``PUT /api/texts/{name}`` with ``{"variations": [{"text", "buttons"?, "condition"?}],
"revision"?}``: the same plain-language check as the editor; 422 with the findings on a hard failure,
else published at once (live for the next message). ``revision`` (the one you read) makes a PUT fail
with 409 when someone else published in between. Every call is written to the audit log.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.accounts import audit, users
from bot.accounts.users import Account
from bot.texts import store
from bot.web.auth import client_ip
from bot.web.keys import DB

NAME_PATTERN = r"^[a-z][a-z0-9_.]{0,119}$"
EDIT_ROLES = ("editor",)


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False),
                             headers={"Cache-Control": "no-store", **(headers or {})})


def _error(status: int, error: str, message: str, **extra: Any) -> web.Response:
    headers = {"WWW-Authenticate": 'Bearer realm="naast"'} if status == 401 else None
    return _json({"error": error, "message": message, **extra}, status, headers)


async def _account(request: web.Request) -> Account | web.Response:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    engine = request.app[DB]
    account = await asyncio.to_thread(users.account_for_token, engine, token) if token else None
    status = 401 if account is None else 403 if account.role not in EDIT_ROLES or account.disabled else 0
    if status:
        await asyncio.to_thread(audit.record, engine, actor=account.name if account else "-", via="api",
                                action="api.denied", status_code=status, ip=client_ip(request),
                                detail=f"{request.method} {request.path}"[:200])
        if status == 401:
            return _error(401, "unauthorized", "A valid API token is needed: Authorization: Bearer <token>.")
        return _error(403, "forbidden", f"The role {account.role!r} may not edit texts; use an editor's token.")
    return account


def _text(view: store.TextView, report: Any | None = None) -> dict[str, Any]:
    body = view.as_dict()
    if report is not None:
        body["check"] = report.as_dict()
    return body


async def list_texts(request: web.Request) -> web.Response:
    account = await _account(request)
    if isinstance(account, web.Response):
        return account
    views = await asyncio.to_thread(store.list_texts, request.app[DB])
    return _json({"items": [_text(v) for v in views], "total": len(views)})


async def get_text(request: web.Request) -> web.Response:
    account = await _account(request)
    if isinstance(account, web.Response):
        return account
    engine, name = request.app[DB], request.match_info["name"]

    def work() -> dict[str, Any]:
        view = store.current(engine, name)
        _, report = store.check_variations(engine, name, view.variations)
        return _text(view, report)

    try:
        return _json(await asyncio.to_thread(work))
    except store.UnknownText:
        return _error(404, "not_found", "No text with this name.")


async def put_text(request: web.Request) -> web.Response:
    account = await _account(request)
    if isinstance(account, web.Response):
        return account
    engine, name = request.app[DB], request.match_info["name"]
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", 'The body must be JSON: {"variations": [{"text": ...}]}.')
    if not isinstance(body, dict) or "variations" not in body or set(body) - {"variations", "revision"}:
        return _error(400, "bad_request", 'The body must be an object with "variations" (and optionally "revision").')
    revision = body.get("revision")
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool) or revision < 0):
        return _error(400, "bad_request", "revision must be a whole number (the revision you read).")
    status, detail = 200, "published"
    try:
        view, report = await asyncio.to_thread(store.publish, engine, name, body["variations"], actor=account.name,
                                               via="api", expected_revision=revision)
        response = _json(_text(view, report))
    except store.UnknownText:
        status, detail, response = 404, "unknown", _error(404, "not_found", "No text with this name.")
    except store.Refused as refused:
        status, detail = 422, "refused: " + ",".join(sorted({f.code for f in refused.report.blocking}))
        response = _error(422, "check_failed", "The text is not published: " + str(refused),
                          findings=[f.as_dict() for f in refused.report.findings])
    except store.Conflict as conflict:
        status, detail, response = 409, "conflict", _error(409, "conflict", str(conflict))
    except store.TextError as problem:
        status, detail, response = 400, "bad shape", _error(400, "bad_request", str(problem))
    await asyncio.to_thread(audit.record, engine, actor=account.name, via="api", action="texts.publish",
                            status_code=status, ip=client_ip(request), detail=f"{name}: {detail}"[:200])
    return response


# -- OpenAPI -----------------------------------------------------------------------------------------

def openapi_schemas() -> dict[str, Any]:
    button = {"type": "object", "required": ["title", "payload"], "additionalProperties": False,
              "properties": {"title": {"type": "string", "minLength": 1, "maxLength": store.MAX_TITLE},
                             "payload": {"type": "string", "minLength": 1, "maxLength": store.MAX_PAYLOAD}}}
    variation = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
        "text": {"type": "string", "maxLength": store.MAX_TEXT,
                 "description": "The text; {slot} placeholders are filled in by Rasa"},
        "buttons": {"type": "array", "maxItems": store.MAX_BUTTONS, "items": button},
        "condition": {"type": "array", "items": {"type": "object"}, "nullable": True,
                      "description": "Kept from the shipped variation (who sees it); new conditions are refused"},
    }}
    finding = {"type": "object", "required": ["code", "severity", "message"], "properties": {
        "code": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "advice"]},
        "message": {"type": "string", "description": "Dutch, for the editor"},
        "variation": {"type": "integer", "nullable": True, "description": "1-based"},
        "words": {"type": "array", "items": {"type": "string"}}}}
    text = {"type": "object", "required": ["name", "kind", "group", "usage", "edited", "revision", "variations"],
            "properties": {
                "name": {"type": "string"}, "kind": {"type": "string", "enum": ["response", "string"]},
                "group": {"type": "string"}, "usage": {"type": "string", "description": "Where it is used (Dutch)"},
                "audience": {"type": "string", "enum": ["resident", "professional"]},
                "language": {"type": "string"}, "edited": {"type": "boolean"},
                "revision": {"type": "integer", "minimum": 0, "description": "0: the shipped text"},
                "variations": {"type": "array", "items": {"$ref": "#/components/schemas/TextVariation"}},
                "placeholders": {"type": "array", "items": {"type": "string"}},
                "check": {"type": "object", "properties": {
                    "ok": {"type": "boolean"}, "findings": {"type": "array", "items": finding},
                    "figures": {"type": "array", "items": {"type": "object"}}}},
            }}
    return {
        "TextVariation": variation,
        "Text": text,
        "TextList": {"type": "object", "required": ["items", "total"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Text"}},
            "total": {"type": "integer", "minimum": 0}}},
        "TextEdit": {"type": "object", "required": ["variations"], "additionalProperties": False, "properties": {
            "variations": {"type": "array", "minItems": 1, "maxItems": store.MAX_VARIATIONS,
                           "items": {"$ref": "#/components/schemas/TextVariation"}},
            "revision": {"type": "integer", "minimum": 0,
                         "description": "The revision you read; 409 when someone published since"}}},
        "CheckFailed": {"type": "object", "required": ["error", "message", "findings"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "findings": {"type": "array", "items": finding}}},
    }


def openapi_paths(responses: Any) -> dict[str, Any]:
    """``responses``: bot.web.api's helper (the shared error descriptions)."""
    name = {"name": "name", "in": "path", "required": True, "description": "The text's name, e.g. utter_ask_situation",
            "schema": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NAME_PATTERN}}
    one = {"description": "One text, with the check's findings", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Text"}}}}
    put_responses = responses(one, 400, 401, 403, 404, 409)
    put_responses["422"] = {"description": "The check found a hard failure; nothing was published",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckFailed"}}}}
    return {
        "/api/texts": {"get": {
            "operationId": "listTexts", "summary": "Every text of Naast with where it is used (editor token)",
            "responses": responses({"description": "Every text", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/TextList"}}}}, 401, 403)}},
        "/api/texts/{name}": {
            "get": {"operationId": "getText", "summary": "One text with the plain-language check",
                    "parameters": [name], "responses": responses(one, 401, 403, 404)},
            "put": {"operationId": "putText", "summary": "Check and publish a text (live for the next message)",
                    "parameters": [name], "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/TextEdit"}}}},
                    "responses": put_responses},
        },
    }


def setup(app: web.Application) -> None:
    app.router.add_get("/api/texts", list_texts, name="api_texts")
    app.router.add_get("/api/texts/{name}", get_text, name="api_text")
    app.router.add_put("/api/texts/{name}", put_text, name="api_text_put")
