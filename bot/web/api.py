"""JSON API for case systems: notes of the token's teams, with ``Authorization: Bearer <token>``.

``GET /api/notes`` (filters as in the inbox, paginated), ``GET /api/notes/{id}``,
``POST /api/notes/{id}/status``; the OpenAPI description at ``/api/openapi.json``. Each note is
``{"note": <the handover note JSON, Note.to_dict()>, "inbox": {team, labels, assigned_to, ...}}``.
401 without a valid token, 403 for an account that may not read notes (editor, admin), 404 for an
unknown note or another team's note. Every call is written to the audit log.
"""

from __future__ import annotations

import asyncio
import copy
import json
from functools import lru_cache
from typing import Any

from aiohttp import web

from bot.accounts import audit, users
from bot.accounts.users import Account
from bot.inbox import index, machine
from bot.inbox import notes as inbox
from bot.inbox import status as statuses
from bot.inbox.notes import Filters
from bot.inbox.routing import load_routing
from bot.inbox.status import Conflict, NotFound, Refused
from bot.notes.model import Note
from bot.web import texts_api
from bot.web.auth import client_ip
from bot.web.keys import DB, SETTINGS

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
LIST_PARAMS = {"status", "team", "label", "urgent", "reference", "mine", "page", "per_page"}


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": error, "message": message}, status=status, headers=headers)


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _authorised(request: web.Request, action: str) -> Account:
    """The token's account, or ApiError 401/403 (audited)."""
    engine = request.app[DB]
    token = _bearer(request)
    account = await asyncio.to_thread(users.account_for_token, engine, token) if token else None
    if account is None:
        await asyncio.to_thread(audit.record, engine, actor="-", via="api", action="api.denied", status_code=401,
                                detail=f"{request.method} {request.path}"[:200], ip=client_ip(request))
        raise ApiError(401, "unauthorized", "A valid API token is needed: Authorization: Bearer <token>.")
    if not account.reads_notes:
        await asyncio.to_thread(audit.record, engine, actor=account.name, via="api", action="api.denied",
                                status_code=403, detail=f"{request.method} {request.path}"[:200],
                                ip=client_ip(request))
        raise ApiError(403, "forbidden", f"The role {account.role!r} may not read notes.")
    return account


def _int_param(query: Any, name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ApiError(400, "bad_request", f"{name} must be between {low} and {high}")
    return value


ENUMS = {"status": ("open", "alle", *statuses.STATUSES), "urgent": ("true", "false"), "mine": ("true", "false")}
MAX_LENGTHS = {"team": 64, "label": 64, "reference": statuses.MAX_SEARCH}


def _filters(request: web.Request) -> Filters:
    """The list filters, checked strictly against the OpenAPI description (400 on anything else)."""
    query = request.query
    for key in query:
        if key not in LIST_PARAMS:
            raise ApiError(400, "bad_request", f"unknown query parameter {key!r}")
        if len(query.getall(key)) > 1:
            raise ApiError(400, "bad_request", f"{key} may be given once")
    for key, allowed in ENUMS.items():
        if key in query and query[key] not in allowed:
            raise ApiError(400, "bad_request", f"{key} must be one of {', '.join(allowed)}")
    for key, length in MAX_LENGTHS.items():
        if len(query.get(key, "")) > length:
            raise ApiError(400, "bad_request", f"{key} has at most {length} characters")
    values = {key: query.get(key, "") for key in ("status", "team", "label", "urgent", "reference", "mine")}
    try:
        return Filters.parse(values)
    except ValueError as problem:
        raise ApiError(400, "bad_request", f"wrong filter value ({problem})") from None


def _item(view: inbox.NoteView) -> dict[str, Any]:
    return {"note": view.note.to_dict(), "inbox": view.inbox_dict()}


async def list_notes(request: web.Request) -> web.Response:
    return await _call(request, "api.list", _list)


async def _list(request: web.Request, account: Account) -> tuple[int, dict[str, Any], dict[str, Any]]:
    engine = request.app[DB]
    # A team the account is not in simply gives no notes (the query only ever looks at its teams).
    filters = _filters(request)
    page = _int_param(request.query, "page", 1, 1, MAX_PAGE)
    per_page = _int_param(request.query, "per_page", 20, 1, MAX_PER_PAGE)
    routing = load_routing(request.app[SETTINGS].routing_file)

    def work() -> tuple[list[dict[str, Any]], int]:
        index.ensure_routed(engine, routing)
        summaries, total = inbox.list_notes(engine, account, filters, page=page, per_page=per_page)
        return [_item(view) for view in inbox.get_notes(engine, account, [s.id for s in summaries])], total

    items, total = await asyncio.to_thread(work)
    body = {"items": items, "page": page, "per_page": per_page, "total": total}
    return 200, body, {"detail": f"page={page} per_page={per_page} status={filters.status}"}


async def get_note(request: web.Request) -> web.Response:
    return await _call(request, "api.view", _get)


async def _get(request: web.Request, account: Account) -> tuple[int, dict[str, Any], dict[str, Any]]:
    engine = request.app[DB]
    routing = load_routing(request.app[SETTINGS].routing_file)
    note_id = request.match_info["note_id"]

    def work() -> inbox.NoteView:
        index.ensure_routed(engine, routing)
        return inbox.get_note(engine, account, note_id)

    view = await asyncio.to_thread(work)
    return 200, _item(view), {"note_id": view.note.id, "reference": view.note.reference}


async def set_status(request: web.Request) -> web.Response:
    return await _call(request, "api.status", _set_status)


async def _set_status(request: web.Request, account: Account) -> tuple[int, dict[str, Any], dict[str, Any]]:
    engine = request.app[DB]
    settings = request.app[SETTINGS]
    note_id = request.match_info["note_id"]
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "the body must be JSON: {\"status\": ..., \"remark\": ...}") from None
    if not isinstance(body, dict) or set(body) - {"status", "remark"}:
        raise ApiError(400, "bad_request", "the body must be an object with status and (for afgerond) remark")
    status, remark = body.get("status"), body.get("remark", "")
    if status not in statuses.STATUSES:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(statuses.STATUSES)}")
    if remark is None:
        remark = ""
    if not isinstance(remark, str):
        raise ApiError(400, "bad_request", "remark must be a string")
    routing = load_routing(settings.routing_file)

    def work() -> inbox.NoteView:
        index.ensure_routed(engine, routing)
        return machine.change_status(engine, settings.retention_days, account, note_id, status, remark, via="api",
                                   ip=client_ip(request))

    view = await asyncio.to_thread(work)
    return 200, _item(view), {"note_id": view.note.id, "reference": view.note.reference, "detail": f"-> {status}"}


async def _call(request: web.Request, action: str, handler: Any) -> web.Response:
    engine = request.app[DB]
    try:
        account = await _authorised(request, action)
    except ApiError as problem:
        headers = {"WWW-Authenticate": 'Bearer realm="naast"'} if problem.status == 401 else None
        return _error(problem.status, problem.error, problem.message, headers)
    note_id = request.match_info.get("note_id")
    audit_values: dict[str, Any] = {"note_id": note_id if note_id and statuses.NOTE_ID.match(note_id) else None}
    try:
        status, body, extra = await handler(request, account)
        audit_values.update(extra)
        response = web.json_response(body, status=status, dumps=_dumps)
    except ApiError as problem:
        status, response = problem.status, _error(problem.status, problem.error, problem.message)
        audit_values["detail"] = problem.message
    except NotFound:
        status, response = 404, _error(404, "not_found", "No such note, or not one of your teams' notes.")
    except Refused:
        status, response = 403, _error(403, "forbidden", "This account may not do this.")
    except Conflict as problem:
        status = 409
        response = _error(409, "conflict", {
            "picked_up": "The note is picked up by someone else.", "done": "The note is already done.",
            "not_picked_up": "Pick the note up (status opgepakt) before marking it done.",
        }.get(problem.reason, "The note changed meanwhile; read it again."))
        audit_values["detail"] = f"conflict: {problem.reason}"
    except ValueError as problem:  # a wrong remark (Dutch message from the inbox rules)
        status, response = 400, _error(400, "bad_request", str(problem))
    await asyncio.to_thread(audit.record, engine, actor=account.name, via="api", action=action, status_code=status,
                            ip=client_ip(request), **{k: v for k, v in audit_values.items()
                                                      if k in ("note_id", "reference", "detail")})
    return response


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- OpenAPI -----------------------------------------------------------------------------------------

def _nullable_optionals(schema: dict[str, Any]) -> None:
    """pydantic 1 leaves Optional fields as plain types; the JSON holds null for them (OpenAPI 3.0)."""
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        if name not in required:
            prop["nullable"] = True


@lru_cache(maxsize=1)
def _note_schemas() -> dict[str, Any]:
    schema = Note.schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("definitions", {})
    schemas = {"Note": schema, **definitions}
    for item in schemas.values():
        _nullable_optionals(item)
    return schemas


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _responses(ok: dict[str, Any], *codes: int) -> dict[str, Any]:
    texts = {400: "Wrong parameter or body", 401: "No valid token",
             403: "The token's role may not do this (notes: professionals; texts: editors)",
             404: "No such note (or another team's note), or no such text",
             409: "The note is not in a state that allows this, or the text changed since it was read"}
    responses: dict[str, Any] = {"200": ok}
    for code in codes:
        responses[str(code)] = {"description": texts[code],
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return responses


def openapi_spec(public_url: str) -> dict[str, Any]:
    note_id = {"name": "id", "in": "path", "required": True, "description": "The note's id (a UUID)",
               "schema": {"type": "string", "minLength": 1, "maxLength": 36, "pattern": "^[A-Za-z0-9-]+$"}}
    item = {"description": "One note", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/NoteItem"}}}}
    schemas = copy.deepcopy(_note_schemas())
    schemas.update({
        "Inbox": {
            "type": "object",
            "description": "The inbox's facts about the note.",
            "required": ["team", "labels", "has_contact"],
            "properties": {
                "team": {"type": "string", "description": "Team key (config/routing.yml)"},
                "labels": {"type": "array", "items": {"type": "string"}, "description": "Life-domain label keys"},
                "has_contact": {"type": "boolean"},
                "assigned_to": {"type": "string", "nullable": True},
                "picked_up_at": {"type": "string", "format": "date-time", "nullable": True},
                "done_at": {"type": "string", "format": "date-time", "nullable": True},
                "done_remark": {"type": "string", "nullable": True},
            },
        },
        "NoteItem": {
            "type": "object", "required": ["note", "inbox"],
            "properties": {"note": {"$ref": "#/components/schemas/Note"},
                           "inbox": {"$ref": "#/components/schemas/Inbox"}},
        },
        "NotePage": {
            "type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/NoteItem"}},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "total": {"type": "integer", "minimum": 0},
            },
        },
        "StatusChange": {
            "description": "opgepakt: pick up (assigns the note to the token's account); nieuw: hand back; "
                           "afgerond: done, with a short remark (the note must be picked up by the token's "
                           "account first).",
            "oneOf": [
                {"type": "object", "required": ["status"], "additionalProperties": False,
                 "properties": {"status": {"type": "string", "enum": [statuses.STATUS_PICKED_UP, statuses.STATUS_NEW]},
                                "remark": {"type": "string", "maxLength": statuses.MAX_REMARK}}},
                {"type": "object", "required": ["status", "remark"], "additionalProperties": False,
                 "properties": {"status": {"type": "string", "enum": [statuses.STATUS_DONE]},
                                "remark": {"type": "string", "minLength": 1, "maxLength": statuses.MAX_REMARK,
                                           "pattern": "\\S", "description": "A short remark"}}},
            ],
        },
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
    })
    schemas.update(texts_api.openapi_schemas())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Naast API for case systems",
            "version": "1.0.0",
            "description": "Handover notes from Naast, the municipality's digital helper, for the teams of "
                           "the token's account (a professional's token), and Naast's texts (an editor's "
                           "token). Every call is written to the audit log. Tokens: `naast token create NAME`.",
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/notes": {"get": {
                "operationId": "listNotes",
                "summary": "Notes of the token's teams, urgent open notes first, then newest first",
                "parameters": [
                    _query("status", "open = nieuw and opgepakt (default); alle = every status",
                           {"type": "string", "enum": ["open", "alle", *statuses.STATUSES]}),
                    _query("team", "One of the token's teams", {"type": "string", "maxLength": 64}),
                    _query("label", "A life-domain label key, e.g. finances", {"type": "string", "maxLength": 64}),
                    _query("urgent", "Only urgent (true) or only not urgent (false) notes",
                           {"type": "string", "enum": ["true", "false"]}),
                    _query("reference", "Search by (part of) the reference, e.g. NST-7K3Q",
                           {"type": "string", "maxLength": statuses.MAX_SEARCH}),
                    _query("mine", "Only notes picked up by the token's account",
                           {"type": "string", "enum": ["true", "false"]}),
                    _query("page", "Page number", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                   "default": 1}),
                    _query("per_page", "Notes per page", {"type": "integer", "minimum": 1,
                                                          "maximum": MAX_PER_PAGE, "default": 20}),
                ],
                "responses": _responses({"description": "A page of notes", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/NotePage"}}}}, 400, 401, 403),
            }},
            "/api/notes/{id}": {"get": {
                "operationId": "getNote",
                "summary": "One note",
                "parameters": [note_id],
                "responses": _responses(item, 401, 403, 404),
            }},
            "/api/notes/{id}/status": {"post": {
                "operationId": "setNoteStatus",
                "summary": "Pick up, hand back or mark done",
                "parameters": [note_id],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/StatusChange"}}}},
                "responses": _responses(item, 400, 401, 403, 404, 409),
            }},
            **texts_api.openapi_paths(_responses),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `naast token create NAME`"}},
            "schemas": schemas,
        },
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_spec(str(request.app[SETTINGS].public_url)), dumps=_dumps)


async def not_found(request: web.Request) -> web.Response:
    return _error(404, "not_found", "No such API path.")


def setup(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/openapi.json", openapi, name="api_openapi")
    router.add_get("/api/notes", list_notes, name="api_notes")
    router.add_get("/api/notes/{note_id}", get_note, name="api_note")
    router.add_post("/api/notes/{note_id}/status", set_status, name="api_note_status")
    texts_api.setup(app)  # /api/texts for editors' tokens
