"""The editor's understanding pages: drafts checked by Rasa's validator, 409 on a stale version, roles,
new topics, readable conversation paths (the web app with a real database; Rasa's validator is real)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot.training import drafts as draft_store
from tests.editor.conftest import editor_login, page_token

VERSION = re.compile(r'name="versie" value="(\d+)"')


def _engine(client: TestClient):  # noqa: ANN202 - the app's engine
    from bot.web.keys import DB

    return client.server.app[DB]


async def test_pages_need_an_editor_or_admin_log_in(client: TestClient) -> None:
    response = await client.get("/redactie/begrip", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/redactie/inloggen?volgende=")
    assert (await editor_login(client, "anna")).status == 303  # a professional: the one log-in works ...
    refused = await client.get("/redactie/begrip")  # ... but the editors' pages are not for her
    assert refused.status == 403 and "rol redacteur" in await refused.text()
    assert (await client.get("/redactie/", allow_redirects=False)).status == 403
    client.session.cookie_jar.clear()
    assert (await editor_login(client, "eva")).status == 303
    page = await client.get("/redactie/begrip")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    html = await page.text()
    assert "Wat Naast begrijpt" in html and 'id="publiceren"' not in html  # only admins publish


async def test_an_editor_cannot_publish_and_a_form_without_its_token_is_refused(client: TestClient) -> None:
    await editor_login(client, "eva")
    _, token = await page_token(client, "/redactie/begrip")
    refused = await client.post("/redactie/begrip/publiceren", data={"csrf_token": token})
    assert refused.status == 403 and "alleen voor beheerders" in await refused.text()
    response = await client.post("/redactie/begrip/onderwerp/greet", data={"versie": "0", "voorbeelden": "hoi hoi"})
    assert response.status == 403 and "Formulier verlopen" in await response.text()
    assert draft_store.get_draft(_engine(client), "greet").examples == ()


async def test_an_admin_may_publish(client: TestClient) -> None:
    """The publish button is there for an admin, and the request reaches the publisher (with nothing to
    publish it says so; publishing itself is tests/browser/test_editor_publish.py)."""
    await editor_login(client, "beheer")
    html, token = await page_token(client, "/redactie/begrip")
    assert ">Publiceren</a>" in html  # the admin's menu has it
    started = await client.post("/redactie/begrip/publiceren", data={"csrf_token": token}, allow_redirects=False)
    assert started.status == 303 and started.headers["Location"].startswith("/redactie/begrip?fout=")
    assert "geen nieuwe wijzigingen" in await (await client.get(started.headers["Location"])).text()


async def test_an_example_is_checked_by_rasa_and_saved_as_a_draft(client: TestClient, engine) -> None:  # noqa: ANN001
    await editor_login(client, "eva")
    html, token = await page_token(client, "/redactie/begrip/onderwerp/greet")
    saved = await client.post("/redactie/begrip/onderwerp/greet", data={
        "csrf_token": token, "versie": VERSION.search(html).group(1), "voorbeelden": "goeiesmorgens allemaal\n\n"},
        allow_redirects=False)
    assert saved.status == 303, await saved.text()
    draft = draft_store.get_draft(engine, "greet")
    assert draft.examples == ("goeiesmorgens allemaal",) and draft.version == 1 and draft.updated_by == "eva"
    # "doei" is an example of goodbye: Rasa's validator finds it under two intents; nothing is saved.
    html, token = await page_token(client, "/redactie/begrip/onderwerp/greet")
    refused = await client.post("/redactie/begrip/onderwerp/greet", data={
        "csrf_token": token, "versie": "1", "voorbeelden": "doei"})
    text = await refused.text()
    assert refused.status == 422
    assert "staat al bij een ander onderwerp (goodbye, greet)" in text and ">doei</textarea>" in text
    assert draft_store.get_draft(engine, "greet").examples == ("goeiesmorgens allemaal",)


async def test_two_editors_do_not_overwrite_each_other(client: TestClient, engine) -> None:  # noqa: ANN001
    await editor_login(client, "eva")
    html, token = await page_token(client, "/redactie/begrip/onderwerp/thank")
    version = VERSION.search(html).group(1)
    first = await client.post("/redactie/begrip/onderwerp/thank", data={
        "csrf_token": token, "versie": version, "voorbeelden": "heel erg bedankt hoor"}, allow_redirects=False)
    assert first.status == 303
    # The second editor's form was loaded on the same version.
    second = await client.post("/redactie/begrip/onderwerp/thank", data={
        "csrf_token": token, "versie": version, "voorbeelden": "merci voor de moeite"})
    text = await second.text()
    assert second.status == 409
    assert "Iemand anders heeft dit onderwerp net ook aangepast" in text
    assert ">merci voor de moeite</textarea>" in text  # nothing the editor typed is lost
    assert draft_store.get_draft(engine, "thank").examples == ("heel erg bedankt hoor",)


async def test_a_new_topic_gets_an_intent_an_answer_and_a_readable_path(client: TestClient, engine) -> None:  # noqa: ANN001
    await editor_login(client, "eva")
    _, token = await page_token(client, "/redactie/begrip")
    empty = await client.post("/redactie/begrip/nieuw", data={"csrf_token": token, "titel": "Afval",
                                                            "voorbeelden": "", "antwoord": "Kijk op de kalender."})
    assert empty.status == 422 and "minstens één voorbeeldzin" in await empty.text()
    saved = await client.post("/redactie/begrip/nieuw", data={
        "csrf_token": token, "titel": "Grofvuil ophalen",
        "voorbeelden": "wanneer halen jullie grofvuil op\nik wil een bank laten ophalen",
        "antwoord": "Grofvuil laat u ophalen via de website van de gemeente."}, allow_redirects=False)
    assert saved.status == 303, await saved.text()
    draft = draft_store.get_draft(engine, "vraag_grofvuil_ophalen")
    assert draft.new and len(draft.examples) == 2
    flows = await (await client.get("/redactie/begrip/paden?onderwerp=vraag_grofvuil_ophalen")).text()
    assert "Grofvuil laat u ophalen via de website van de gemeente." in flows
    assert "wanneer halen jullie grofvuil op" in flows
    every = await (await client.get("/redactie/begrip/paden")).text()
    assert "Naast zegt" in every and "steps:" not in every and "- intent:" not in every
