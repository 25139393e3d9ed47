"""Schemathesis against /api/openapi.json on a live server: no server error, answers as described.

Generated requests (valid and invalid parameters and bodies, with a real token) go to the real app over
HTTP; every response must be < 500 and conform to the OpenAPI description (status code, content type,
JSON schema). The database holds notes of the token's teams and of another team, so the real ids are
exercised too (as OpenAPI examples).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.accounts import users
from bot.db import init_db
from bot.inbox.routing import load_routing
from bot.processes import free_port
from bot.web.app import create_app
from tests.inbox.conftest import make_settings
from tests.inbox.factory import store_note
from tests.inbox.live import LiveServer

MAX_EXAMPLES = 25


class Api:
    def __init__(self, url: str, token: str, note_ids: list[str], editor_token: str = "") -> None:
        self.url, self.token, self.note_ids, self.editor_token = url, token, note_ids, editor_token


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp: Path = tmp_path_factory.mktemp("api-fuzz")
    port = free_port()
    naast = make_settings(tmp, public_url=f"http://127.0.0.1:{port}")
    engine = init_db(naast.database_url)
    teams = set(load_routing(naast.routing_file).teams)
    users.add_user(engine, naast, "zaak", "professional", None, ("schuldhulp", "wijkteam"), teams)
    token, _ = users.create_token(engine, "zaak")
    users.add_user(engine, naast, "redactie", "editor", None)
    editor_token, _ = users.create_token(engine, "redactie")
    notes = [store_note(engine, labels=("finances",)), store_note(engine, urgent=True, labels=("housing",)),
             store_note(engine, labels=("parenting",))]
    with LiveServer(create_app(naast, engine, background=False), port) as server:
        yield Api(server.url, token, [note.id for note in notes], editor_token)
    engine.dispose()


@pytest.fixture
def api_schema(live_api: Api):
    return schemathesis.openapi.from_url(f"{live_api.url}/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_and_never_fails(case, live_api: Api) -> None:
    # Real ids only in valid requests: a request generated to be invalid must stay invalid, or the
    # check that the API rejects invalid data sees a valid request answered with 200.
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if positive and "id" in (case.path_parameters or {}) and hash(case.path_parameters["id"]) % 3 == 0:
        case.path_parameters["id"] = live_api.note_ids[hash(case.path_parameters["id"]) % len(live_api.note_ids)]
    case.call_and_validate(headers={"Authorization": f"Bearer {live_api.token}"})


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_without_a_token_is_always_401(case, live_api: Api) -> None:
    response = case.call()
    # 405: schemathesis also tries methods the API does not have (TRACE, PUT, ...).
    assert response.status_code in (401, 405), case.as_curl_command()
    assert "Ik loop achter" not in response.text


@schema.include(path_regex="^/api/texts").parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_texts_api_conforms_with_an_editors_token(case, live_api: Api) -> None:
    # Real names in some valid requests, so GET and PUT reach a real text (PUT then runs the check).
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if positive and "name" in (case.path_parameters or {}) and hash(case.path_parameters["name"]) % 2 == 0:
        case.path_parameters["name"] = "utter_continue_here"
    # A schema-valid text may still fail the plain-language check: 422 with findings is the documented answer
    # (the other checks, incl. the response schema of the 422, still run).
    case.call_and_validate(headers={"Authorization": f"Bearer {live_api.editor_token}"},
                           excluded_checks=[positive_data_acceptance])
