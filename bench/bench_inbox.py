"""Bench of the professionals' inbox at 10,000 notes: list page, filtered lists, note page, API.

A fresh SQLite database gets 10,000 delivered notes (spread over 90 days; 5 % urgent; mixed statuses,
labels and teams), one professional in all teams, and the real web app (aiohttp, in-process server,
real HTTP). Each figure is the latency of a full request (session check, query, audit write, template),
measured from the client. ``python -m bench.bench_inbox [--quick] [--notes N]``; ``run(quick) -> dict``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bench_inbox.json"
PASSWORD = "bench wachtwoord 1234"
LABELS = ["finances", "housing", "mental_health", "social_network", "physical_health", "parenting",
          "household", "work_education", "informal_care", "safety"]


def _percentiles(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        k = (len(ordered) - 1) * p / 100
        f, c = int(k), min(int(k) + 1, len(ordered) - 1)
        return ordered[f] + (ordered[c] - ordered[f]) * (k - f)

    return {"n": len(values), "p50": round(pct(50), 1), "p95": round(pct(95), 1), "mean":
            round(statistics.fmean(values), 1), "max": round(max(values), 1)}


def seed(engine: Any, count: int, rng: random.Random) -> list[str]:
    """``count`` delivered notes, inserted in bulk (the store's own path is benched by bench_notes)."""
    from bot.db import session_scope, utcnow
    from bot.notes.tables import NoteRow
    from tests.inbox.factory import make_note

    now = utcnow()
    ids = []
    statuses = ["nieuw"] * 25 + ["opgepakt"] * 15 + ["afgerond"] * 60
    batch = []
    for number in range(count):
        created = now - dt.timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        labels = tuple(rng.sample(LABELS, rng.randint(0, 3)))
        note = make_note(labels=labels, urgent=rng.random() < 0.05, created_at=created,
                         anonymous=rng.random() < 0.1, phone=None if rng.random() < 0.2 else "+31 6 12345678")
        note = note.copy(update={"id": str(uuid.uuid4()), "reference": f"NST-{number:05d}"[:16],
                                 "status": rng.choice(statuses)})
        batch.append(NoteRow(id=note.id, reference=note.reference, created_at=note.created_at, status=note.status,
                             urgent=note.urgent, resident_confirmed=note.resident_confirmed, anonymous=note.anonymous,
                             retention_until=note.retention_until, body=note.body_json()))
        ids.append(note.id)
        if len(batch) == 1000:
            with session_scope(engine) as session:
                session.add_all(batch)
            batch = []
    if batch:
        with session_scope(engine) as session:
            session.add_all(batch)
    return ids


async def _measure(client: Any, path: str, repeats: int, headers: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = await client.get(path, headers=headers)
        await response.read()
        times.append(1000 * (time.perf_counter() - start))
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
    return times


async def _bench(notes: int, repeats: int) -> dict[str, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.accounts import users
    from bot.config import Settings
    from bot.db import init_db
    from bot.inbox.index import index_missing
    from bot.inbox.routing import load_routing
    from bot.web.app import create_app

    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory(prefix="naast-bench-inbox-") as tmp:
        settings = Settings.load(database_url=f"sqlite:///{Path(tmp) / 'naast.db'}",
                                 rasa_url="http://127.0.0.1:9", public_url="http://127.0.0.1:8000")
        engine = init_db(settings.database_url)
        routing = load_routing(settings.routing_file)
        started = time.perf_counter()
        ids = seed(engine, notes, rng)
        seed_s = time.perf_counter() - started
        started = time.perf_counter()
        # Bulk-seeded notes skip the delivery worker (which indexes each note): index them all at once.
        index_missing(engine, routing)
        index_s = time.perf_counter() - started
        users.add_user(engine, settings, "anna", "professional", PASSWORD, tuple(routing.teams), set(routing.teams))
        token, _ = users.create_token(engine, "anna")
        figures: dict[str, Any] = {"notes": notes, "repeats": repeats, "seed_seconds": round(seed_s, 2),
                                   "first_index_seconds": round(index_s, 2)}
        app = create_app(settings, engine, background=False)
        async with TestClient(TestServer(app)) as client:
            page = await (await client.get("/inbox/inloggen")).text()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            started = time.perf_counter()
            response = await client.post("/inbox/inloggen", data={"naam": "anna", "wachtwoord": PASSWORD,
                                                                  "csrf_token": csrf, "volgende": "/inbox/"})
            figures["login_ms_argon2_default_cost"] = round(1000 * (time.perf_counter() - started), 1)
            assert response.status == 200, response.status
            sample = rng.sample(ids, min(len(ids), repeats))
            reference = "NST-0" + str(rng.randint(1000, 9999))
            cases = {
                "list_default": "/inbox/",
                "list_all_statuses_page_20": "/inbox/?status=alle&pagina=20",
                "list_label_filter": "/inbox/?status=alle&label=finances",
                "list_urgent_only": "/inbox/?status=alle&urgent=ja",
                "list_reference_search": f"/inbox/?status=alle&kenmerk={reference}",
            }
            latency: dict[str, Any] = {}
            for name, path in cases.items():
                await _measure(client, path, 2)  # warm up
                latency[name] = _percentiles(await _measure(client, path, repeats))
            times: list[float] = []
            for note_id in sample:
                times += await _measure(client, f"/inbox/notities/{note_id}", 1)
            latency["note_page"] = _percentiles(times)
            times = []
            for note_id in sample[: max(5, repeats // 2)]:
                times += await _measure(client, f"/inbox/notities/{note_id}/afdrukken", 1)
            latency["print_view"] = _percentiles(times)
            bearer = {"Authorization": f"Bearer {token}"}
            latency["api_list_20"] = _percentiles(await _measure(client, "/api/notes?status=alle", repeats, bearer))
            times = []
            for note_id in sample:
                times += await _measure(client, f"/api/notes/{note_id}", 1, bearer)
            latency["api_note"] = _percentiles(times)
        figures["latency_ms"] = latency
        engine.dispose()
    return figures


def run(quick: bool = False, notes: int = 10_000) -> dict[str, Any]:
    return asyncio.run(_bench(notes, 10 if quick else 50))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 requests per figure instead of 50")
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args(argv)
    figures = run(args.quick, args.notes)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"Inbox at {figures['notes']} notes ({figures['repeats']} requests per figure; ms):")
    print(f"{'request':32} {'p50':>8} {'p95':>8} {'mean':>8} {'max':>8}")
    for name, values in figures["latency_ms"].items():
        print(f"{name:32} {values['p50']:8.1f} {values['p95']:8.1f} {values['mean']:8.1f} {values['max']:8.1f}")
    print(f"seed {figures['seed_seconds']} s, first index of all notes {figures['first_index_seconds']} s, "
          f"log-in (Argon2id 64 MiB) {figures['login_ms_argon2_default_cost']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
