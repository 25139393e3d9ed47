"""Editors' page for the word lists of the check: official words (advice) and decision or promise
words (block publishing). The shipped lists stay; editors add words, which count for every next check."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.accounts.users import Account
from bot.texts import check, store
from bot.web.auth import EDITOR, EDITOR_ROLES, record, render, requires, say
from bot.web.keys import DB

PAGE = EDITOR + "/woorden"
LISTS = ("official", "decision")  # their titles: editor.words.*


@requires(*EDITOR_ROLES)
async def words_page(request: web.Request, account: Account, *, error: str | None = None,
                     error_list: str | None = None, status: int = 200) -> web.Response:
    engine = request.app[DB]
    added = {name: await asyncio.to_thread(store.added_words, engine, name) for name in LISTS}
    shipped = {"official": check.official_words(), "decision": check.decision_words()}
    return await render(request, "editor/words.html", account, status=status, nav="words",
                        lists={key: say(request, "editor.words." + key) for key in LISTS},
                        added=added, shipped=shipped, error=error, error_list=error_list,
                        saved=request.query.get("klaar", ""))


@requires(*EDITOR_ROLES)
async def word_add(request: web.Request, account: Account) -> web.Response:
    list_name = request.match_info["list"]
    form = await request.post()
    try:
        word = await asyncio.to_thread(store.add_word, request.app[DB], list_name, str(form.get("woord", ""))[:200],
                                       account.name)
    except store.TextError as problem:
        return await words_page.__wrapped__(request, account, error=str(problem), error_list=list_name, status=400)
    await record(request, account, "texts.word", status_code=200, detail=f"{list_name}: {word}"[:200])
    raise web.HTTPSeeOther(f"{PAGE}?klaar={list_name}#{list_name}")


def setup(app: web.Application, prefix: str) -> None:
    router = app.router
    router.add_get(prefix + "/woorden", words_page, name="editor_words")
    router.add_post(prefix + "/woorden/{list}", word_add)
