"""Bench of the handover-note back-end: summariser time per note, notes stored (and delivered to the
inbox) per second on SQLite. ``python -m bench.bench_notes [--quick]``; ``run(quick) -> dict``."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = ROOT / "tests" / "notes" / "conversations.yml"
CHANNELS = ["inbox", "email", "webhook"]  # three outbox rows per note, as with a full configuration


def _conversations() -> list[dict[str, Any]]:
    return yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))["conversations"]


def bench_summariser(repeats: int) -> dict[str, Any]:
    """Median over the conversations of each conversation's median time (warm pipeline)."""
    from bot.nlp import load_pipeline
    from bot.summariser import IntakeAnswers, summarise

    start = time.perf_counter()
    load_pipeline()
    summarise(IntakeAnswers(situation="Opwarmen."))  # loads lexicons and lookup tables once
    cold_s = time.perf_counter() - start
    per_note: dict[str, float] = {}
    for conversation in _conversations():
        answers = IntakeAnswers.from_slots(conversation["slots"])
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            summarise(answers)
            times.append(1000 * (time.perf_counter() - t0))
        per_note[conversation["id"]] = statistics.median(times)
    values = sorted(per_note.values())
    return {
        "conversations": len(values),
        "repeats": repeats,
        "summarise_ms_median": round(statistics.median(values), 2),
        "summarise_ms_max": round(values[-1], 2),
        "summarise_ms_slowest": max(per_note, key=per_note.__getitem__),
        "first_call_with_pipeline_load_s": round(cold_s, 2),
    }


def bench_store(count: int) -> dict[str, Any]:
    """Notes stored per second in a fresh SQLite file (each note with three outbox rows, one
    transaction), then inbox deliveries per second by the real outbox worker."""
    from bot.summariser import IntakeAnswers, summarise

    conversations = _conversations()
    notes = [summarise(IntakeAnswers.from_slots(conversations[i % len(conversations)]["slots"]))
             for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="naast-bench-") as tmp:
        stored_s, _ = _store_all(Path(tmp) / "store.db", notes, CHANNELS)
        _, store = _store_all(Path(tmp) / "deliver.db", notes, ["inbox"])
        t0 = time.perf_counter()
        delivered = asyncio.run(_deliver_all(store))
        delivered_s = time.perf_counter() - t0
        store.engine.dispose()
    return {
        "notes_stored": count,
        "notes_stored_per_s": round(count / stored_s, 1),
        "store_ms_per_note": round(1000 * stored_s / count, 2),
        "inbox_delivered_per_s": round(delivered / delivered_s, 1),
        "database": "sqlite (WAL, synchronous=NORMAL)",
    }


def _store_all(path: Path, notes: list[Any], channels: list[str]) -> tuple[float, Any]:
    from bot.db import init_db
    from bot.notes.store import NoteStore

    store = NoteStore(init_db(f"sqlite:///{path}"))
    t0 = time.perf_counter()
    for note in notes:
        store.save(note, channels, consent=True)
    return time.perf_counter() - t0, store


async def _deliver_all(store: Any) -> int:
    from bot.config import Settings
    from bot.delivery import deliver_due

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    delivered = 0
    while (report := await deliver_due(store, settings, limit=50)).claimed:
        delivered += report.delivered
    return delivered


def run(quick: bool = False) -> dict[str, Any]:
    figures = {**bench_summariser(3 if quick else 15), **bench_store(100 if quick else 1000)}
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and notes")
    run(parser.parse_args(argv).quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
