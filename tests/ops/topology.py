"""One way for a test module to run the production topology (bot.processes.Topology) and stop it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.processes import Topology
from bot.prod import missing_programs
from tests.conftest import MODEL


def require_topology() -> None:
    """Skips only where the Debian packages are missing (make test installs them); fails without a model."""
    missing = missing_programs()
    if missing:
        pytest.skip(f"the production topology needs {', '.join(missing)}: run scripts/system-packages.sh")
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make test` (it trains first).")


def running_topology(timeout: float = 600, **options: object) -> Iterator[Topology]:
    """For a module fixture (see ``require_topology``)."""
    require_topology()
    topology = Topology(**options)  # type: ignore[arg-type]
    try:
        yield topology.start(timeout=timeout)
    finally:
        topology.stop()
