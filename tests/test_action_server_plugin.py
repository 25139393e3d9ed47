"""The action server's shared-secret check (rasa_sdk_plugins), as rasa-sdk loads it."""

from __future__ import annotations

import pytest
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

import rasa_sdk_plugins
from rasa_sdk_plugins import authorised


def test_rasa_sdk_finds_the_plugin() -> None:
    assert any(isinstance(p, rasa_sdk_plugins._Plugin) for p in plugin_manager().get_plugins())


def test_without_a_token_the_action_server_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("", "short"):
        monkeypatch.setenv("NAAST_ACTION_TOKEN", value)
        with pytest.raises(RuntimeError, match="NAAST_ACTION_TOKEN"):
            plugin_manager().hook.attach_sanic_app_extensions(app=Sanic(f"naast_test_{len(value)}"))


def test_only_the_exact_bearer_token_is_authorised() -> None:
    token = "t" * 32
    assert authorised(f"Bearer {token}", token) and authorised(f"bearer {token}", token)
    for header in (None, "", token, f"Bearer {token}x", f"Basic {token}", "Bearer ", f"Bearer {token[:-1]}"):
        assert not authorised(header, token), header
