"""The real servers for end-to-end tests: Rasa with the trained model, the action server, the web app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import ROOT
from bot.processes import Servers

MODEL = ROOT / "models" / "naast.tar.gz"


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")
    running = Servers(workdir=tmp_path_factory.mktemp("servers")).start()
    yield running
    running.stop()
