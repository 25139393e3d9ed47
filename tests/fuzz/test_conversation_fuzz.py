"""Conversation fuzzer (issue 10, item 5): random residents against the real Rasa agent.

Seeded (SEED, resident i has seed f"{SEED}:{i}"), so every run sends the same messages; set
NAAST_FUZZ_RESIDENTS to run more. The agent runs in this process (tests/fuzz/agent.py) with the
session's real action server; the residents and invariants are in tests/fuzz/residents.py. Each
invariant is its own test, and a failure lists every resident that broke it with the turn.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import phonenumbers
import pytest
from email_validator import validate_email

from bot.processes import Servers
from bot.safety.screen import screen
from tests.conftest import MODEL
from tests.fuzz.agent import AgentTransport
from tests.fuzz.residents import FuzzResult, Resident, converse, typo, valid_email, valid_phone

SEED = 20261201
RESIDENTS = int(os.environ.get("NAAST_FUZZ_RESIDENTS", "30"))


def test_generated_contact_details_are_valid_and_varied() -> None:
    rng = random.Random(SEED)
    phones = [valid_phone(rng) for _ in range(200)]
    emails = [valid_email(rng) for _ in range(200)]
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p, "NL")) for p in phones)
    assert any(p.startswith("+31") for p in phones) and any(p.startswith("0031") for p in phones)
    assert any("-" in p for p in phones) and any(" " in p for p in phones) and any(p.isdigit() for p in phones)
    assert all(validate_email(e, check_deliverability=False) for e in emails)
    assert any("+" in e for e in emails) and any(e.isupper() for e in emails)
    assert len({e.rsplit(".", 1)[-1].lower() for e in emails}) >= 4  # .nl .be .com .pl .fr


def test_residents_are_reproducible() -> None:
    a, b = Resident(f"{SEED}:7"), Resident(f"{SEED}:7")
    assert [a.message(k) for k in ("situation", "what_matters", "contact_channel")] == \
           [b.message(k) for k in ("situation", "what_matters", "contact_channel")]
    assert typo("Ik heb hulp nodig.", random.Random(1)) == typo("Ik heb hulp nodig.", random.Random(1))


@pytest.fixture(scope="module")
def fuzz_results(servers: Servers) -> Iterator[list[FuzzResult]]:
    transport = AgentTransport(MODEL, servers.settings)
    try:
        yield [converse(Resident(f"{SEED}:{i}"), transport, screen) for i in range(RESIDENTS)]
    finally:
        transport.close()


def _broken(results: list[FuzzResult], invariant: str) -> list[str]:
    out = []
    for result in results:
        found = [v for v in result.violations if v.invariant == invariant]
        if found:
            out.append(f"resident {result.seed}: {found[0]}\n{result.transcript()}")
    return out


def test_fuzz_ran_whole_conversations(fuzz_results: list[FuzzResult]) -> None:
    assert len(fuzz_results) == RESIDENTS
    assert sum(len(r.turns) for r in fuzz_results) >= RESIDENTS * 5


@pytest.mark.parametrize("invariant", ["error", "false_alarm", "contact", "loop", "read_back"])
def test_fuzz_invariant(fuzz_results: list[FuzzResult], invariant: str) -> None:
    broken = _broken(fuzz_results, invariant)
    assert not broken, f"{len(broken)} of {len(fuzz_results)} residents broke `{invariant}`:\n\n" + \
                       "\n\n".join(broken[:6])
