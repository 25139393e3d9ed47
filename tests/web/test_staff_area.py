"""One editors' area with one log-in (issue 12 leftovers), on the real app with a real database: logging
in once reaches the inbox's log-in-protected pages, the texts and what Naast understands; publishing is
for admins only; a professional is refused; the old addresses of the two former areas redirect."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.inbox.conftest import accounts, client, csrf_of, engine, login, settings  # noqa: F401


async def test_one_log_in_reaches_texts_and_understanding(client: TestClient) -> None:  # noqa: F811
    landed = await login(client, "eva")  # at the inbox's log-in page
    assert landed.status == 303 and landed.headers["Location"] == "/redactie/"
    for path, heading in (("/redactie/", "Teksten van Naast"), ("/redactie/hulplijnen", "Hulplijnen en gegevens"),
                          ("/redactie/woorden", "Woordenlijsten"), ("/redactie/begrip", "Wat Naast begrijpt"),
                          ("/redactie/begrip/paden", "Gesprekspaden"),
                          ("/redactie/begrip/niet-begrepen", "Berichten die Naast niet begreep")):
        page = await client.get(path, allow_redirects=False)
        html = await page.text()
        assert page.status == 200, path
        assert heading in html, path
        assert page.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in page.headers[
            "Content-Security-Policy"], path
        for item in ("Teksten", "Hulplijnen en gegevens", "Woordenlijsten", "Wat Naast begrijpt", "Gesprekspaden",
                     "Niet begrepen"):  # one navigation on every page
            assert f">{item}</a>" in html, (path, item)
        assert ">Publiceren</a>" not in html  # an editor does not publish


async def test_logging_out_ends_the_session_for_both_areas(client: TestClient) -> None:  # noqa: F811
    await login(client, "eva")
    page = await (await client.get("/redactie/begrip")).text()
    out = await client.post("/redactie/uitloggen", data={"csrf_token": csrf_of(page)}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/redactie/inloggen?uitgelogd=1"
    for path in ("/redactie/", "/redactie/begrip", "/inbox/"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and "/inloggen?volgende=" in response.headers["Location"], path


async def test_an_editor_cannot_publish_an_admin_can(client: TestClient) -> None:  # noqa: F811
    await login(client, "eva")
    token = csrf_of(await (await client.get("/redactie/begrip")).text())
    for path in ("/redactie/begrip/publiceren", "/redactie/begrip/versies/1/terugzetten"):
        refused = await client.post(path, data={"csrf_token": token}, allow_redirects=False)
        assert refused.status == 403 and "alleen voor beheerders" in await refused.text(), path
    client.session.cookie_jar.clear()
    await login(client, "beheer")
    html = await (await client.get("/redactie/begrip")).text()
    assert ">Publiceren</a>" in html
    started = await client.post("/redactie/begrip/publiceren", data={"csrf_token": csrf_of(html)},
                                allow_redirects=False)
    assert started.status == 303 and started.headers["Location"].startswith("/redactie/begrip?fout=")
    assert "geen nieuwe wijzigingen" in await (await client.get(started.headers["Location"])).text()
    forged = await client.post("/redactie/begrip/publiceren", data={"csrf_token": "x" * 43})
    assert forged.status == 403 and "Formulier verlopen" in await forged.text()


async def test_a_professional_is_refused(client: TestClient) -> None:  # noqa: F811
    await login(client, "anna")
    for path in ("/redactie/", "/redactie/begrip", "/redactie/hulplijnen", "/redactie/teksten/utter_greet"):
        response = await client.get(path)
        html = await response.text()
        assert response.status == 403 and "Geen toegang" in html and "rol redacteur" in html, path
        assert ">Teksten</a>" not in html, path  # no editors' menu for her
    assert (await client.get("/inbox/")).status == 200  # her inbox still works: the same session


async def test_the_old_addresses_redirect(client: TestClient) -> None:  # noqa: F811
    for old, new in (("/inbox/redactie", "/redactie/"), ("/inbox/redactie/", "/redactie/"),
                     ("/inbox/redactie/teksten/utter_greet", "/redactie/teksten/utter_greet"),
                     ("/inbox/redactie/?zoek=Veilig", "/redactie/?zoek=Veilig"),
                     ("/editor", "/redactie/"), ("/editor/begrip/paden?onderwerp=greet",
                                                 "/redactie/begrip/paden?onderwerp=greet"),
                     ("/editor/inloggen", "/redactie/inloggen")):
        response = await client.get(old, allow_redirects=False)
        assert response.status == 301 and response.headers["Location"] == new, old
    sent = await client.post("/editor/begrip/nieuw", data={"titel": "x"}, allow_redirects=False)
    assert sent.status == 308 and sent.headers["Location"] == "/redactie/begrip/nieuw"  # method and form kept
    await login(client, "eva")
    followed = await client.get("/editor/begrip")
    assert followed.status == 200 and str(followed.url).endswith("/redactie/begrip")


async def test_the_log_in_page_of_the_editors_area(client: TestClient) -> None:  # noqa: F811
    page = await client.get("/redactie/begrip", allow_redirects=True)
    html = await page.text()
    assert str(page.url.path) == "/redactie/inloggen" and "Inloggen voor de redactie" in html
    no_token = await client.post("/redactie/inloggen", data={"naam": "eva", "wachtwoord": "x"})
    assert no_token.status == 403 and "Formulier verlopen" in await no_token.text()
    wrong = await client.post("/redactie/inloggen", data={"naam": "eva", "wachtwoord": "niet goed",
                                                          "csrf_token": csrf_of(html)})
    assert wrong.status == 401 and "klopt niet" in await wrong.text()
    away = await client.post("/redactie/inloggen", allow_redirects=False, data={
        "naam": "eva", "wachtwoord": "een lang wachtwoord 42", "csrf_token": csrf_of(html),
        "volgende": "https://evil.example/redactie/"})
    assert away.status == 303 and away.headers["Location"] == "/redactie/"
