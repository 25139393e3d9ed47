"""Several Rasa processes in the embedded default: commands, the shared SQLite tracker store, routing."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bot.config import Settings
from bot.supervision import embedded_commands

WRITERS, CONVERSATIONS, TURNS = 2, 6, 12


def test_more_processes_put_the_router_on_the_rasa_port() -> None:
    settings = Settings.load(rasa_processes=3, rasa_port=5005, rasa_process_port_base=16000)
    commands = embedded_commands(settings)
    assert commands["rasa"][1:3] == ["-m", "bot.router"]
    assert commands["rasa"][commands["rasa"].index("--port") + 1] == "5005"
    upstreams = [commands["rasa"][i + 1] for i, arg in enumerate(commands["rasa"]) if arg == "--upstream"]
    assert upstreams == [f"http://127.0.0.1:{port}" for port in (16000, 16001, 16002)]
    for number, port in enumerate((16000, 16001, 16002), start=1):
        replica = commands[f"rasa-{number}"]
        assert replica[replica.index("--port") + 1] == str(port)
        assert replica[replica.index("--interface") + 1] == "127.0.0.1"  # only the router is reachable


def test_one_process_is_rasa_itself_on_the_rasa_port() -> None:
    commands = embedded_commands(Settings.load(rasa_processes=1, rasa_port=5005))
    assert "bot.rasa_runtime" in commands["rasa"]
    assert not [name for name in commands if name.startswith("rasa-")]


def test_by_default_one_process_per_core_the_memory_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.config as config

    monkeypatch.setattr(config.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    monkeypatch.setattr(config, "available_memory", lambda: 20 * 2**30)
    assert Settings.load().rasa_process_count() == 4
    monkeypatch.setattr(config, "available_memory", lambda: 2 * config.RASA_PROCESS_BYTES + 1)
    assert Settings.load().rasa_process_count() == 2
    monkeypatch.setattr(config, "available_memory", lambda: 0)  # unknown: one, as before
    assert Settings.load().rasa_process_count() == 1


def _write_conversations(url: str, writer: int) -> None:
    """One Rasa process's tracker store, saving conversations turn by turn."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.privacy.tracker_store import PrivacyTrackerStore

    store = PrivacyTrackerStore(domain=Domain.empty(), dialect="sqlite", host=url)
    for number in range(CONVERSATIONS):
        tracker = DialogueStateTracker(f"writer{writer}-{number}", slots=[])
        for turn in range(TURNS):
            tracker.update(UserUttered(f"bericht {turn}"))
            tracker.update(ActionExecuted("utter_ack"))
            tracker.update(BotUttered(f"antwoord {turn}"))
            asyncio.run(store.save(tracker))


def test_two_processes_write_one_sqlite_tracker_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_conversations, args=(url, n)) for n in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
    assert [p.exitcode for p in writers] == [0] * WRITERS, "a writer failed (database is locked?)"
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        counts = dict(connection.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id"))
    assert journal == "wal"
    assert len(counts) == WRITERS * CONVERSATIONS
    assert set(counts.values()) == {3 * TURNS}, "every turn of every conversation is stored once"


def test_conversations_spread_over_the_processes_and_stay_on_one(servers) -> None:  # noqa: ANN001
    if servers.rasa_names == ["rasa"]:
        pytest.skip("this machine runs one Rasa process (one core or little memory)")

    def converse(number: int) -> tuple[str, set[str]]:
        sender = f"processes-{number}"
        replicas = set()
        for text in ("Hallo", "Ik red het niet meer met het huishouden"):
            response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": text}, timeout=120)
            assert response.status_code == 200 and response.json(), response.text
            replicas.add(response.headers["X-Naast-Replica"])
        return sender, replicas

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(converse, range(12)))
    assert all(len(replicas) == 1 for _, replicas in results), "a conversation moved between processes"
    assert len({next(iter(r)) for _, r in results}) > 1, "twelve conversations all went to one process"
    for sender, _ in results:
        tracker = requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker",
                               params={"token": servers.settings.rasa_token}, timeout=60).json()
        texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
        assert texts == ["Hallo", "Ik red het niet meer met het huishouden"]
