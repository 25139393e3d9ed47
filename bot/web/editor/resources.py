"""Editors' page for the crisis lines and the municipality's details (config/resources.yml + edits):
each with the date it was last checked, a warning when that is longer ago than
NAAST_RESOURCE_MAX_AGE_DAYS, and a form to change it or confirm it is still right (today's date)."""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web

from bot.accounts.users import Account
from bot.texts import resources
from bot.web.auth import EDITOR, EDITOR_ROLES, record, render, requires
from bot.web.keys import DB, SETTINGS

PAGE = EDITOR + "/hulplijnen"


@requires(*EDITOR_ROLES)
async def resources_page(request: web.Request, account: Account, *, error: str | None = None,
                         error_key: str | None = None, status: int = 200) -> web.Response:
    max_age = request.app[SETTINGS].resource_max_age_days
    entries = await asyncio.to_thread(resources.entries, request.app[DB])
    today = dt.date.today()
    stale = {e.key for e in entries if resources.is_stale(e, max_age, today)}
    saved = request.query.get("klaar", "")
    return await render(request, "editor/resources.html", account, status=status, nav="resources", entries=entries,
                        stale=stale, max_age=max_age, today=today, saved=saved, error=error, error_key=error_key)


@requires(*EDITOR_ROLES)
async def resource_save(request: web.Request, account: Account) -> web.Response:
    key = request.match_info["key"]
    form = await request.post()
    values = {name[len("veld_"):]: str(value) for name, value in form.items() if name.startswith("veld_")}
    try:
        await asyncio.to_thread(resources.save, request.app[DB], key, values, account.name)
    except resources.ResourceError as problem:
        return await resources_page.__wrapped__(request, account, error=str(problem), error_key=key, status=400)
    await record(request, account, "resources.save", status_code=200, detail=key[:200])
    raise web.HTTPSeeOther(f"{PAGE}?klaar={key}#{key}")


def setup(app: web.Application, prefix: str) -> None:
    router = app.router
    router.add_get(prefix + "/hulplijnen", resources_page, name="editor_resources")
    router.add_post(prefix + "/hulplijnen/{key}", resource_save)
