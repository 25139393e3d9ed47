"""The Python lock file with hashes (requirements.lock, `make lock`) pins exactly what constraints.txt
pins, and every pin carries the hashes of its files; the data-only packages are hash-pinned too."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import ROOT

DATA_ONLY = {"kubernetes-validate", "check-jsonschema"}
# pip freeze (constraints.txt) leaves out the installers themselves; pip-compile --allow-unsafe pins them.
INSTALLERS = {"pip", "setuptools", "wheel"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUIREMENT.match(line)
        if match:
            pins[_name(match.group(1))] = match.group(2)
    return pins


def _hashes(path: Path) -> dict[str, list[str]]:
    """Requirement -> its sha256 hashes (pip's multi-line form: 'name==version \\' then '--hash=...')."""
    result: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUIREMENT.match(line)
        if match:
            current = _name(match.group(1))
            result[current] = []
        for digest in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            assert current, line
            result[current].append(digest)
    return result


def test_the_hashed_lock_pins_what_constraints_pin() -> None:
    constraints = _pins(ROOT / "constraints.txt")
    locked = {name: version for name, version in _pins(ROOT / "requirements.lock").items() if name not in INSTALLERS}
    expected = {name: version for name, version in constraints.items() if name not in DATA_ONLY}
    assert locked == expected, {"only in constraints.txt": sorted(expected.keys() - locked.keys()),
                                "only in requirements.lock": sorted(locked.keys() - expected.keys()),
                                "other version": sorted(n for n in locked.keys() & expected.keys()
                                                        if locked[n] != expected[n])}


def test_every_locked_package_has_hashes() -> None:
    for path in (ROOT / "requirements.lock", ROOT / "requirements-data.lock"):
        hashes = _hashes(path)
        assert hashes, path
        assert not [name for name, digests in hashes.items() if not digests], path


def test_the_data_only_packages_are_those_constraints_pin() -> None:
    constraints = _pins(ROOT / "constraints.txt")
    data = _pins(ROOT / "requirements-data.lock")
    assert set(data) == DATA_ONLY and all(constraints[name] == version for name, version in data.items())
