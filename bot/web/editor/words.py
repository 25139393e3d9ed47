"""Editors' page for the word lists of the check: official words (advice) and decision or promise
words (block publishing). The shipped lists stay; editors add words, which count for every next check."""

from __future__ import annotations

from aiohttp import web

from bot.accounts import audit
from bot.accounts.users import Account
from bot.texts import check, store
from bot.web.editor.common import db, editor_only, render, run
from bot.web.inbox.auth import client_ip

PAGE = "/inbox/redactie/woorden"
LISTS = {"official": "Ambtelijke woorden", "decision": "Woorden van beslissen of beloven"}


@editor_only
async def words_page(request: web.Request, account: Account, *, error: str | None = None,
                     error_list: str | None = None, status: int = 200) -> web.Response:
    engine = db(request)
    added = {name: await run(store.added_words, engine, name) for name in LISTS}
    shipped = {"official": check.official_words(), "decision": check.decision_words()}
    return await render(request, "editor/words.html", account, status=status, nav="words", lists=LISTS,
                        added=added, shipped=shipped, error=error, error_list=error_list,
                        saved=request.query.get("klaar", ""))


@editor_only
async def word_add(request: web.Request, account: Account) -> web.Response:
    list_name = request.match_info["list"]
    form = await request.post()
    try:
        word = await run(store.add_word, db(request), list_name, str(form.get("woord", ""))[:200], account.name)
    except store.TextError as problem:
        return await words_page.__wrapped__(request, account, error=str(problem), error_list=list_name, status=400)
    await run(audit.record, db(request), actor=account.name, via="web", action="texts.word", status_code=200,
              ip=client_ip(request), detail=f"{list_name}: {word}"[:200])
    raise web.HTTPSeeOther(f"{PAGE}?klaar={list_name}#{list_name}")


def setup(router: web.UrlDispatcher, prefix: str) -> None:
    router.add_get(prefix + "/woorden", words_page, name="editor_words")
    router.add_post(prefix + "/woorden/{list}", word_add)
