"""Typed "/..." messages are words unless a button sends them (bot/rasa_runtime/payloads.py), on the real domain."""

from __future__ import annotations

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from bot.config import ROOT
from bot.rasa_runtime.payloads import as_typed_or_button


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _button_payloads(domain: Domain) -> set[str]:
    """The payloads as the widget gets them from Rasa's response generator (it fills "{{" to "{")."""
    return {TemplatedNaturalLanguageGenerator(domain.responses)._fill_response(  # noqa: SLF001 - Rasa's own fill
        {"text": "", "buttons": [b]}, {"situation": "x"})["buttons"][0]["payload"]
        for vs in domain.responses.values() for v in vs for b in v.get("buttons") or []}


def test_every_button_of_the_domain_goes_to_rasa_as_it_is(domain: Domain) -> None:
    payloads = _button_payloads(domain)
    assert len(payloads) >= 10 and '/tell{"contact_channel": "phone"}' in payloads
    for payload in payloads:
        assert as_typed_or_button(payload, domain) == payload


@pytest.mark.parametrize(("typed", "read_as"), [
    ("/restart", "restart"), ("/session_start", "session_start"), ("/nlu_fallback", "nlu_fallback"),
    ("/back", "back"), ('/greet{"situation": "x"}', 'greet{"situation": "x"}'), ("/inform", "inform"),
    ("hallo", "hallo"), ("/", "/"),
])
def test_anything_else_with_a_slash_is_read_as_the_words_typed(domain: Domain, typed: str, read_as: str) -> None:
    assert as_typed_or_button(typed, domain) == read_as
