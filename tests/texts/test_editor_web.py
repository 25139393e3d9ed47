"""The editors' pages and the texts API on the real app (aiohttp test client, SQLite): who may use
them, publishing with the check, preview, history and rollback, crisis lines, word lists, and the API's
PUT with 422 on a hard failure. The browser test (tests/browser/test_editor.py) adds the live chat."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy.engine import Engine

from bot.accounts import users
from bot.texts import store
from tests.inbox.conftest import csrf_from, login

TEXT = "/redactie/teksten/utter_continue_here"


def form(csrf: str, text: str, action: str = "publiceer", revision: int = 0) -> dict[str, str]:
    return {"csrf_token": csrf, "aantal": "1", "revisie": str(revision), "v0_tekst": text, "v0_voorwaarde": "",
            "v0_knoppen": "0", "doe": action}


async def test_only_editors_see_the_editor(client: TestClient) -> None:
    response = await client.get("/redactie/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/redactie/inloggen?volgende=")
    await login(client, "anna")
    assert (await client.get("/redactie/")).status == 403


async def test_an_editor_lands_on_the_texts_grouped_by_where_used(client: TestClient) -> None:
    response = await login(client, "eva")
    assert response.headers["Location"] == "/redactie/"
    page = await (await client.get("/redactie/")).text()
    assert "2. Vragen van het gesprek" in page and "Vraag 3: wat al is geprobeerd" in page
    assert "4. Veiligheid (crisis)" in page
    found = await (await client.get("/redactie/?zoek=Veilig+Thuis")).text()
    assert "Bij geweld of onveiligheid thuis" in found and "Vraag 3: wat al is geprobeerd" not in found


async def test_preview_then_publish_then_rollback(client: TestClient, engine: Engine) -> None:
    await login(client, "eva")
    csrf = await csrf_from(client, TEXT)
    preview = await client.post(TEXT, data=form(csrf, "Prima. Dan gaan we hier verder, {municipality_phone}.",
                                                "bekijk"))
    page = await preview.text()
    assert preview.status == 200 and "Zo ziet de bewoner het" in page and "14 020" in page
    assert not store.current(engine, "utter_continue_here").edited  # a preview publishes nothing

    published = await client.post(TEXT, data=form(csrf, "Prima. Dan gaan we hier verder."), allow_redirects=False)
    assert published.status == 303
    page = await (await client.get(published.headers["Location"])).text()
    assert "Bewoners zien hem bij hun volgende bericht" in page and "eva" in page
    assert store.current(engine, "utter_continue_here").variations[0]["text"] == "Prima. Dan gaan we hier verder."

    csrf = await csrf_from(client, TEXT)
    back = await client.post(TEXT + "/terugzetten", data={"csrf_token": csrf, "versie": "0"}, allow_redirects=False)
    assert back.status == 303
    assert store.current(engine, "utter_continue_here").variations[0]["text"] == "Goed. Dan gaan we hier verder."


async def test_a_decision_word_is_refused_with_the_reason(client: TestClient, engine: Engine) -> None:
    await login(client, "eva")
    csrf = await csrf_from(client, TEXT)
    response = await client.post(TEXT, data=form(csrf, "Goed nieuws: u komt in aanmerking voor hulp."))
    page = await response.text()
    assert response.status == 422
    assert "niet gepubliceerd" in page and "komt in aanmerking" in page and 'aria-invalid="true"' in page
    assert not store.current(engine, "utter_continue_here").edited


async def test_the_check_while_typing(client: TestClient) -> None:
    await login(client, "eva")
    csrf = await csrf_from(client, TEXT)
    answer = await (await client.post(TEXT + "/controle", data=form(csrf, "Indien u wilt, u krijgt hulp."))).json()
    assert answer["ok"] is False
    assert {f["code"] for f in answer["findings"]} >= {"decision_word", "official_word"}
    assert answer["preview"][0]["text"] == "Indien u wilt, u krijgt hulp."


async def test_two_editors_at_once(client: TestClient, engine: Engine) -> None:
    await login(client, "eva")
    csrf = await csrf_from(client, TEXT)
    store.publish(engine, "utter_continue_here", [{"text": "Goed. We gaan hier verder."}], actor="piet", via="web")
    response = await client.post(TEXT, data=form(csrf, "Prima. Dan gaan we hier verder."))
    assert response.status == 409 and "Iemand anders" in await response.text()
    assert store.current(engine, "utter_continue_here").variations[0]["text"] == "Goed. We gaan hier verder."


async def test_a_form_without_csrf_is_refused(client: TestClient, engine: Engine) -> None:
    await login(client, "eva")
    response = await client.post(TEXT, data=form("vals", "Prima."))
    assert response.status == 403 and not store.current(engine, "utter_continue_here").edited


async def test_crisis_lines_with_their_dates(client: TestClient) -> None:
    await login(client, "eva")
    page = await (await client.get("/redactie/hulplijnen")).text()
    assert "Veilig Thuis" in page and "Laatst nagekeken op" in page
    csrf = await csrf_from(client, "/redactie/hulplijnen")
    saved = await client.post("/redactie/hulplijnen/veilig_thuis",
                              data={"csrf_token": csrf, "veld_name": "Veilig Thuis", "veld_phone": "0800-2000"},
                              allow_redirects=False)
    assert saved.status == 303
    empty = await client.post("/redactie/hulplijnen/veilig_thuis",
                              data={"csrf_token": csrf, "veld_name": "Veilig Thuis", "veld_phone": " "})
    assert empty.status == 400 and "mag niet leeg zijn" in await empty.text()


async def test_an_old_check_date_warns(client: TestClient, engine: Engine, settings) -> None:
    import datetime as dt

    from bot.texts import resources

    old = dt.date.today() - dt.timedelta(days=settings.resource_max_age_days + 1)
    resources.save(engine, "geldfit", {}, "eva", today=old)
    await login(client, "eva")
    page = await (await client.get("/redactie/hulplijnen")).text()
    assert f"langer dan {settings.resource_max_age_days} dagen niet nagekeken" in page


async def test_words_can_be_added(client: TestClient, engine: Engine) -> None:
    await login(client, "eva")
    csrf = await csrf_from(client, "/redactie/woorden")
    response = await client.post("/redactie/woorden/official", data={"csrf_token": csrf, "woord": "Voorziening"},
                                 allow_redirects=False)
    assert response.status == 303 and "voorziening" in store.words(engine, "official")


# -- the API -------------------------------------------------------------------------------------------

def bearer(engine: Engine, name: str) -> dict[str, str]:
    token, _ = users.create_token(engine, name)
    return {"Authorization": f"Bearer {token}"}


async def test_api_needs_an_editors_token(client: TestClient, engine: Engine) -> None:
    assert (await client.get("/api/texts")).status == 401
    assert (await client.get("/api/texts", headers=bearer(engine, "zaak"))).status == 403


async def test_api_list_get_and_put(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "eva")
    listing = await (await client.get("/api/texts", headers=headers)).json()
    assert listing["total"] == len(listing["items"])
    assert any(i["name"] == "utter_ask_situation" for i in listing["items"])
    one = await (await client.get("/api/texts/utter_continue_here", headers=headers)).json()
    assert one["revision"] == 0 and one["check"]["ok"] is True

    put = await client.put("/api/texts/utter_continue_here", headers=headers,
                           json={"variations": [{"text": "Prima. Dan gaan we hier verder."}]})
    body = await put.json()
    assert put.status == 200 and body["edited"] and body["revision"] > 0
    assert store.history(engine, "utter_continue_here")[0].via == "api"

    stale = await client.put("/api/texts/utter_continue_here", headers=headers,
                             json={"variations": [{"text": "Goed."}], "revision": 0})
    assert stale.status == 409


async def test_api_put_refuses_a_hard_failure_with_422(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "eva")
    response = await client.put("/api/texts/utter_what_next", headers=headers,
                                json={"variations": [{"text": "U komt in aanmerking voor hulp."}]})
    body = await response.json()
    assert response.status == 422 and body["error"] == "check_failed"
    assert [f["code"] for f in body["findings"] if f["severity"] == "error"] == ["decision_word"]
    assert not store.current(engine, "utter_what_next").edited


async def test_api_bad_bodies(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "eva")
    assert (await client.put("/api/texts/utter_x_unknown", headers=headers, json={"variations": [{"text": "Hoi"}]})
            ).status == 404
    for body in ({}, {"variations": "x"}, {"variations": [{"text": "Hoi"}], "extra": 1}):
        assert (await client.put("/api/texts/utter_continue_here", headers=headers, json=body)).status == 400
    raw = await client.put("/api/texts/utter_continue_here", headers=headers, data=b"{niet json")
    assert raw.status == 400


async def test_api_texts_are_in_the_openapi_description(client: TestClient) -> None:
    spec = await (await client.get("/api/openapi.json")).json()
    assert {"get", "put"} <= set(spec["paths"]["/api/texts/{name}"])
    assert "422" in spec["paths"]["/api/texts/{name}"]["put"]["responses"]


# -- one way to get a text: the web app's, the widget's and the note's texts come from the store --------

async def test_the_widget_gets_its_live_strings_from_the_web_app(client: TestClient, engine: Engine) -> None:
    shipped = (await (await client.get("/api/widget/config")).json())["strings"]
    assert shipped["nl"]["send"] == "Verstuur" and shipped["en"]["send"] == "Send"
    store.publish(engine, "widget.nl.send", [{"text": "Stuur"}], actor="eva", via="web")
    from bot.texts import live

    live.shared(engine).expire()
    assert (await (await client.get("/api/widget/config")).json())["strings"]["nl"]["send"] == "Stuur"


async def test_the_chat_pages_messages_come_from_the_store(client: TestClient, engine: Engine) -> None:
    from bot.texts import live

    store.publish(engine, "web.chat.empty", [{"text": "Er staat nog niets in uw bericht. Typ eerst iets."}],
                  actor="eva", via="web")
    live.shared(engine).expire()
    response = await client.post("/api/chat", json={"sender": "abcdefgh12", "message": "  "})
    assert response.status == 400
    assert (await response.json())["error"] == "Er staat nog niets in uw bericht. Typ eerst iets."


def test_the_note_texts_come_from_the_store(engine: Engine, monkeypatch) -> None:
    from bot.notes.texts import load_texts, shipped_texts
    from bot.texts import live

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert load_texts()["headings"]["situation"] == shipped_texts()["headings"]["situation"]
    store.publish(engine, "note.headings.situation", [{"text": "De vraag, in de woorden van de bewoner"}],
                  actor="eva", via="web")
    live.shared().expire()
    assert load_texts()["headings"]["situation"] == "De vraag, in de woorden van de bewoner"
    assert load_texts()["headings"]["what_matters"] == shipped_texts()["headings"]["what_matters"]


async def test_the_chat_page_and_the_summary_page_text_comes_from_the_store(client: TestClient,
                                                                           engine: Engine) -> None:
    from bot.texts import live

    page = await (await client.get("/")).text()
    assert "<h1>Vertel wat er speelt</h1>" in page
    store.publish(engine, "web.page.heading", [{"text": "Vertel ons wat er speelt"}], actor="eva", via="web")
    live.shared(engine).expire()
    assert "<h1>Vertel ons wat er speelt</h1>" in await (await client.get("/")).text()
    gone = await client.get("/samenvatting/niet-geldig")
    assert gone.status == 410 and "Deze link werkt niet meer" in await gone.text()
