"""Editors' pages for texts: the list by where each is used, one text with its variations and buttons,
the check while typing, a preview, publishing (live for the next message), history and rollback.

Plain HTML forms that work without JavaScript; ``static/editor.js`` adds the check while typing (it
posts the form to ``.../controle`` and shows the JSON answer). Everything goes through ``bot.texts.store``.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from bot.accounts.users import Account
from bot.texts import check, live, store
from bot.texts.catalog import load_catalog
from bot.texts.resources import current_resources
from bot.web.auth import EDITOR, EDITOR_ROLES, error_page, record, render, requires, say
from bot.web.keys import DB

PREFIX = EDITOR
MAX_BUTTONS_SHOWN = store.MAX_BUTTONS
# Conditions of a variation (domain.yml) and the text that says when it is used (editor.condition.*).
CONDITIONS = {("about_other", True): "about_other", ("person_hint", None): "no_name",
              ("contact_channel", "visit"): "visit"}
NOTICES = {"gepubliceerd": "editor.texts.published", "teruggezet": "editor.texts.rolled_back"}


def text_url(name: str) -> str:
    return f"{PREFIX}/teksten/{quote(name, safe='')}"


def condition_text(condition: list[dict[str, Any]] | None, engine: Any) -> str:
    if not condition:
        return ""
    parts = [live.text("editor.condition." + CONDITIONS.get((c.get("name"), c.get("value")), "other"), engine,
                       slot=c.get("name"), slot_value=c.get("value")) for c in condition]
    return "; ".join(parts)


def example_values(engine: Any) -> dict[str, str]:
    """What a preview fills in: the municipality's details, and markers for the resident's words."""
    municipality = current_resources(engine)["municipality"]
    return {
        "municipality_phone": str(municipality["phone"]),
        "municipality_phone_hours": str(municipality.get("phone_hours", "")),
        "municipality_walk_in": str(municipality.get("walk_in", "")),
        "municipality_walk_in_hours": str(municipality.get("walk_in_hours", "")),
        "municipality_info_url": str(municipality.get("general_info_url", "")),
        "privacy_url": str(municipality.get("privacy_url", "")),
        "response_days": str(municipality.get("response_days", "")),
        "municipality": str(municipality.get("name", "")),
        "phone": str(municipality["phone"]),
        "person": "uw vader", "person_hint": "uw vader", "note_reference": "NST-7K3Q",
        "summary_link": "https://…/samenvatting/…",
    }


def fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})",
                  lambda m: values.get(m.group(1), f"[{m.group(1)}]"), text).replace("{{", "{").replace("}}", "}")


def preview(variations: list[dict[str, Any]], engine: Any) -> list[dict[str, Any]]:
    values = example_values(engine)
    return [{"text": fill(v["text"], values), "buttons": [fill(b["title"], values) for b in v.get("buttons", [])],
             "condition": condition_text(v.get("condition"), engine)} for v in variations]


def _int(value: Any, default: int, high: int) -> int:
    try:
        return max(0, min(high, int(str(value))))
    except ValueError:
        return default


def variations_from_form(form: MultiDictProxy) -> list[dict[str, Any]]:
    """The variations in the form, in order, without those marked for removal (shape checked by the store)."""
    count = _int(form.get("aantal"), 0, store.MAX_VARIATIONS + 1)
    variations = []
    for i in range(count):
        if form.get(f"v{i}_weg"):
            continue
        variation: dict[str, Any] = {"text": str(form.get(f"v{i}_tekst", ""))}
        buttons = []
        for j in range(_int(form.get(f"v{i}_knoppen"), 0, MAX_BUTTONS_SHOWN)):
            title, payload = str(form.get(f"v{i}_k{j}_titel", "")), str(form.get(f"v{i}_k{j}_waarde", ""))
            if payload:
                buttons.append({"title": title, "payload": payload})
        if buttons:
            variation["buttons"] = buttons
        condition = str(form.get(f"v{i}_voorwaarde", ""))
        if condition:
            try:
                variation["condition"] = json.loads(condition)
            except ValueError:
                variation["condition"] = condition  # refused by the store with a clear message
        variations.append(variation)
    return variations


def _form_rows(variations: list[dict[str, Any]], engine: Any) -> list[dict[str, Any]]:
    return [{"text": v.get("text", ""), "buttons": v.get("buttons", []),
             "condition_json": json.dumps(v["condition"]) if v.get("condition") else "",
             "condition": condition_text(v.get("condition"), engine)} for v in variations]


def _findings_by_variation(report: check.Report | None) -> dict[int | None, list[check.Finding]]:
    grouped: dict[int | None, list[check.Finding]] = {}
    for finding in report.findings if report else []:
        grouped.setdefault(finding.variation, []).append(finding)
    return grouped


# -- the list ----------------------------------------------------------------------------------------

@requires(*EDITOR_ROLES)
async def text_list(request: web.Request, account: Account) -> web.Response:
    query = request.query.get("zoek", "").strip()[:80]
    views = await asyncio.to_thread(store.list_texts, request.app[DB])
    lowered = query.lower()
    groups: dict[str, list[store.TextView]] = {}
    for view in views:
        haystack = " ".join([view.name, view.base.usage, *(v["text"] for v in view.variations)]).lower()
        if not lowered or lowered in haystack:
            groups.setdefault(view.base.group, []).append(view)
    ordered = [(g, groups[g]) for g, _ in load_catalog().groups() if g in groups]
    return await render(request, "editor/texts.html", account, nav="texts", groups=ordered, query=query,
                        total=sum(len(v) for v in groups.values()), text_url=text_url)


# -- one text ----------------------------------------------------------------------------------------

async def _page(request: web.Request, account: Account, name: str, *, variations: list[dict[str, Any]] | None = None,
                report: check.Report | None = None, status: int = 200, error: str | None = None,
                show_preview: bool = False, revision: int | None = None) -> web.Response:
    engine = request.app[DB]

    def work() -> tuple[store.TextView, list[store.Revision], check.Report]:
        view = store.current(engine, name)
        shown = variations if variations is not None else view.variations
        checked = report
        if checked is None:
            try:
                checked = store.check_variations(engine, name, shown)[1]
            except store.TextError:
                checked = None
        return view, store.history(engine, name), checked

    try:
        view, history, checked = await asyncio.to_thread(work)
    except store.UnknownText:
        return await error_page(request, account, 404, say(request, "editor.texts.not_found_title"),
                                say(request, "editor.texts.not_found"))
    shown = variations if variations is not None else view.variations
    notice = NOTICES.get(request.query.get("klaar", ""))
    notice = say(request, notice) if notice else None
    blocking = [f.variation for f in (checked.blocking if checked else [])]
    first_error = None if not blocking else "bevindingen-tekst" if None in blocking else f"variant-{min(blocking)}"
    return await render(
        request, "editor/text.html", account, status=status, nav="texts", view=view, rows=_form_rows(shown, engine),
        report=checked, by_variation=_findings_by_variation(checked), error=error, notice=notice,
        first_error=first_error,
        preview=preview(shown, engine) if show_preview or variations is not None else None, history=history,
        revision=view.revision_id if revision is None else revision, text_url=text_url(name),
        placeholders=store.shipped_placeholders(view.base),
        can_add=view.base.is_response and len(shown) < store.MAX_VARIATIONS)


@requires(*EDITOR_ROLES)
async def text_page(request: web.Request, account: Account) -> web.Response:
    return await _page(request, account, request.match_info["name"])


@requires(*EDITOR_ROLES)
async def text_submit(request: web.Request, account: Account) -> web.Response:
    """One form, three buttons: show the preview and check, add a variation, or publish."""
    name = request.match_info["name"]
    form = await request.post()
    variations = variations_from_form(form)
    revision = _int(form.get("revisie"), 0, 2**31)
    action = str(form.get("doe", "bekijk"))
    if action == "variant" and name in load_catalog() and load_catalog()[name].is_response:
        variations.append({"text": ""})
        return await _page(request, account, name, variations=variations, revision=revision)
    if action != "publiceer":
        return await _page(request, account, name, variations=variations, revision=revision, show_preview=True)
    engine = request.app[DB]
    try:
        await asyncio.to_thread(store.publish, engine, name, variations, actor=account.name, via="web",
                                expected_revision=revision)
    except store.Refused as refused:
        codes = ",".join(sorted({f.code for f in refused.report.blocking}))
        await record(request, account, "texts.refused", status_code=422, detail=f"{name}: {codes}"[:200])
        return await _page(request, account, name, variations=variations, report=refused.report, status=422,
                           revision=revision, error=say(request, "editor.texts.not_published"))
    except store.UnknownText:
        return await _page(request, account, name)
    except store.TextError as problem:
        return await _page(request, account, name, variations=variations, status=409 if isinstance(
            problem, store.Conflict) else 400, error=str(problem), revision=revision)
    await record(request, account, "texts.publish", status_code=200, detail=name[:200])
    raise web.HTTPSeeOther(text_url(name) + "?klaar=gepubliceerd")


@requires(*EDITOR_ROLES)
async def text_check(request: web.Request, account: Account) -> web.Response:
    """The check and preview as JSON, for the check while typing (static/editor.js)."""
    name = request.match_info["name"]
    form = await request.post()
    try:
        variations, report = await asyncio.to_thread(store.check_variations, request.app[DB], name,
                                                     variations_from_form(form))
    except store.UnknownText:
        return web.json_response({"error": say(request, "editor.texts.not_found")}, status=404)
    except store.TextError as problem:
        return web.json_response({"ok": False, "error": str(problem), "findings": [], "preview": []})
    return web.json_response({**report.as_dict(), "preview": preview(variations, request.app[DB])},
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


@requires(*EDITOR_ROLES)
async def text_rollback(request: web.Request, account: Account) -> web.Response:
    name = request.match_info["name"]
    form = await request.post()
    revision = _int(form.get("versie"), -1, 2**31)
    engine = request.app[DB]
    try:
        await asyncio.to_thread(store.rollback, engine, name, revision, actor=account.name, via="web")
    except store.UnknownText:
        return await _page(request, account, name)
    except store.TextError as problem:
        return await _page(request, account, name, status=400, error=str(problem))
    await record(request, account, "texts.rollback", status_code=200, detail=f"{name} -> #{revision}"[:200])
    raise web.HTTPSeeOther(text_url(name) + "?klaar=teruggezet")


def setup(app: web.Application, prefix: str) -> None:
    router = app.router
    router.add_get(prefix + "/", text_list, name="editor_texts")
    router.add_get(prefix + "/teksten/{name}", text_page, name="editor_text")
    router.add_post(prefix + "/teksten/{name}", text_submit)
    router.add_post(prefix + "/teksten/{name}/controle", text_check)
    router.add_post(prefix + "/teksten/{name}/terugzetten", text_rollback)
