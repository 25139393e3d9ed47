"""The JSON API for case systems: tokens, roles, teams, filters, pages, status changes, audit."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.accounts import users
from bot.accounts.tables import ApiTokenRow, AuditRow
from bot.db import session_scope
from bot.notes.model import Note
from bot.notes.store import NoteStore
from tests.inbox.factory import store_note


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audit(engine) -> list[AuditRow]:
    with session_scope(engine) as session:
        return list(session.execute(select(AuditRow).where(AuditRow.via == "api").order_by(AuditRow.id)).scalars())


async def test_no_token_or_a_wrong_token_is_401(client: TestClient, engine, accounts) -> None:
    note = store_note(engine)
    token, _ = users.create_token(engine, "zaak")
    for headers in ({}, bearer("naast_verkeerd"), {"Authorization": f"Basic {token}"}, bearer("")):
        for method, path in (("GET", "/api/notes"), ("GET", f"/api/notes/{note.id}"),
                             ("POST", f"/api/notes/{note.id}/status")):
            response = await client.request(method, path, headers=headers, json={"status": "opgepakt"})
            assert response.status == 401, (headers, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await response.json())["error"] == "unauthorized"
    assert NoteStore(engine).get(note.id).status == "nieuw"
    assert {row.action for row in _audit(engine)} == {"api.denied"}


async def test_revoked_token_and_disabled_account_are_401(client: TestClient, engine, accounts) -> None:
    token, info = users.create_token(engine, "zaak")
    assert (await client.get("/api/notes", headers=bearer(token))).status == 200
    users.revoke_token(engine, info.id)
    assert (await client.get("/api/notes", headers=bearer(token))).status == 401
    token, _ = users.create_token(engine, "zaak")
    users.set_disabled(engine, "zaak", True)
    assert (await client.get("/api/notes", headers=bearer(token))).status == 401


async def test_only_the_hash_of_a_token_is_stored(engine, accounts) -> None:
    token, _ = users.create_token(engine, "zaak")
    with session_scope(engine) as session:
        rows = session.execute(select(ApiTokenRow)).scalars().all()
    assert rows and all(token not in (row.token_hash, row.prefix) for row in rows)
    assert len(rows[0].token_hash) == 64 and token.startswith(rows[0].prefix)


async def test_editor_and_admin_tokens_are_403(client: TestClient, engine, accounts) -> None:
    note = store_note(engine)
    for name in ("eva", "beheer"):
        token, _ = users.create_token(engine, name)
        for path in ("/api/notes", f"/api/notes/{note.id}"):
            response = await client.get(path, headers=bearer(token))
            assert response.status == 403
            assert "Ik loop achter" not in await response.text()


async def test_another_teams_note_is_404(client: TestClient, engine, accounts) -> None:
    jeugd = store_note(engine, labels=("parenting",))
    token, _ = users.create_token(engine, "zaak")
    response = await client.get(f"/api/notes/{jeugd.id}", headers=bearer(token))
    assert response.status == 404
    response = await client.post(f"/api/notes/{jeugd.id}/status", headers=bearer(token), json={"status": "opgepakt"})
    assert response.status == 404
    assert NoteStore(engine).get(jeugd.id).status == "nieuw"
    listing = await (await client.get("/api/notes?status=alle", headers=bearer(token))).json()
    assert listing["total"] == 0
    other, _ = users.create_token(engine, "bram")
    assert (await client.get(f"/api/notes/{jeugd.id}", headers=bearer(other))).status == 200


async def test_list_filters_and_pages(client: TestClient, engine, accounts) -> None:
    urgent = store_note(engine, urgent=True, labels=("housing",))
    money = [store_note(engine, labels=("finances",)) for _ in range(4)]
    token, _ = users.create_token(engine, "zaak")
    body = await (await client.get("/api/notes", headers=bearer(token))).json()
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 20
    assert body["items"][0]["note"]["id"] == urgent.id  # urgent first
    note = Note.from_dict(body["items"][1]["note"])  # the handover-note JSON, as is
    assert note.reference and note.status == "nieuw"
    assert body["items"][1]["inbox"]["team"] == "schuldhulp" and body["items"][1]["inbox"]["labels"] == ["finances"]
    page2 = await (await client.get("/api/notes?per_page=2&page=2", headers=bearer(token))).json()
    assert page2["total"] == 5 and len(page2["items"]) == 2
    assert (await (await client.get("/api/notes?urgent=true", headers=bearer(token))).json())["total"] == 1
    assert (await (await client.get("/api/notes?label=finances", headers=bearer(token))).json())["total"] == 4
    assert (await (await client.get("/api/notes?team=wijkteam", headers=bearer(token))).json())["total"] == 1
    found = await (await client.get(f"/api/notes?reference={money[2].reference}", headers=bearer(token))).json()
    assert [item["note"]["reference"] for item in found["items"]] == [money[2].reference]
    assert (await (await client.get("/api/notes?team=jeugd", headers=bearer(token))).json())["total"] == 0
    for bad in ("page=0", "per_page=1000", "page=x", "page=", "urgent=misschien", "status=weg", "status=", "foo=1",
                "reference=" + "x" * 41, "team=" + "x" * 65, "page=1&page=2"):
        response = await client.get(f"/api/notes?{bad}", headers=bearer(token))
        assert response.status == 400, bad


async def test_status_flow(client: TestClient, engine, accounts) -> None:
    note = store_note(engine)
    token, _ = users.create_token(engine, "zaak")
    url = f"/api/notes/{note.id}/status"
    response = await client.post(url, headers=bearer(token), json={"status": "afgerond", "remark": "klaar"})
    assert response.status == 409
    response = await client.post(url, headers=bearer(token), json={"status": "opgepakt"})
    body = await response.json()
    assert response.status == 200 and body["note"]["status"] == "opgepakt" and body["inbox"]["assigned_to"] == "zaak"
    anna, _ = users.create_token(engine, "anna")
    assert (await client.post(url, headers=bearer(anna), json={"status": "opgepakt"})).status == 409
    response = await client.post(url, headers=bearer(token), json={"status": "afgerond"})
    assert response.status == 400  # a remark is needed
    response = await client.post(url, headers=bearer(token), json={"status": "afgerond", "remark": "Zaak 123 gestart"})
    body = await response.json()
    assert response.status == 200 and body["note"]["status"] == "afgerond"
    assert body["inbox"]["done_remark"] == "Zaak 123 gestart"
    for bad in ({"status": "weg"}, {"status": 1}, {"remark": "x"}, [], {"status": "nieuw", "extra": 1}):
        assert (await client.post(url, headers=bearer(token), json=bad)).status == 400
    assert (await client.post(url, headers=bearer(token), data=b"{not json")).status == 400


async def test_every_call_is_audited(client: TestClient, engine, accounts) -> None:
    note = store_note(engine)
    token, _ = users.create_token(engine, "zaak")
    await client.get("/api/notes", headers=bearer(token))
    await client.get(f"/api/notes/{note.id}", headers=bearer(token))
    await client.post(f"/api/notes/{note.id}/status", headers=bearer(token), json={"status": "opgepakt"})
    await client.get("/api/notes/00000000-0000-0000-0000-000000000000", headers=bearer(token))
    await client.get("/api/notes")
    rows = _audit(engine)
    assert [(r.actor, r.action, r.status_code) for r in rows] == [
        ("zaak", "api.list", 200), ("zaak", "api.view", 200), ("zaak", "note.pick_up", None),
        ("zaak", "api.status", 200), ("zaak", "api.view", 404), ("-", "api.denied", 401)]
    assert rows[1].reference == note.reference and rows[1].note_id == note.id


async def test_openapi_description(client: TestClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    spec = await response.json()
    assert spec["openapi"].startswith("3.0")
    assert set(spec["paths"]) == {"/api/notes", "/api/notes/{id}", "/api/notes/{id}/status", "/api/texts",
                                  "/api/texts/{name}"}
    assert "Note" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
