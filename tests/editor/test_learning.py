"""Part 5: messages Naast did not understand, de-identified (real deduce), grouped, turned into an
example with one click; never shown raw; deleted with the conversations' retention and by a wipe."""

from __future__ import annotations

import datetime as dt

import pytest
from aiohttp.test_utils import TestClient

from bot.db import session_scope, utcnow
from bot.inbox.retention import purge
from bot.learning import store
from bot.learning.deid import deidentify, elf_proof, own_patterns
from bot.learning.tables import UnderstoodRow
from bot.training import drafts as draft_store
from tests.editor.conftest import editor_login, page_token

RAW = "Ik ben Anna de Vries, Dorpsstraat 12 Zwolle, bel 06-12345678 of anna@voorbeeld.nl over mijn afvalpas"


def test_bsn_and_iban_are_recognised_by_their_checks() -> None:
    assert elf_proof("111222333") and not elf_proof("111222334") and not elf_proof("000000000")
    text = own_patterns("bsn 111.222.333, fout 111222334, iban NL91 ABNA 0417 1643 00, fout NL91ABNA0417164301")
    assert text == "bsn [BSN], fout 111222334, iban [IBAN], fout NL91ABNA0417164301"


def test_deduce_removes_names_addresses_numbers_and_e_mail(settings) -> None:  # noqa: ANN001
    clean = deidentify(RAW, settings.deduce_cache_dir)
    for secret in ("Anna", "Vries", "Dorpsstraat", "12345678", "anna@voorbeeld.nl", "Zwolle"):
        assert secret not in clean
    assert "[PERSOON-1]" in clean and "afvalpas" in clean


def test_what_counts_as_not_understood() -> None:
    assert store.reason_for({"intent": {"name": "nlu_fallback", "confidence": 0.3}}, False) == "fallback"
    assert store.reason_for({"intent": {"name": "out_of_scope", "confidence": 0.9}}, False) == "out_of_scope"
    assert store.reason_for({"intent": {"name": "greet", "confidence": 0.45}}, False) == "low_confidence"
    assert store.reason_for({"intent": {"name": "greet", "confidence": 0.95}}, False) is None
    assert store.reason_for({"intent": {"name": "nlu_fallback", "confidence": 0.3}}, True) is None  # an answer
    assert store.reason_for({"intent": {"name": "crisis_suicide", "confidence": 1.0}}, False) is None


async def test_an_editor_sees_only_de_identified_groups_and_makes_an_example_in_one_click(
        client: TestClient, engine, settings) -> None:  # noqa: ANN001
    for sender, text in (("a1", RAW), ("a2", "wanneer wordt mijn afvalpas verstuurd"),
                         ("a3", "hoe laat is het zwembad open")):
        store.record(engine, settings.secret_key, sender, text, "out_of_scope", "out_of_scope", 0.8)
    await editor_login(client, "eva")
    html, _ = await page_token(client, "/redactie/begrip/niet-begrepen")
    # Never raw: a waiting row is not shown, and the web app's job may already have de-identified it (with
    # deduce loaded by an earlier test that takes milliseconds, so either state is right here).
    assert "Anna" not in html and "06-12345678" not in html and "anna@voorbeeld.nl" not in html
    store.deidentify_pending(engine, settings.deduce_cache_dir)  # (the web app's job may have done some)
    with session_scope(engine) as session:
        assert session.query(UnderstoodRow).filter(UnderstoodRow.pending.is_(True)).count() == 0
    html, token = await page_token(client, "/redactie/begrip/niet-begrepen")
    assert "Anna" not in html and "06-12345678" not in html and "[PERSOON-1]" in html
    groups = store.grouped(engine)
    assert sorted(len(g.messages) for g in groups) == [1, 2]  # the two afvalpas questions together
    message = next(m for g in groups for m in g.messages if "verstuurd" in m.text)
    response = await client.post(f"/redactie/begrip/niet-begrepen/{message.id}", data={
        "csrf_token": token, "onderwerp": "out_of_scope", "voorbeeld": "1"}, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert "wanneer wordt mijn afvalpas verstuurd" in draft_store.get_draft(engine, "out_of_scope").examples
    assert all("verstuurd" not in m.text for g in store.grouped(engine) for m in g.messages)


def test_retention_and_wipe_delete_the_messages(engine, settings) -> None:  # noqa: ANN001
    store.record(engine, settings.secret_key, "old", "oud bericht", "fallback", "nlu_fallback", 0.2)
    store.record(engine, settings.secret_key, "raw", "nooit geanonimiseerd", "fallback", "nlu_fallback", 0.2)
    store.record(engine, settings.secret_key, "keep", "blijft", "fallback", "nlu_fallback", 0.2)
    store.record(engine, settings.secret_key, "wiped", "wis mij", "fallback", "nlu_fallback", 0.2)
    with session_scope(engine) as session:
        for row in session.query(UnderstoodRow):
            if row.text == "oud bericht":
                row.at, row.pending = utcnow() - dt.timedelta(days=settings.conversation_retention_days + 1), False
            elif row.text == "nooit geanonimiseerd":
                row.at = utcnow() - dt.timedelta(hours=settings.abandoned_conversation_hours + 1)
            else:
                row.pending = False
    purge(engine, settings)
    assert store.forget_conversation(engine, settings.secret_key, "wiped") == 1
    with session_scope(engine) as session:
        assert [row.text for row in session.query(UnderstoodRow)] == ["blijft"]


@pytest.mark.parametrize("reason", ["fallback"])
def test_the_tracker_store_collects_at_the_moment_of_handling(engine, settings, monkeypatch, reason) -> None:  # noqa: ANN001
    """The collector Rasa's tracker store calls: the newest user message, once, not in a form."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.learning.collect import Collector

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NAAST_SECRET_KEY", settings.secret_key)
    collector = Collector()
    message = UserUttered("xyz blabla", {"name": "nlu_fallback", "confidence": 0.2},
                          parse_data={"intent": {"name": "nlu_fallback", "confidence": 0.2}})
    tracker = DialogueStateTracker.from_events("s1", [ActionExecuted("action_listen"), message])
    collector.offer(tracker)
    collector.offer(tracker)  # saved again without a new message: not twice
    collector.drain()
    with session_scope(engine) as session:
        rows = list(session.query(UnderstoodRow))
    assert [(r.text, r.reason, r.pending) for r in rows] == [("xyz blabla", reason, True)]
    assert rows[0].conversation == store.conversation_key(settings.secret_key, "s1") != "s1"
