"""What Naast understands: intents and their examples, new topics, conversation paths, publishing
(admin), versions and rollback, and the de-identified messages Naast did not understand.

Every change is a draft in Naast's database, checked with Rasa's validation before it is saved
(``bot.training.validation``); a change made on an old version of a draft is refused with 409
(``bot.training.drafts``). Publishing trains and tests in the background (``bot.training.publish``);
the page shows the progress and, when it fails, why; the running model stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.accounts.users import Account
from bot.learning import store as learning
from bot.texts import live
from bot.training import drafts as draft_store
from bot.training import publish
from bot.training.drafts import Change, Draft, DraftConflict, DraftError
from bot.training.flows import flows, intent_label
from bot.training.project import base_examples, intents
from bot.training.switch import model_id
from bot.training.validation import Finding, validate
from bot.web.auth import EDITOR, EDITOR_ROLES, error_page, record, render, requires, say
from bot.web.keys import DB, RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable

logger = logging.getLogger(__name__)
PUBLISHER = web.AppKey("publisher", publish.Publisher)
BASE = EDITOR + "/begrip"
# Set only by the safety screen or the fallback classifier: editors do not add examples to these.
NOT_EDITABLE = {"nlu_fallback", "too_long", "crisis_suicide", "crisis_violence", "crisis_acute"}
SAVED = {"opgeslagen": "saved", "nieuw": "new_topic", "voorbeeld": "example_added", "opzij": "set_aside",
         "teruggezet": "rolled_back"}  # ?klaar=... -> the notice editor.understanding.*


def _db(request: web.Request) -> Any:
    return request.config_dict[DB]


def _say(request: web.Request, key: str) -> str:
    return say(request, "editor.understanding." + key)


def _saved(request: web.Request) -> str | None:
    key = SAVED.get(request.query.get("klaar", ""))
    return _say(request, key) if key else None


async def _not_found(request: web.Request, account: Account, key: str) -> web.Response:
    return await error_page(request, account, 404, _say(request, "not_found_title"), _say(request, key))


def editable_intents(drafts: list[Draft]) -> list[str]:
    names = [name for name in intents() if name not in NOT_EDITABLE]
    return names + [d.intent for d in drafts if d.new and d.intent not in names]


async def _drafts(request: web.Request) -> list[Draft]:
    return await asyncio.to_thread(draft_store.all_drafts, _db(request))


async def _rasa_status(request: web.Request) -> dict[str, Any]:
    try:
        return await request.config_dict[RASA].status()
    except RasaUnavailable:
        return {}


async def _running_model(request: web.Request) -> str | None:
    return (await _rasa_status(request)).get("model_file")


async def _overview(request: web.Request, account: Account, status: int = 200, **values: Any) -> web.Response:
    drafts = await _drafts(request)
    by_intent = {d.intent: d for d in drafts}
    examples = base_examples()
    rows = [{"intent": name, "label": intent_label(name), "examples": len(examples.get(name, ())),
             "draft": by_intent.get(name)} for name in editable_intents(drafts)]
    engine = _db(request)
    return await render(request, "editor/understanding/overview.html", account, status=status, rows=rows,
                        open_drafts=[d for d in drafts if d.state == "open"],
                        versions=await asyncio.to_thread(publish.versions, engine),
                        live=await asyncio.to_thread(publish.live_version, engine),
                        running=await _running_model(request), busy=request.app[PUBLISHER].busy, **values)


@requires(*EDITOR_ROLES)
async def overview(request: web.Request, account: Account) -> web.Response:
    return await _overview(request, account, message=_saved(request),
                           error=request.query.get("fout"))


async def _intent_page(request: web.Request, account: Account, intent: str, status: int = 200,
                       **values: Any) -> web.Response:
    draft = await asyncio.to_thread(draft_store.get_draft, _db(request), intent)
    return await render(request, "editor/understanding/intent.html", account, status=status, intent=intent,
                        label=intent_label(intent), base=base_examples().get(intent, ()), draft=draft,
                        message=_saved(request), **values)


def _known(intent: str, drafts: list[Draft]) -> bool:
    return intent in editable_intents(drafts)


@requires(*EDITOR_ROLES)
async def intent_page(request: web.Request, account: Account) -> web.Response:
    intent = request.match_info["intent"]
    if not _known(intent, await _drafts(request)):
        return await _not_found(request, account, "unknown_topic")
    return await _intent_page(request, account, intent)


def _version(value: Any) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return -1


async def _check_and_save(request: web.Request, account: Account, draft: Draft, expected: int) -> list[Finding]:
    """Rasa's validation on the project with ``draft`` in place of its old self; saved when clean."""
    others = [d for d in await _drafts(request) if d.intent != draft.intent]
    findings = await asyncio.to_thread(validate, [*others, draft])
    if not findings:
        await asyncio.to_thread(draft_store.save_draft, _db(request), draft, expected_version=expected,
                                editor=account.name)
    return findings


@requires(*EDITOR_ROLES)
async def change_intent(request: web.Request, account: Account) -> web.Response:
    intent = request.match_info["intent"]
    drafts = await _drafts(request)
    if not _known(intent, drafts):
        return await _not_found(request, account, "unknown_topic")
    form = await request.post()
    expected = _version(form.get("versie"))
    typed = str(form.get("voorbeelden", ""))[:5000]
    current = next((d for d in drafts if d.intent == intent), Draft(intent))
    try:
        change = Change(
            add_examples=[draft_store.clean_text(line, limit=draft_store.MAX_EXAMPLE_CHARS, what="example")
                          for line in typed.splitlines() if line.strip()],
            remove_example=str(form["verwijder"]) if form.get("verwijder") else None,
            response=(draft_store.clean_text(str(form["antwoord"]), limit=draft_store.MAX_RESPONSE_CHARS,
                                             what="answer") if "antwoord" in form else None))
        if not change.add_examples and change.remove_example is None and change.response is None:
            raise DraftError(_say(request, "no_example"))
        if expected != current.version:
            raise DraftConflict(current)
        findings = await _check_and_save(request, account, change.apply(current), expected)
    except DraftConflict as conflict:
        return await _intent_page(request, account, intent, status=409, error=str(conflict), typed=typed)
    except DraftError as error:
        return await _intent_page(request, account, intent, status=422, error=str(error), typed=typed)
    if findings:
        return await _intent_page(request, account, intent, status=422, findings=findings, typed=typed)
    raise web.HTTPSeeOther(f"{BASE}/onderwerp/{intent}?klaar=opgeslagen")


@requires(*EDITOR_ROLES)
async def new_topic(request: web.Request, account: Account) -> web.Response:
    form = await request.post()
    values = {k: str(form.get(k, ""))[:5000] for k in ("titel", "voorbeelden", "antwoord")}
    drafts = await _drafts(request)
    try:
        title = draft_store.clean_text(values["titel"], limit=60, what="title")
        examples = [draft_store.clean_text(line, limit=draft_store.MAX_EXAMPLE_CHARS, what="example")
                    for line in values["voorbeelden"].splitlines() if line.strip()]
        if not examples:
            raise DraftError(_say(request, "no_example_new"))
        response = draft_store.clean_text(values["antwoord"], limit=draft_store.MAX_RESPONSE_CHARS, what="answer")
        name = draft_store.new_intent_name(title, set(intents()) | {d.intent for d in drafts})
        findings = await _check_and_save(request, account, Draft(name, tuple(examples), True, title, response), 0)
    except DraftError as error:
        findings = [Finding(None, str(error))]
    if findings:
        return await _overview(request, account, status=422, findings_new=findings, new_values=values)
    raise web.HTTPSeeOther(f"{BASE}?klaar=nieuw")


@requires(*EDITOR_ROLES)
async def flows_page(request: web.Request, account: Account) -> web.Response:
    drafts = await _drafts(request)
    intent = request.query.get("onderwerp", "")
    shown = [f for f in flows(drafts) if not intent or intent in f.intents]
    return await render(request, "editor/understanding/flows.html", account, flows=shown, intent=intent,
                        label=intent_label(intent) if intent else "")


@requires("admin")
async def start_publish(request: web.Request, account: Account) -> web.Response:
    try:
        version_id = await request.app[PUBLISHER].start(account.name)
    except publish.PublishError as error:
        from urllib.parse import quote

        raise web.HTTPSeeOther(f"{BASE}?fout={quote(str(error))}") from None
    await record(request, account, "model_publish", detail=f"versie {version_id}")
    raise web.HTTPSeeOther(f"{BASE}/versies/{version_id}")


async def _version_state(request: web.Request, version_id: int) -> dict[str, Any] | None:
    engine = _db(request)
    version = await asyncio.to_thread(publish.get_version, engine, version_id)
    if version is None:
        return None
    live = await asyncio.to_thread(publish.live_version, engine)
    status = await _rasa_status(request)
    path = publish.absolute_model_path(version)
    ours = await asyncio.to_thread(model_id, path) if path else None
    return {"version": version, "is_published": live is not None and live.id == version.id,
            "is_running": bool(ours) and status.get("model_id") == ours, "running": status.get("model_file")}


@requires(*EDITOR_ROLES)
async def version_page(request: web.Request, account: Account) -> web.Response:
    state = await _version_state(request, _version(request.match_info["id"]))
    if state is None:
        return await _not_found(request, account, "unknown_version")
    return await render(request, "editor/understanding/version.html", account, **state,
                        message=_saved(request))


@requires(*EDITOR_ROLES)
async def version_status(request: web.Request, account: Account) -> web.Response:
    state = await _version_state(request, _version(request.match_info["id"]))
    if state is None:
        return web.json_response({"error": _say(request, "unknown_version")}, status=404)
    version = state["version"]
    return web.json_response({"id": version.id, "status": version.status, "stage": version.stage,
                              "progress": version.progress, "published": state["is_published"],
                              "running": state["is_running"], "reason": version.report.get("reason")})


@requires("admin")
async def rollback(request: web.Request, account: Account) -> web.Response:
    version_id = _version(request.match_info["id"])
    try:
        await asyncio.to_thread(publish.rollback, _db(request), version_id, account.name)
    except publish.PublishError as error:
        from urllib.parse import quote

        raise web.HTTPSeeOther(f"{BASE}?fout={quote(str(error))}") from None
    await record(request, account, "model_rollback", detail=f"versie {version_id}")
    raise web.HTTPSeeOther(f"{BASE}/versies/{version_id}?klaar=teruggezet")


@requires(*EDITOR_ROLES)
async def messages_page(request: web.Request, account: Account) -> web.Response:
    groups = await asyncio.to_thread(learning.grouped, _db(request))
    return await render(request, "editor/understanding/messages.html", account, groups=groups,
                        intents=[(n, intent_label(n)) for n in editable_intents(await _drafts(request))],
                        reasons=live.strings("editor.messages.reason.", request.app[DB]), message=_saved(request))


@requires(*EDITOR_ROLES)
async def handle_message(request: web.Request, account: Account) -> web.Response:
    engine = _db(request)
    message = await asyncio.to_thread(learning.get, engine, _version(request.match_info["id"]))
    if message is None:
        return await _not_found(request, account, "unknown_message")
    form = await request.post()
    if form.get("opzij"):
        await asyncio.to_thread(learning.mark_handled, engine, [message.id], "-", account.name)
        raise web.HTTPSeeOther(f"{BASE}/niet-begrepen?klaar=opzij")
    intent = str(form.get("onderwerp", ""))
    drafts = await _drafts(request)
    if not _known(intent, drafts):
        return await _messages_error(request, account, _say(request, "choose_topic"))
    for _attempt in range(3):  # adding an example commutes with other editors' additions: retry on conflict
        current = await asyncio.to_thread(draft_store.get_draft, engine, intent)
        try:
            findings = await _check_and_save(request, account, Change(add_examples=[message.text]).apply(current),
                                             current.version)
            break
        except DraftConflict:
            continue
    else:
        return await _messages_error(request, account, _say(request, "busy_topic"))
    if findings:
        return await _messages_error(request, account, " ".join(f.message for f in findings))
    await asyncio.to_thread(learning.mark_handled, engine, [message.id], intent, account.name)
    raise web.HTTPSeeOther(f"{BASE}/niet-begrepen?klaar=voorbeeld")


async def _messages_error(request: web.Request, account: Account, text: str) -> web.Response:
    groups = await asyncio.to_thread(learning.grouped, _db(request))
    return await render(request, "editor/understanding/messages.html", account, status=422, groups=groups, error=text,
                        intents=[(n, intent_label(n)) for n in editable_intents(await _drafts(request))],
                        reasons=live.strings("editor.messages.reason.", request.app[DB]))


async def _deidentify_forever(app: web.Application) -> None:
    """Replace waiting messages by their de-identified text, a few seconds after Rasa recorded them."""
    settings = app[SETTINGS]
    while True:
        try:
            done = await asyncio.to_thread(learning.deidentify_pending, app[DB], settings.deduce_cache_dir)
        except Exception:  # noqa: BLE001 - the job must survive; no message text in the log
            logger.exception("de-identification failed; trying again")
            done = 0
        await asyncio.sleep(0.2 if done else 3)


async def _jobs(app: web.Application) -> AsyncIterator[None]:
    publisher = app[PUBLISHER]
    with contextlib.suppress(Exception):  # a database not migrated yet has nothing stale
        await asyncio.to_thread(publisher.fail_stale)
    task = asyncio.create_task(_deidentify_forever(app))
    yield
    task.cancel()
    for job in (task, publisher.task):
        if job is not None:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job


def setup(app: web.Application, prefix: str) -> None:
    app[PUBLISHER] = publish.Publisher(app[DB], app[SETTINGS])
    app.cleanup_ctx.append(_jobs)
    router = app.router
    base = prefix + "/begrip"
    router.add_get(base, overview, name="understanding")
    router.add_get(base + "/onderwerp/{intent}", intent_page, name="understanding_intent")
    router.add_post(base + "/onderwerp/{intent}", change_intent)
    router.add_post(base + "/nieuw", new_topic)
    router.add_get(base + "/paden", flows_page, name="understanding_flows")
    router.add_post(base + "/publiceren", start_publish)
    router.add_get(base + "/versies/{id}", version_page, name="understanding_version")
    router.add_get(base + "/versies/{id}/status", version_status)
    router.add_post(base + "/versies/{id}/terugzetten", rollback)
    router.add_get(base + "/niet-begrepen", messages_page, name="understanding_messages")
    router.add_post(base + "/niet-begrepen/{id}", handle_message)
