"""The professionals' inbox: the list of notes, one note, its print view, actions, audit log.

Log-in, sessions, CSRF and the role check are ``bot.web.auth`` (shared with the editors' pages).
Every handler is thin: ``bot.inbox`` decides what an account may see and do; database work
runs in a worker thread. Every page is Dutch, plain HTML forms (works without JavaScript), and every
view, status change, print and export is written to the audit log.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.accounts import audit
from bot.accounts.users import Account
from bot.inbox import index, machine
from bot.inbox import notes as inbox
from bot.inbox import status as statuses
from bot.inbox.notes import Filters
from bot.inbox.routing import label_name, load_routing
from bot.inbox.status import Conflict, NotFound, Refused
from bot.notes.render import SECTION_ORDER, privacy_lines
from bot.notes.texts import load_texts
from bot.texts import live
from bot.web.auth import (
    RoleHandler,
    client_ip,
    current_account,
    error_page,
    forbidden,
    login_redirect,
    render,
    requires,
    say,
)
from bot.web.keys import DB, SETTINGS

PER_PAGE = 50
AUDIT_PER_PAGE = 100
# Texts from the text store (bot/texts/web_nl.yml, editable by editors).
MESSAGES = live.Strings("inbox.message.")
CONFLICTS = live.Strings("inbox.conflict.")


def status_name(source: live.Source, status: str) -> str:
    """A status's name from the text store (``inbox.status.*``); an unknown status as it is."""
    return live.text("inbox.status." + status, source) if status in statuses.STATUSES else status


def _db(request: web.Request):
    return request.app[DB]


async def _run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(func, *args, **kwargs)


async def not_found(request: web.Request, account: Account) -> web.Response:
    return await error_page(request, account, 404, say(request, "inbox.not_found.title"),
                            say(request, "inbox.not_found.text"))


async def inbox_root(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/inbox/")


# -- the list ----------------------------------------------------------------------------------------

def _page_number(text: str) -> int:
    try:
        return min(max(int(text), 1), 100_000)
    except (TypeError, ValueError):
        return 1


async def note_list(request: web.Request) -> web.Response:
    account = await current_account(request)
    if account is None:
        return login_redirect(request)
    if account.is_admin:
        raise web.HTTPSeeOther("/inbox/logboek")
    if not account.reads_notes:
        return await forbidden(request, account)
    return await _note_list(request, account)


async def _note_list(request: web.Request, account: Account) -> web.Response:
    settings = request.app[SETTINGS]
    routing = load_routing(settings.routing_file)
    engine = _db(request)
    error = None
    try:
        filters = Filters.parse(dict(request.query))
    except ValueError as problem:
        filters, error = Filters(), str(problem)
    if filters.team and filters.team not in account.teams:
        filters, error = Filters(), say(request, "inbox.not_your_team")
    page = _page_number(request.query.get("pagina", "1"))

    def work() -> tuple:
        index.ensure_routed(engine, routing)
        items, total = inbox.list_notes(engine, account, filters, page=page, per_page=PER_PAGE)
        counts = inbox.counts(engine, account)
        labels = inbox.labels_in_use(engine, account)
        audit.record(engine, actor=account.name, via="web", action="note.list", ip=client_ip(request),
                     detail=_filter_text(filters, page))
        return items, total, counts, labels

    items, total, counts, labels = await _run(work)
    pages = max(1, math.ceil(total / PER_PAGE))
    query = {key: value for key, value in (("kenmerk", filters.reference), ("status", filters.status),
                                           ("team", filters.team), ("label", filters.label),
                                           ("urgent", "" if filters.urgent is None else
                                            ("ja" if filters.urgent else "nee")),
                                           ("van_mij", "ja" if filters.mine else "")) if value}

    def page_link(number: int) -> str:
        return "/inbox/?" + urlencode({**query, "pagina": number})

    return await render(
        request, "inbox/list.html", account, status=400 if error else 200, nav="list", items=items, total=total,
        counts=counts, filters=filters, labels=labels, teams=[(t, routing.team_name(t)) for t in account.teams],
        team_name=routing.team_name, page=page, pages=pages, page_link=page_link, error=error,
        filtered=bool(query.keys() - {"status"}) or filters.status != statuses.OPEN,
    )


def _filter_text(filters: Filters, page: int) -> str:
    parts = [f"status={filters.status}"]
    for key, value in (("team", filters.team), ("label", filters.label), ("kenmerk", filters.reference)):
        if value:
            parts.append(f"{key}={value}")
    if filters.urgent is not None:
        parts.append(f"urgent={'ja' if filters.urgent else 'nee'}")
    if filters.mine:
        parts.append("van_mij")
    parts.append(f"pagina={page}")
    return " ".join(parts)[:200]


# -- one note ---------------------------------------------------------------------------------------

async def _load(request: web.Request, account: Account, action: str) -> inbox.NoteView | web.Response:
    engine = _db(request)
    note_id = request.match_info["note_id"]
    routing = load_routing(request.app[SETTINGS].routing_file)

    def work() -> inbox.NoteView | None:
        index.ensure_routed(engine, routing)
        try:
            view = inbox.get_note(engine, account, note_id)
        except NotFound:
            audit.record(engine, actor=account.name, via="web", action="note.refused", status_code=404,
                         note_id=note_id if statuses.NOTE_ID.match(note_id) else None, ip=client_ip(request))
            return None
        if action:
            audit.record(engine, actor=account.name, via="web", action=action, note_id=view.note.id,
                         reference=view.note.reference, ip=client_ip(request))
        return view

    view = await _run(work)
    if view is None:
        return await not_found(request, account)
    return view


def _note_context(request: web.Request, view: inbox.NoteView) -> dict[str, Any]:
    routing = load_routing(request.app[SETTINGS].routing_file)
    note = view.note
    return {
        "view": view, "note": note, "summary": view.summary, "t": load_texts(),
        "sections": [(name, getattr(note.sections, name)) for name in SECTION_ORDER],
        "privacy_lines": privacy_lines(note), "team_name": routing.team_name(view.summary.team),
        "status_name": status_name(request.app[DB], view.summary.status),
    }


@requires("professional")
async def note_page(request: web.Request, account: Account) -> web.Response:
    view = await _load(request, account, "note.view")
    if isinstance(view, web.Response):
        return view
    message = MESSAGES.get(request.query.get("melding", ""))
    return await render(request, "inbox/note.html", account, nav="note", message=message,
                         **_note_context(request, view))


@requires("professional")
async def print_page(request: web.Request, account: Account) -> web.Response:
    view = await _load(request, account, "note.print")
    if isinstance(view, web.Response):
        return view
    return await render(request, "inbox/print.html", account, **_note_context(request, view))


@requires("professional")
async def export_text(request: web.Request, account: Account) -> web.Response:
    view = await _load(request, account, "note.export")
    if isinstance(view, web.Response):
        return view
    filename = f"naast-{view.note.reference or view.note.id}.txt"
    return web.Response(text=view.note.render_text(), content_type="text/plain", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _status_action(status: str, message: str) -> RoleHandler:
    async def handler(request: web.Request, account: Account) -> web.Response:
        settings = request.app[SETTINGS]
        form = await request.post()
        remark = str(form.get("opmerking", ""))[: statuses.MAX_REMARK * 4]
        note_id = request.match_info["note_id"]
        routing = load_routing(settings.routing_file)

        def work() -> None:
            index.ensure_routed(_db(request), routing)
            machine.change_status(_db(request), settings.retention_days, account, note_id, status, remark, via="web",
                                ip=client_ip(request))

        try:
            await _run(work)
        except NotFound:
            return await not_found(request, account)
        except Refused:
            return await forbidden(request, account)
        except (Conflict, ValueError) as problem:
            view = await _load(request, account, "")
            if isinstance(view, web.Response):
                return view
            if isinstance(problem, Conflict):
                who = " " + say(request, "inbox.by", who=problem.who) if problem.who else ""
                error, code = CONFLICTS.get(problem.reason, CONFLICTS["changed"]).format(who=who), 409
            else:
                error, code = str(problem), 400
            return await render(request, "inbox/note.html", account, status=code, nav="note", action_error=error,
                                 remark=remark if status == statuses.STATUS_DONE else "",
                                 **_note_context(request, view))
        raise web.HTTPSeeOther(f"/inbox/notities/{note_id}?melding={message}")

    return requires("professional")(handler)


pick_up = _status_action(statuses.STATUS_PICKED_UP, "opgepakt")
hand_back = _status_action(statuses.STATUS_NEW, "teruggegeven")
mark_done = _status_action(statuses.STATUS_DONE, "afgerond")


# -- audit log (admins) -------------------------------------------------------------------------------

@requires("admin")
async def audit_page(request: web.Request, account: Account) -> web.Response:
    engine = _db(request)
    page = _page_number(request.query.get("pagina", "1"))
    actor = request.query.get("naam", "").strip()[:64]
    action = request.query.get("actie", "").strip()[:32]
    reference = request.query.get("kenmerk", "").strip().upper()[:16]

    def work() -> tuple:
        audit.record(engine, actor=account.name, via="web", action="audit.view", ip=client_ip(request),
                     detail=f"pagina={page}")
        return audit.list_entries(engine, page=page, per_page=AUDIT_PER_PAGE, actor=actor, action=action,
                                  reference=reference)

    entries, total = await _run(work)
    pages = max(1, math.ceil(total / AUDIT_PER_PAGE))
    query = {k: v for k, v in (("naam", actor), ("actie", action), ("kenmerk", reference)) if v}

    def page_link(number: int) -> str:
        return "/inbox/logboek?" + urlencode({**query, "pagina": number})

    return await render(request, "inbox/audit.html", account, nav="audit", entries=entries, total=total,
                         page=page, pages=pages, page_link=page_link, actions=audit.ACTIONS, actor=actor,
                         action=action, reference=reference)


def label_display(key: str) -> str:
    return label_name(key)
