"""endpoints.yml, read the way Rasa reads it, points at the servers bot/config.py describes."""

from __future__ import annotations

import pytest
from rasa.core.utils import read_endpoints_from_path

from bot.cli import server_environment
from bot.config import ROOT, Settings


@pytest.mark.parametrize("tracker_db_url", ["", "postgresql://naast:geheim@db.example:5433/tracker"])
def test_rasa_reads_action_server_and_tracker_store_from_naast_settings(
    monkeypatch: pytest.MonkeyPatch, tracker_db_url: str
) -> None:
    settings = Settings.load(tracker_db_url=tracker_db_url, action_port=5999)
    for key, value in server_environment(settings).items():
        monkeypatch.setenv(key, value)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    assert endpoints.action.url == "http://127.0.0.1:5999/webhook"
    assert endpoints.tracker_store.type == "bot.privacy.tracker_store.PrivacyTrackerStore"
    assert endpoints.action.headers == {"Authorization": f"Bearer {settings.action_token}"}
    assert len(settings.action_token) >= 24 and settings.action_token not in endpoints.action.url
    expected = tracker_db_url or f"sqlite:///{ROOT / '.naast' / 'tracker.db'}"
    assert endpoints.tracker_store.url == expected
    assert endpoints.tracker_store.kwargs["dialect"] == expected.split(":")[0]
