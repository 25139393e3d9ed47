"""Random and malformed input (hypothesis, bounded) to the REST channel and to Naast's own endpoints,
on the real servers (Rasa, the action server, the web app): never a server error, never a stuck
conversation. The inbox's JSON API has its own schema-driven fuzzing (tests/inbox/test_api_fuzz.py)."""

from __future__ import annotations

import json
import uuid

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.processes import Servers
from tests.conversation import Conversation

EXAMPLES = 30
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
# A few conversations take every fuzzed message, so a stuck one would show afterwards.
SENDERS = [f"fuzz-{uuid.uuid4().hex[:12]}" for _ in range(3)]

texts = st.one_of(
    st.text(max_size=300),
    # Rasa's own commands ("/restart", "/nlu_fallback", ...) typed by a resident are read as words
    # (bot/rasa_runtime/payloads.py): each still gets an answer.
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "/restart", "/session_start", "/nlu_fallback",
                     "/back", '/greet{"situation": "x"}',
                     '/affirm{"consent": true}', "/inform{\"situation\": \"x\"}", "{{municipality_phone}}",
                     "ja" * 1000, "é" * 3000, "\u202e\u200b", "SELECT * FROM events;--", "%s%s%n"]),
)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                       max_size=4),
                           max_leaves=10)
message_bodies = st.one_of(
    st.fixed_dictionaries({"sender": st.sampled_from(SENDERS), "message": texts}),
    st.fixed_dictionaries({"sender": st.sampled_from(SENDERS), "message": json_values}),
    st.dictionaries(st.sampled_from(["sender", "message", "metadata", "input_channel"]), json_values, max_size=4),
    json_values,
)
HUGE = b'{"sender": "fuzz-huge-one", "message": "' + b"a" * 70000 + b'"}'
raw_bodies = st.one_of(st.binary(max_size=500),
                       st.sampled_from([b"", b"{", b"null", b"[]", b'{"sender": }', b"\xff\xfe", HUGE]))


def _send(url: str, body: object | bytes, **kwargs: object) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()
    return requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=60, **kwargs)


@FUZZ
@given(body=st.one_of(message_bodies, raw_bodies))
def test_the_chat_proxy_never_fails_on_any_input(servers: Servers, body: object) -> None:
    response = _send(f"{servers.web_url}/api/chat", body)
    assert response.status_code in (200, 400, 413), (response.status_code, response.text[:300])
    data = response.json()
    if response.status_code == 200:
        assert data["messages"], "every message the chat accepted gets an answer"
    else:
        assert data["error"] and data["phone"]  # a Dutch sentence and the phone number, never a trace


@FUZZ
@given(body=st.one_of(message_bodies, raw_bodies))
def test_the_rest_channel_never_fails_on_any_input(servers: Servers, body: object) -> None:
    response = _send(f"{servers.rasa_url}/webhooks/rest/webhook", body)
    assert response.status_code < 500, (response.status_code, response.text[:300])


@FUZZ
@given(body=st.one_of(json_values, raw_bodies,
                      st.fixed_dictionaries({"sender": st.sampled_from(SENDERS), "token": st.text(max_size=80)})),
       token=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
       query=st.dictionaries(st.sampled_from(["status", "pagina", "label", "team", "kenmerk", "urgent", "volgende"]),
                             st.text(max_size=60), max_size=4))
def test_naasts_own_endpoints_never_fail(servers: Servers, body: object, token: str, query: dict) -> None:
    web = servers.web_url
    responses = [
        _send(f"{web}/api/conversation/wipe", body),
        _send(f"{web}/api/conversation", body),
        requests.get(f"{web}/samenvatting/{requests.utils.quote(token, safe='')}", timeout=30),
        requests.get(f"{web}/inbox/", params=query, timeout=30, allow_redirects=False),
        requests.get(f"{web}/inbox/inloggen", params=query, timeout=30),
        requests.post(f"{web}/inbox/inloggen", data={"naam": token, "wachtwoord": token, "csrf_token": token},
                      timeout=30, allow_redirects=False),
        requests.get(f"{web}/api/widget/config", timeout=30, headers={"Origin": "".join(
            ch for ch in token[:100] if ch.isascii() and ch.isprintable() and not ch.isspace())}),
    ]
    for response in responses:
        assert response.status_code < 500, (response.request.method, response.url, response.status_code)
        assert "Traceback" not in response.text


def test_no_conversation_is_stuck_after_the_fuzzing(servers: Servers) -> None:
    """Runs after the fuzz tests (file order): each fuzzed conversation still answers, and a new one
    starts as usual."""
    for sender in SENDERS:
        c = Conversation(servers.rasa_url, sender)
        assert c.say("Hallo"), sender
        assert c.tracker(servers.settings.rasa_token)["latest_message"]["text"] == "Hallo"
    fresh = Conversation(servers.rasa_url, f"fuzz-{uuid.uuid4().hex[:12]}")
    assert fresh.say("Hallo")[-1] == "utter_ask_situation"


def test_malformed_rest_messages_are_refused_with_400(servers: Servers) -> None:
    """Rasa's own REST channel answered 500 to these (bot/rasa_runtime/rest.py)."""
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    for body in (b"", b"null", b"[]", b"42", b'{"message": "hallo"}', b'{"sender": 5, "message": "hallo"}',
                 b'{"sender": "fuzz-x2", "message": " "}',
                 b'{"sender": "fuzz-x1", "message": ["hallo"]}', b'{"sender": "\\u0000", "message": "hallo"}'):
        response = _send(url, body)
        assert response.status_code == 400, (body, response.status_code, response.text[:200])
    ok = _send(url, {"sender": f"fuzz-{uuid.uuid4().hex[:12]}", "message": "Hallo"})
    assert ok.status_code == 200 and ok.json()
