"""What every test run shares: quiet settings, and one set of real servers for e2e and browser tests."""

from __future__ import annotations

import os

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from bot.processes import Servers  # noqa: E402
from tests.notes import pg  # noqa: E402

MODEL = Servers.__dataclass_fields__["model"].default


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.PgServer]:
    """One throw-away PostgreSQL (Debian's binaries) for every test that needs it; started on first use."""
    server = pg.start()
    try:
        yield server
    finally:
        pg.stop(server)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Rasa with the trained model, the action server, the web app and the delivery worker.

    Started once per run, on free ports with private databases, for tests/e2e and tests/browser.
    """
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")
    running = Servers(workdir=tmp_path_factory.mktemp("servers")).start()
    yield running
    running.stop()
