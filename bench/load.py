"""Load: many residents holding whole conversations at once, through nginx of the production topology
(issue 13, item 3), beside plain Rasa on the same machine. A ``make bench`` module (``run(quick)``).

For 1, 2 and 4 Rasa replicas, ``bot.processes.Topology`` starts PostgreSQL, Redis, the replicas, the
action server, the web app, the delivery worker and nginx on loopback; Locust (its own process, headless,
``bench/load_locustfile.py``) plays ``residents`` residents at once, each one whole intake (greeting, the
questions, the read-back, consent, the note stored) through nginx and the web app's chat proxy
(``/api/chat``, what the widget uses), with a random think time before each next message. Afterwards:

* **lost / duplicated**: every message a resident sent (answered or not, sent again or not) against the
  user turns of its conversation in Rasa's tracker store (PostgreSQL): a message with no turn is lost,
  a second turn for it is duplicated; ``out_of_order`` counts conversations whose turns are in another
  order than sent.
* **cross_talk**: every resident's answers carry two marker words of its own; every note in Naast's
  store (PostgreSQL) must hold its own resident's markers and nobody else's. Notes nobody's reply named
  and residents who were told a note number without a note are counted too.
* **latency** (p50/p95/p99 of every answered request, ms) and **messages per second** (answered
  messages over the time from the first request to the last answer).

Plain Rasa (``rasa init``'s assistant, one ``rasa run`` process with its in-memory tracker store, as
``bench/plain_rasa.py`` starts it) gets the same residents, think times and time limit on its REST channel;
it has no intake, so each of its residents sends the assistant's own small talk (greet, mood, did that
help, goodbye, again) for as many messages as a whole Naast intake has. Its lost/duplicated come from its
tracker API.

Bounded: the number of residents, a time after which no new message is sent (a conversation still
running then is counted as cut, not lost), and Locust's ``--run-time``. Loopback only.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "load_locustfile.py"
MARKER = re.compile(r"\bZq[a-p]{10}\b")
MARKER_SLOTS = ("situation", "what_matters")  # the first two answers; both end up in the note
DEFAULT_PLAIN_MESSAGES = 15


@dataclass(frozen=True)
class LoadPlan:
    residents: int
    replica_counts: tuple[int, ...]
    spawn_rate: float  # residents started per second
    think: tuple[float, float]  # seconds before each next message, uniformly random
    deadline: float  # seconds after the start: no new message after this
    grace: float  # seconds Locust keeps running after the deadline (answers still under way)
    plain: bool

    @classmethod
    def make(cls, quick: bool) -> LoadPlan:
        if quick:
            # A generous limit: Locust quits as soon as every resident is done; a slow machine still finishes.
            return cls(5, (1,), 5.0, (0.5, 2.0), 600.0, 60.0, plain=False)
        return cls(200, (1, 2, 4), 20.0, (3.0, 12.0), 300.0, 60.0, plain=True)


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ residents
# Questions bench/latency.py's NaastIntake does not answer (yet): the buttons a resident would press.
EXTRA_ANSWERS = {
    "utter_ask_for_whom": "Over mijzelf",
    "utter_ask_situation_more": "/deny",  # "Nee, dat was het"
    "utter_ask_contact_name": "/skip",  # "Liever geen naam"
}


def intake(answers: dict[str, str]):  # noqa: ANN201 - a bench.latency.NaastIntake
    """The whole intake of one resident: bench/latency.py's script, plus EXTRA_ANSWERS."""
    from bench.latency import NaastIntake

    class LoadIntake(NaastIntake):
        def next(self, replies: list[dict[str, Any]]) -> str | None:
            from bench.latency import response_names

            names = response_names(replies)
            if names and names[-1] in EXTRA_ANSWERS and not self.completed and self.turns < self.max_turns:
                self.last_names, self.turns = names, self.turns + 1
                return EXTRA_ANSWERS[names[-1]]
            return super().next(replies)

    return LoadIntake(answers)


def marker(rng: random.Random) -> str:
    """A word no Dutch text holds by accident, letters only (the summariser's scrub keeps it)."""
    return "Zq" + "".join(rng.choice("abcdefghijklmnop") for _ in range(10))


def naast_residents(count: int, rng: random.Random, prefix: str) -> list[dict[str, Any]]:
    """Residents with the answers of the summariser's test conversations and two markers of their own."""
    from bench.latency import FALLBACK_ANSWERS, SKIPPED, load_stories

    stories = load_stories()
    residents = []
    for index in range(count):
        answers = {**FALLBACK_ANSWERS, **stories[index % len(stories)]}
        markers = []
        for slot, name in zip(MARKER_SLOTS, ("kat", "hond"), strict=True):
            if answers.get(slot) and answers[slot] != SKIPPED:
                word = marker(rng)
                answers[slot] = f"{answers[slot].rstrip('.')}. Mijn {name} heet {word}."
                markers.append(word)
        residents.append({"index": index, "sender": f"{prefix}{index:04d}{uuid.uuid4().hex[:12]}",
                          "answers": answers, "markers": markers})
    return residents


def plain_residents(count: int, messages: int, prefix: str) -> list[dict[str, Any]]:
    """``rasa init``'s small talk, over and over, ``messages`` messages per resident."""
    from bench.latency import MOOD_CONVERSATIONS

    residents = []
    for index in range(count):
        talk: list[str] = []
        turn = index
        while len(talk) < messages:
            talk += MOOD_CONVERSATIONS[turn % len(MOOD_CONVERSATIONS)]
            turn += 1
        residents.append({"index": index, "sender": f"{prefix}{index:04d}{uuid.uuid4().hex[:12]}",
                          "messages": talk[:messages], "markers": []})
    return residents


# ------------------------------------------------------------------ accounting (pure)
def count_turns(sent: Sequence[str], turns: Sequence[str]) -> dict[str, int]:
    """Lost and duplicated messages of one conversation: what was sent against the tracker's user turns."""
    want, got = Counter(sent), Counter(turns)
    lost = sum(max(0, n - got[text]) for text, n in want.items())
    duplicated = sum(max(0, n - want[text]) for text, n in got.items())
    return {"lost": lost, "duplicated": duplicated, "out_of_order": int(not lost and not duplicated
                                                                         and list(sent) != list(turns))}


def account(records: Sequence[dict[str, Any]], turns: dict[str, list[str]]) -> dict[str, Any]:
    """Lost, duplicated and out-of-order messages over every resident (``turns``: sender -> user texts)."""
    totals = Counter()
    examples: list[dict[str, Any]] = []
    for record in records:
        found = record_turns(record, turns.get(record["sender"], []))
        sent = [m["text"] for m in record["messages"]]
        totals.update(found)
        if (found["lost"] or found["duplicated"] or found["out_of_order"]) and len(examples) < 5:
            examples.append({"sender": record["sender"], **found, "sent": sent,
                             "turns": turns.get(record["sender"], [])})
    messages = sum(len(r["messages"]) for r in records)
    return {"messages": messages, "turns": sum(len(turns.get(r["sender"], [])) for r in records),
            "lost": totals["lost"], "duplicated": totals["duplicated"], "out_of_order": totals["out_of_order"],
            "unanswered_at_time_limit": sum(bool(r["messages"] and r["messages"][-1].get("unanswered_at_time_limit"))
                                            for r in records),
            "unanswered_at_time_limit_not_taken": totals["held_not_taken"], "examples": examples}


def record_turns(record: dict[str, Any], turns: Sequence[str]) -> dict[str, int]:
    """``count_turns`` for one resident. Its last message may still have been in the widget's outbox when the
    time limit came (refused with 503 until then): not lost when Rasa never took it, since the resident still
    holds it; counted as ``held_not_taken``."""
    messages = record["messages"]
    sent = [m["text"] for m in messages]
    found = {**count_turns(sent, turns), "held_not_taken": 0}
    if messages and messages[-1].get("unanswered_at_time_limit"):
        without = count_turns(sent[:-1], turns)
        if without["lost"] + without["duplicated"] < found["lost"] + found["duplicated"]:
            found = {**without, "held_not_taken": 1}
    return found


def cross_talk(residents: Sequence[dict[str, Any]], records: Sequence[dict[str, Any]],
               notes: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Every note (reference, body) against the markers of the resident whose reply named its reference."""
    markers = {r["sender"]: set(r["markers"]) for r in residents}
    owner_of = {word: r["sender"] for r in residents for word in r["markers"]}
    by_reference = {}
    for record in records:
        if record.get("reference"):
            by_reference.setdefault(record["reference"], []).append(record["sender"])
    bodies = {reference: body for reference, body in notes}
    foreign = missing_own = 0
    problems: list[dict[str, Any]] = []
    for reference, body in notes:
        found = set(MARKER.findall(body))
        owners = by_reference.get(reference, [])
        own = markers.get(owners[0], set()) if len(owners) == 1 else set()
        others = {owner_of.get(word, "?") for word in found - own}
        if others:
            foreign += 1
        if not own or not own <= found:
            missing_own += 1
        if (others or not own or not own <= found) and len(problems) < 5:
            problems.append({"reference": reference, "residents": owners, "foreign_markers_of": sorted(others),
                             "own_markers_found": sorted(own & found), "own_markers": sorted(own)})
    told = [ref for ref in by_reference if ref not in bodies]
    shared = [ref for ref, senders in by_reference.items() if len(senders) > 1]
    return {"notes": len(notes), "cross_talk": foreign, "notes_missing_own_answers": missing_own,
            "notes_nobody_was_told": sum(1 for ref, _ in notes if ref not in by_reference),
            "references_without_note": len(told), "references_told_to_several": len(shared),
            "problems": problems}


def answered(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for r in records for m in r["messages"] for a in m["attempts"] if a["status"] == 200]


def speed(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Latency of every answered request and answered messages per second (first request to last answer)."""
    from bench.latency import summary

    ok = answered(records)
    attempts = [a for r in records for m in r["messages"] for a in m["attempts"]]
    if not attempts:
        return {"latency_ms": {"n": 0}, "messages_per_second": None, "window_seconds": None, "errors": 0}
    window = max(a["ended"] for a in attempts) - min(a["began"] for a in attempts)
    statuses = Counter(str(a["status"]) for a in attempts if a["status"] != 200)
    return {"latency_ms": summary([a["ms"] for a in ok]),
            "messages_per_second": round(len(ok) / window, 2) if window > 0 else None,
            "window_seconds": round(window, 1), "answered": len(ok), "errors": sum(statuses.values()),
            "error_statuses": dict(statuses), "sent_again": sum(max(0, len(m["attempts"]) - 1)
                                                             for r in records for m in r["messages"])}


def conversations(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    lengths = [len(r["messages"]) for r in records if r["completed"]]
    return {"started": len(records), "completed": len(lengths), "cut_by_time_limit": sum(r["cut"] for r in records),
            "stopped_otherwise": sum(1 for r in records if not r["completed"] and not r["cut"]),
            "completed_without_note_number": sum(1 for r in records if r["completed"] and not r.get("reference")),
            "messages_per_completed": round(sum(lengths) / len(lengths), 1) if lengths else None,
            "stuck_examples": [{"sender": r["sender"], "last": r.get("last_names"),
                                "messages": len(r["messages"])} for r in records
                               if not r["completed"] and not r["cut"]][:3]}


def figures(plan: LoadPlan, residents: Sequence[dict[str, Any]], records: Sequence[dict[str, Any]],
            turns: dict[str, list[str]], notes: Sequence[tuple[str, str]] | None) -> dict[str, Any]:
    """The flat figures of issue 13 and the details behind them."""
    counted, fast = account(records, turns), speed(records)
    talk = cross_talk(residents, records, notes) if notes is not None else None
    latency = fast["latency_ms"]
    result: dict[str, Any] = {
        "residents": len(residents), "messages": counted["messages"], "lost": counted["lost"],
        "duplicated": counted["duplicated"], "cross_talk": talk["cross_talk"] if talk else None,
        "p50_ms": latency.get("p50"), "p95_ms": latency.get("p95"), "p99_ms": latency.get("p99"),
        "messages_per_second": fast["messages_per_second"],
        "accounting": counted, "speed": fast, "conversations": conversations(records),
    }
    if talk is not None:
        result["notes"] = talk
    return result


# ------------------------------------------------------------------ running
def run_locust(mode: str, host: str, residents: list[dict[str, Any]], plan: LoadPlan, workdir: Path,
               label: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Locust, headless, as its own process; the residents' records and Locust's own totals."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"{label}-records.json"
    config = workdir / f"{label}-config.json"
    config.write_text(json.dumps({"mode": mode, "residents": residents, "think": list(plan.think),
                                  "deadline": plan.deadline, "out": str(out)}), "utf-8")
    run_time = int(plan.deadline + plan.grace)
    command = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", host,
               "--users", str(len(residents)), "--spawn-rate", str(plan.spawn_rate), "--run-time", f"{run_time}s",
               "--stop-timeout", "5", "--csv", str(workdir / label), "--only-summary", "--loglevel", "WARNING"]
    env = dict(os.environ, NAAST_LOAD_CONFIG=str(config), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    started = time.monotonic()
    with (workdir / f"{label}-locust.log").open("ab") as handle:
        proc = subprocess.run(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=run_time + 120, check=False)
    if not out.exists():
        raise RuntimeError(f"locust wrote no records (exit {proc.returncode}); see {workdir / f'{label}-locust.log'}")
    return json.loads(out.read_text("utf-8")), {"exit_code": proc.returncode,
                                                "seconds": round(time.monotonic() - started, 1),
                                                "command": " ".join(["locust", *command[1:]]),
                                                **locust_totals(workdir / f"{label}_stats.csv")}


def locust_totals(path: Path) -> dict[str, Any]:
    """Locust's own aggregated row (its percentiles are rounded; ours come from every request)."""
    import csv

    if not path.exists():
        return {}
    for row in csv.DictReader(path.open(encoding="utf-8")):
        if row.get("Name") == "Aggregated":
            keys = {"Request Count": "requests", "Failure Count": "failures", "50%": "p50_ms", "95%": "p95_ms",
                    "99%": "p99_ms", "Requests/s": "requests_per_second"}
            return {"locust": {ours: _number(row.get(theirs)) for theirs, ours in keys.items()}}
    return {}


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "N/A") else None
    except ValueError:
        return None


def tracker_turns_sql(url: str, senders: Iterable[str]) -> dict[str, list[str]]:
    """The user turns of each conversation, in order, from Rasa's SQL tracker store."""
    from sqlalchemy import text

    from bot.db import make_engine

    wanted = set(senders)
    turns: dict[str, list[str]] = {sender: [] for sender in wanted}
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            rows = db.execute(text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id"))
            for sender, data in rows:
                if sender in wanted:
                    turns[sender].append(json.loads(data).get("text"))
    finally:
        engine.dispose()
    return turns


def tracker_turns_api(rasa_url: str, token: str, senders: Iterable[str]) -> dict[str, list[str]]:
    """The user turns of each conversation from Rasa's HTTP API (plain Rasa keeps its trackers in memory)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def one(sender: str) -> tuple[str, list[str]]:
        response = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=60)
        response.raise_for_status()
        return sender, [e.get("text") for e in response.json()["events"] if e["event"] == "user"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, list(senders)))


def stored_notes(url: str) -> list[tuple[str, str]]:
    from sqlalchemy import text

    from bot.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as db:
            return [(ref, body) for ref, body in db.execute(text("SELECT reference, body FROM notes"))]
    finally:
        engine.dispose()


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def settle(seconds: float = 10.0) -> None:
    """Let Rasa finish messages whose answer nobody waits for any more before counting turns."""
    time.sleep(seconds)


def measure_naast(replicas: int, plan: LoadPlan, workdir: Path, seed: int = 13) -> dict[str, Any]:
    from bot.processes import Topology
    from bot.prod import missing_programs

    missing = missing_programs()
    if missing:
        return {"status": "not available", "reason": f"the production topology needs {', '.join(missing)}"}
    residents = naast_residents(plan.residents, random.Random(seed + replicas), f"load{replicas}r")
    topology = Topology(rasa_replicas=replicas)
    log(f"{replicas} replica(s): starting the production topology in {topology.workdir}")
    spawned = time.monotonic()
    try:
        topology.start(timeout=900)
        ready = round(time.monotonic() - spawned, 1)
        log(f"{replicas} replica(s): ready in {ready} s; {len(residents)} residents through {topology.url}")
        before = load_average()
        records, locust = run_locust("naast", topology.url, residents, plan, workdir, f"naast-{replicas}")
        locust["load_average"] = {"before": before, "after": load_average()}  # the machine is shared
        settle()
        turns = tracker_turns_sql(topology.layout.tracker_db_url, (r["sender"] for r in residents))
        notes = stored_notes(topology.layout.database_url())
    finally:
        topology.stop()
    result = figures(plan, residents, records, turns, notes)
    result.update(replicas=replicas, ready_seconds=ready, locust=locust)
    log(f"{replicas} replica(s): {headline(result)}")
    return result


def measure_plain(plan: LoadPlan, workdir: Path, messages: int) -> dict[str, Any]:
    from bench import plain_rasa

    project = workdir / "plain-rasa"
    log("plain Rasa: rasa init (trains the example assistant)")
    init = plain_rasa.init_assistant(project)
    if not init.ok:
        return {"status": "failed", "reason": init.error}
    residents = plain_residents(plan.residents, messages, "plainload")
    server = plain_rasa.RasaServer(project, Path(init.model), workdir / "plain-logs", token=secrets.token_hex(16))
    try:
        server.start()
        ready = round(server.wait_ready(timeout=600), 1)
        log(f"plain Rasa: ready in {ready} s; {len(residents)} residents, {messages} messages each")
        before = load_average()
        records, locust = run_locust("plain", server.url, residents, plan, workdir, "plain")
        locust["load_average"] = {"before": before, "after": load_average()}
        settle()
        turns = tracker_turns_api(server.url, server.token, (r["sender"] for r in residents))
    finally:
        server.stop()
    result = figures(plan, residents, records, turns, None)
    result.update(ready_seconds=ready, messages_per_resident=messages, locust=locust)
    log(f"plain Rasa: {headline(result)}")
    return result


def headline(result: dict[str, Any]) -> str:
    return (f"{result['messages']} messages, lost {result['lost']}, duplicated {result['duplicated']}, "
            f"cross-talk {result.get('cross_talk')}, p50/p95/p99 {result['p50_ms']}/{result['p95_ms']}/"
            f"{result['p99_ms']} ms, {result['messages_per_second']} msg/s, "
            f"{result['conversations']['completed']}/{result['residents']} conversations completed")


def run(quick: bool, workdir: Path | None = None) -> dict[str, Any]:
    """The ``make bench`` module contract: every figure, JSON-serialisable."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("locust") is None:
        return {"status": "not available", "reason": "locust is not installed (pip install -c constraints.txt "
                                                     "locust)"}
    plan = LoadPlan.make(quick)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="naast-load-"))
    result: dict[str, Any] = {"plan": asdict(plan), "residents": plan.residents, "replicas": {},
                              "setup": SETUP, "workdir": str(workdir)}
    for replicas in plan.replica_counts:
        result["replicas"][str(replicas)] = measure_naast(replicas, plan, workdir)
    if plan.plain:
        lengths = [r["conversations"]["messages_per_completed"] for r in result["replicas"].values()
                   if isinstance(r.get("conversations"), dict) and r["conversations"]["messages_per_completed"]]
        messages = round(sum(lengths) / len(lengths)) if lengths else DEFAULT_PLAIN_MESSAGES
        result["plain"] = measure_plain(plan, workdir, messages)
    measured = [r for r in result["replicas"].values() if "lost" in r]
    for key in ("messages", "lost", "duplicated", "cross_talk"):
        result[key] = sum(r[key] or 0 for r in measured)
    return result


SETUP = {
    "through": "nginx (public port) -> the web app's /api/chat -> nginx -> Rasa replicas (consistent hash on the "
               "conversation), PostgreSQL tracker store, Redis lock store",
    "resident": "one whole intake: 'Hallo', every question answered from tests/notes/conversations.yml, the "
                "read-back confirmed, consent yes, contact by phone, the note stored; a random think time "
                "before each next message; a server error is sent again after 2 s, doubling up to 30 s, until the "
                "time limit (the widget's REST transport)",
    "lost": "a message sent (answered or not) with no user turn in its conversation's tracker; a last message "
            "that was refused (503) until the time limit and that Rasa never took is not lost (the widget still "
            "holds it and sends it again): unanswered_at_time_limit_not_taken",
    "duplicated": "a second user turn for one message sent",
    "cross_talk": "a note holding a marker word of another resident",
    "latency": "every answered request, from the request to the last byte of the answer",
    "messages_per_second": "answered messages / (last answer - first request)",
    "plain": "rasa init's assistant, one rasa run process, REST channel, same residents, think times and time "
             "limit, as many messages per resident as a completed Naast intake had on average",
    "tool": "Locust (headless, its own process, FastHttpUser)",
}
