"""The inbox over HTTP: log-in, sessions, CSRF, roles, teams, escaping, lock-out, audit."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.accounts.tables import AuditRow
from bot.db import session_scope
from bot.notes.store import NoteStore
from tests.inbox.conftest import PASSWORD, csrf_from, csrf_of, login
from tests.inbox.factory import store_note


def _audit(engine, action: str) -> list[AuditRow]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditRow).where(AuditRow.action == action)).scalars())


async def test_pages_need_a_login(client: TestClient, engine) -> None:
    note = store_note(engine)
    for path in ("/inbox/", f"/inbox/notities/{note.id}", f"/inbox/notities/{note.id}/afdrukken",
                 f"/inbox/notities/{note.id}/tekst", "/inbox/logboek"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/inbox/inloggen?volgende="), path
    # A form post without a session fails the CSRF check before anything else.
    response = await client.post(f"/inbox/notities/{note.id}/oppakken", data={"csrf_token": "x"})
    assert response.status == 403
    assert NoteStore(engine).get(note.id).status == "nieuw"


async def test_login_sets_a_safe_session_cookie(client: TestClient) -> None:
    response = await login(client, "anna")
    assert response.status == 303 and response.headers["Location"] == "/inbox/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("naast_session=")  # one cookie for the inbox and the editors' area
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/;" in cookie + ";"
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "uid" not in value and "csrf" not in value  # encrypted, not just signed
    page = await client.get("/inbox/")
    assert page.status == 200
    assert "Notities" in await page.text()


async def test_wrong_password_is_refused_with_the_same_answer_as_an_unknown_name(client: TestClient) -> None:
    wrong = await login(client, "anna", "niet het wachtwoord")
    unknown = await login(client, "niemand", "niet het wachtwoord")
    assert wrong.status == unknown.status == 401
    assert "De naam of het wachtwoord klopt niet" in await wrong.text()
    assert "De naam of het wachtwoord klopt niet" in await unknown.text()
    assert (await client.get("/inbox/", allow_redirects=False)).status == 303


async def test_brute_force_login_is_locked_out(client: TestClient, settings, engine) -> None:
    for _ in range(settings.login_max_failures):
        assert (await login(client, "anna", "raden raden raden")).status == 401
    locked = await login(client, "anna", PASSWORD)  # even the right password now
    assert locked.status == 429
    assert "te vaak een verkeerd wachtwoord" in await locked.text()
    assert (await client.get("/inbox/", allow_redirects=False)).status == 303
    assert _audit(engine, "login.locked")
    # Another account is not affected by anna's lock.
    assert (await login(client, "bram")).status == 303


async def test_unknown_names_lock_too_so_they_reveal_nothing(client: TestClient, settings) -> None:
    for _ in range(settings.login_max_failures):
        await login(client, "niemand", "raden raden raden")
    assert (await login(client, "niemand", "raden raden raden")).status == 429


async def test_many_failures_from_one_address_are_rate_limited(tmp_path, accounts) -> None:
    from aiohttp.test_utils import TestServer

    from bot.web.app import create_app
    from tests.inbox.conftest import make_settings

    settings = make_settings(tmp_path, login_ip_max_failures=3)
    async with TestClient(TestServer(create_app(settings, background=False))) as client:
        for number in range(3):
            assert (await login(client, f"naam{number}", "raden raden raden")).status == 401
        assert (await login(client, "anna", PASSWORD)).status == 429


async def test_csrf_token_is_required_on_every_form(client: TestClient, engine) -> None:
    note = store_note(engine)
    await login(client, "anna")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "vals-token-van-een-andere-site"}):
        response = await client.post(f"/inbox/notities/{note.id}/oppakken", data=data)
        assert response.status == 403
        assert "Formulier verlopen" in await response.text()
    assert NoteStore(engine).get(note.id).status == "nieuw"
    # The log-in and log-out forms are protected too.
    response = await client.post("/inbox/uitloggen", data={})
    assert response.status == 403
    assert (await client.get("/inbox/")).status == 200  # still logged in
    response = await client.post("/inbox/inloggen", data={"naam": "anna", "wachtwoord": PASSWORD})
    assert response.status == 403
    # With the page's token it works.
    token = await csrf_from(client, f"/inbox/notities/{note.id}")
    response = await client.post(f"/inbox/notities/{note.id}/oppakken", data={"csrf_token": token},
                                 allow_redirects=False)
    assert response.status == 303
    assert NoteStore(engine).get(note.id).status == "opgepakt"


async def test_pick_up_and_mark_done(client: TestClient, engine) -> None:
    note = store_note(engine)
    await login(client, "anna")
    page = await client.get(f"/inbox/notities/{note.id}")
    token = csrf_of(await page.text())
    response = await client.post(f"/inbox/notities/{note.id}/oppakken", data={"csrf_token": token})
    assert response.status == 200 and "U heeft deze notitie opgepakt" in await response.text()
    response = await client.post(f"/inbox/notities/{note.id}/afronden", data={"csrf_token": token, "opmerking": ""})
    assert response.status == 400 and "Schrijf een korte opmerking" in await response.text()
    response = await client.post(f"/inbox/notities/{note.id}/afronden",
                                 data={"csrf_token": token, "opmerking": "Gebeld, afspraak op dinsdag."})
    html = await response.text()
    assert response.status == 200 and "De notitie is afgerond" in html and "Gebeld, afspraak op dinsdag." in html
    assert NoteStore(engine).get(note.id).status == "afgerond"
    actions = [row.action for row in _audit(engine, "note.pick_up") + _audit(engine, "note.done")]
    assert actions == ["note.pick_up", "note.done"]
    assert all("dinsdag" not in row.detail for row in _audit(engine, "note.done"))  # no remark in the log


async def test_hand_back_and_a_colleague_cannot_take_a_picked_up_note(client: TestClient, engine, accounts) -> None:
    from bot.inbox import machine

    note = store_note(engine)
    machine.change_status(engine, 90, accounts["zaak"], note.id, "opgepakt")
    await login(client, "anna")
    page = await client.get(f"/inbox/notities/{note.id}")
    html = await page.text()
    assert "zaak heeft deze notitie opgepakt" in html
    token = csrf_of(html)
    response = await client.post(f"/inbox/notities/{note.id}/oppakken", data={"csrf_token": token})
    assert response.status == 409 and "al opgepakt door zaak" in await response.text()
    response = await client.post(f"/inbox/notities/{note.id}/teruggeven", data={"csrf_token": token})
    assert response.status == 200 and "teruggegeven" in await response.text()
    assert NoteStore(engine).get(note.id).status == "nieuw"


def _routing(client: TestClient):
    from bot.inbox.routing import load_routing
    from bot.web.keys import SETTINGS

    return load_routing(client.server.app[SETTINGS].routing_file)


async def test_another_teams_note_is_refused(client: TestClient, engine) -> None:
    jeugd = store_note(engine, labels=("parenting",))  # routed to team jeugd (bram), not anna's teams
    mine = store_note(engine, labels=("finances",))
    await login(client, "anna")
    listing = await (await client.get("/inbox/?status=alle")).text()
    assert mine.reference in listing and jeugd.reference not in listing
    for path in (f"/inbox/notities/{jeugd.id}", f"/inbox/notities/{jeugd.id}/afdrukken",
                 f"/inbox/notities/{jeugd.id}/tekst"):
        response = await client.get(path)
        assert response.status == 404, path
        assert jeugd.reference not in await response.text()
    token = await csrf_from(client, "/inbox/")
    response = await client.post(f"/inbox/notities/{jeugd.id}/oppakken", data={"csrf_token": token})
    assert response.status == 404
    assert NoteStore(engine).get(jeugd.id).status == "nieuw"
    assert _audit(engine, "note.refused")
    # A team filter for a team anna is not in does not widen anything.
    response = await client.get("/inbox/?team=jeugd&status=alle")
    assert response.status == 400 and jeugd.reference not in await response.text()


async def test_editor_cannot_open_notes(client: TestClient, engine) -> None:
    note = store_note(engine)
    response = await login(client, "eva")
    assert response.status == 303
    for path in ("/inbox/", f"/inbox/notities/{note.id}", f"/inbox/notities/{note.id}/afdrukken",
                 f"/inbox/notities/{note.id}/tekst", "/inbox/logboek"):
        response = await client.get(path)
        assert response.status == 403, path
        html = await response.text()
        assert note.reference not in html and "Ik loop achter" not in html
    assert "redacteur" in html


async def test_admin_reads_the_audit_log_but_not_notes(client: TestClient, engine) -> None:
    note = store_note(engine)
    await login(client, "anna")
    await client.get(f"/inbox/notities/{note.id}")
    await client.get(f"/inbox/notities/{note.id}/afdrukken")
    await client.get(f"/inbox/notities/{note.id}/tekst")
    assert (await client.get("/inbox/logboek")).status == 403  # professionals do not see the log
    client.session.cookie_jar.clear()
    response = await login(client, "beheer")
    assert response.headers["Location"] == "/inbox/logboek"
    log = await (await client.get("/inbox/logboek")).text()
    for text in ("notitie bekeken", "notitie afgedrukt", "notitie als tekst gedownload", "ingelogd"):
        assert text in log
    assert note.reference in log and "Ik loop achter" not in log
    assert (await client.get(f"/inbox/notities/{note.id}")).status == 403
    filtered = await (await client.get(f"/inbox/logboek?kenmerk={note.reference}&actie=note.print")).text()
    assert "notitie afgedrukt" in filtered and "1 regel" in filtered


async def test_script_and_img_onerror_in_a_note_render_as_text(client: TestClient, engine) -> None:
    evil_script = "<script>alert('xss')</script>"
    evil_img = '<img src=x onerror="alert(1)">'
    note = store_note(engine, situation=f"Hallo {evil_script} en {evil_img}", phone=None,
                      contact={"channel": "email", "email": "a@b.nl", "time": evil_img, "access_needs": evil_script})
    await login(client, "anna")
    for path in (f"/inbox/notities/{note.id}", f"/inbox/notities/{note.id}/afdrukken", "/inbox/"):
        response = await client.get(path)
        html = await response.text()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        if path != "/inbox/":
            assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
            assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    text = await (await client.get(f"/inbox/notities/{note.id}/tekst")).text()
    assert evil_script in text  # the plain-text export keeps the words as they are (text/plain)


async def test_sql_like_input_is_harmless(client: TestClient, engine) -> None:
    notes = [store_note(engine) for _ in range(3)]
    await login(client, "anna")
    for attack in ("' OR '1'='1", "%' OR 1=1 --", "NST-%", "_", "'; DROP TABLE notes; --", "\\", '"'):
        response = await client.get("/inbox/", params={"kenmerk": attack, "status": "alle"})
        assert response.status == 200, attack
        html = await response.text()
        assert "0 notities" in html, attack
    response = await client.get("/inbox/", params={"status": "alle' OR '1'='1"})
    assert response.status == 400
    response = await client.get("/inbox/notities/' OR '1'='1")
    assert response.status == 404
    response = await login(client, "anna' --", "x' OR '1'='1")
    assert response.status == 401
    assert len(NoteStore(engine).list(statuses=["nieuw"])) == 3  # the table is still there
    hit = await (await client.get("/inbox/", params={"kenmerk": notes[0].reference.lower()})).text()
    assert notes[0].reference in hit and "1 notitie" in hit


async def test_logout_ends_the_session_even_for_a_copied_cookie(client: TestClient) -> None:
    await login(client, "anna")
    stolen = {cookie.key: cookie.value for cookie in client.session.cookie_jar}
    token = await csrf_from(client, "/inbox/")
    response = await client.post("/inbox/uitloggen", data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303 and "uitgelogd" in response.headers["Location"]
    assert (await client.get("/inbox/", allow_redirects=False)).status == 303
    client.session.cookie_jar.update_cookies(stolen)
    assert (await client.get("/inbox/", allow_redirects=False)).status == 303


async def test_disabled_account_loses_its_session(client: TestClient, engine) -> None:
    from bot.accounts import users

    await login(client, "anna")
    assert (await client.get("/inbox/")).status == 200
    users.set_disabled(engine, "anna", True)
    assert (await client.get("/inbox/", allow_redirects=False)).status == 303


async def test_idle_session_times_out(client: TestClient, monkeypatch, settings) -> None:
    import time

    from bot.web import auth

    await login(client, "anna")
    later = time.time() + settings.session_idle_minutes * 60 + 5
    monkeypatch.setattr(auth.time, "time", lambda: later)
    response = await client.get("/inbox/", allow_redirects=False)
    assert response.status == 303
    page = await client.get(response.headers["Location"])
    assert "niet actief" in await page.text()


async def test_login_redirect_stays_inside_the_inbox(client: TestClient) -> None:
    page = await client.get("/inbox/inloggen")
    token = csrf_of(await page.text())
    for target, expected in (("https://evil.example/", "/inbox/"), ("//evil.example/inbox/", "/inbox/"),
                             ("/inbox/notities/abc", "/inbox/notities/abc")):
        client.session.cookie_jar.clear()
        page = await client.get("/inbox/inloggen")
        token = csrf_of(await page.text())
        response = await client.post("/inbox/inloggen", allow_redirects=False, data={
            "naam": "anna", "wachtwoord": PASSWORD, "csrf_token": token, "volgende": target})
        assert response.headers["Location"] == expected


async def test_inbox_pages_are_not_cached_or_framed(client: TestClient, engine) -> None:
    note = store_note(engine)
    await login(client, "anna")
    response = await client.get(f"/inbox/notities/{note.id}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_list_shows_status_age_labels_urgency_and_contact(client: TestClient, engine) -> None:
    urgent = store_note(engine, urgent=True, labels=("housing",), phone=None, anonymous=True, signals=("violence",))
    plain = store_note(engine, labels=("finances", "social_network"))
    await login(client, "anna")
    html = await (await client.get("/inbox/")).text()
    assert html.index(urgent.reference) < html.index(plain.reference)
    row = html[html.index(plain.reference):]
    row = row[:row.index("</tr>")]
    assert "Nieuw" in row and "net binnen" in row and "Financiën" in row and "Sociaal netwerk" in row
    assert re.search(r'data-label="Contactgegevens">ja<', row)
    urgent_row = html[html.index(urgent.reference):]
    urgent_row = urgent_row[:urgent_row.index("</tr>")]
    assert "Urgent" in urgent_row and "anoniem" in urgent_row
    note_page = await (await client.get(f"/inbox/notities/{urgent.id}")).text()
    # Signals come before the resident's story.
    assert note_page.index("Urgentie en veiligheid") < note_page.index("De vraag in eigen woorden")
    assert "onveiligheid of geweld thuis" in note_page
    assert '<blockquote class="quote">' in note_page


async def test_filters(client: TestClient, engine) -> None:
    urgent = store_note(engine, urgent=True, labels=("housing",))
    money = store_note(engine, labels=("finances",))
    await login(client, "anna")

    async def refs(query: str) -> set[str]:
        html = await (await client.get("/inbox/?" + query)).text()
        return {ref for ref in (urgent.reference, money.reference) if ref in html}

    assert await refs("") == {urgent.reference, money.reference}
    assert await refs("urgent=ja") == {urgent.reference}
    assert await refs("urgent=nee") == {money.reference}
    assert await refs("label=finances") == {money.reference}
    assert await refs("team=wijkteam") == {urgent.reference}
    assert await refs("team=schuldhulp") == {money.reference}
    assert await refs("status=afgerond") == set()
    assert await refs(f"kenmerk={money.reference[-3:]}") == {money.reference}


async def test_security_headers_are_also_on_raised_redirects_and_errors(client: TestClient, engine) -> None:
    note = store_note(engine)
    responses = [
        await client.get("/inbox/", allow_redirects=False),  # a raised 303 to the log-in page
        await client.get("/bestaat-niet"),  # the router's 404
        await client.get("/samenvatting/abcdefgh12345678?s=1&e=1&sig=x"),  # a raised 410
        await client.post(f"/inbox/notities/{note.id}/oppakken", data={"csrf_token": "x"}),  # refused CSRF
    ]
    assert [r.status for r in responses] == [303, 404, 410, 403]
    for response in responses:
        assert "default-src 'self'" in response.headers.get("Content-Security-Policy", ""), response.status
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status
        assert response.headers.get("Referrer-Policy") == "no-referrer", response.status
