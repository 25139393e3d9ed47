"""Where a Naast turn spends its time: py-spy samples of Rasa and the action server, per stage.

Starts Naast's servers the way ``make run`` does (bot/processes.py), warms them up, then records with
py-spy (``py-spy record --format raw``, a sampling profiler outside the process: no code changes, small
overhead) while (1) one whole conversation runs, from "Hallo" to the note being sent, and (2) 20
conversations run at once. Every sample's stack is put in one *stage* (``STAGES``: the innermost frame
that matches a stage wins, so the tracker store read inside an action's run counts as the store). The
result is the share of each process's busy samples per stage, milliseconds per message, and how
many policy predictions Rasa made per turn (counted in Rasa's debug log).

Module contract of bench/run.py: ``run(quick: bool) -> dict``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RATE = 250  # samples per second
PY_SPY = Path(sys.executable).parent / "py-spy"

# (stage, regular expression on one frame "function (path:line)"). A sample belongs to the first rule
# that matches any frame of its stack, so the order is a priority: what Naast and Rasa do (the tracker
# store read inside an action's run counts as the store, TensorFlow inside DIET as DIET) before the
# layers everything runs through (the graph runner, the web server).
STAGES: tuple[tuple[str, str], ...] = (
    ("message screen: language check", r"detect_language|lingua"),
    ("message screen: crisis and cues", r"bot/nlu/message_screen|bot/safety/|bot/lexicons/"),
    ("summariser (read-back, note)", r"bot/summariser/|bot/notes/"),
    ("tracker store (SQL)", r"rasa/core/tracker_store|bot/privacy/"),
    ("action server reply validation (jsonschema)", r"validate_action_result|jsonschema/"),
    ("action server call (HTTP, tracker JSON)", r"RemoteAction|rasa/utils/endpoints|aiohttp/"),
    ("forms", r"rasa/core/actions/forms|rasa/core/actions/loops"),
    ("NLU: spaCy", r"spacy_utils|tokenizers/spacy"),
    ("NLU: featurizers", r"rasa/nlu/featurizers/"),
    ("NLU: intent classifier", r"rasa/nlu/classifiers/(diet|logistic)|sklearn/linear_model"),
    ("NLU: entity CRF", r"rasa/nlu/extractors/crf|sklearn_crfsuite|pycrfsuite"),
    ("NLU: fallback, synonyms", r"rasa/nlu/"),
    ("policy: TED", r"rasa/core/policies/ted_policy"),
    ("policy: Rule", r"rasa/core/policies/rule_policy"),
    ("policy: Memoization", r"rasa/core/policies/memoization"),
    ("policy: Opening", r"bot/policies/"),
    ("policy: ensemble, featurising", r"rasa/core/policies/|rasa/core/featurizers/"),
    ("graph runner (dask)", r"rasa/engine/|dask/"),
    ("Rasa actions (utterances, default actions)", r"rasa/core/actions/"),
    ("tracker (events, state)", r"rasa/shared/core/trackers|rasa/shared/core/events"),
    ("domain", r"rasa/shared/core/domain"),
    ("Naast actions", r"\((actions|rasa_sdk_plugins)/"),
    ("rasa_sdk", r"rasa_sdk/"),
    ("Rasa processor, channel", r"rasa/core/processor|rasa/core/agent|rasa/core/channels"),
    ("HTTP server (Sanic)", r"sanic/|httptools|websockets/"),
)
_RULES = [(name, re.compile(pattern)) for name, pattern in STAGES]
OTHER = "other"
IDLE = "idle"
# py-spy's idle detection does not see an event loop waiting in epoll inside the serve() call, nor a
# thread pool's worker waiting for work (its queue.get blocks in C): before this rule those idle
# workers were 81% of Rasa's samples, as "other".
_IDLE_LEAF = re.compile(r"^(serve \(sanic/server/runners|run_forever|_run_once|select |poll |wait |"
                        r"_worker \(concurrent/futures/thread)")


def stage_of(stack: list[str]) -> str:
    """The stage of one sample (``IDLE`` when the event loop is only waiting for work)."""
    if not stack or _IDLE_LEAF.match(stack[-1]):
        return IDLE
    for name, rule in _RULES:
        if any(rule.search(frame) for frame in stack):
            return name
    return OTHER


def parse_raw(text: str) -> Counter:
    """py-spy's raw (collapsed stack) output: ``frame;frame;... count`` per line, outermost first."""
    stages: Counter = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        stages[stage_of(stack.split(";"))] += int(count)
    return stages


class Recorder:
    """``py-spy record`` on one process until ``stop()``; the collapsed stacks land in ``path``."""

    def __init__(self, pid: int, path: Path, *, subprocesses: bool = False) -> None:
        self.path = path
        command = [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw",
                   "--output", str(path), "--nonblocking"]
        if subprocesses:
            command.append("--subprocesses")
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> Counter:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        if not self.path.exists():
            raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')[-400:]}")
        return parse_raw(self.path.read_text("utf-8", "replace"))


def busy(stages: Counter) -> int:
    return sum(n for name, n in stages.items() if name != IDLE)


def stage_table(stages: Counter, messages: int) -> list[dict[str, Any]]:
    total = busy(stages)
    rows = []
    for name, samples in stages.most_common():
        if name == IDLE:
            continue
        rows.append({"stage": name, "samples": samples, "share": round(samples / total, 4) if total else None,
                     "ms_per_message": round(1000 * samples / RATE / messages, 1) if messages else None})
    return rows


def domain_actions() -> set[str]:
    """The custom actions (and form validations) that Rasa runs on the action server."""
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    return {str(name) for name in domain.get("actions") or []}


def tracker_figures(db: Path, prefix: str, messages: int) -> dict[str, Any]:
    """From the tracker store: predictions per message, which policy chose, calls to the action server
    and the size of the tracker each call carries (Rasa 3.6 sends every event of the session)."""
    import json
    import sqlite3

    remote = domain_actions()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT sender_id, type_name, action_name, data FROM events "
                                  "WHERE sender_id LIKE ? ORDER BY id", (f"{prefix}%",)).fetchall()
    winners: Counter = Counter()
    predictions = users = calls = 0
    sizes: list[int] = []
    sent_so_far: dict[str, int] = Counter()
    for sender, type_name, action, data in rows:
        sent_so_far[sender] += len(data) + 2
        if type_name == "user":
            users += 1
        if type_name != "action":
            continue
        policy = (json.loads(data).get("policy") or "").split("_", 2)[-1]
        if policy:  # predicted (the session start and the first action_listen are not)
            predictions += 1
            winners[policy] += 1
        if action in remote:
            calls += 1
            sizes.append(sent_so_far[sender])
    return {"user_messages_stored": users, "predictions": predictions,
            "predictions_per_message": round(predictions / users, 2) if users else None,
            "winning_policy": dict(winners.most_common()),
            "action_server_calls": calls,
            "action_server_calls_per_message": round(calls / users, 2) if users else None,
            "tracker_events_bytes_per_call_mean": round(sum(sizes) / len(sizes)) if sizes else None,
            "tracker_events_bytes_per_call_max": max(sizes) if sizes else None}


def _profile_pass(servers: Any, workers: int, messages: int, label: str, tmp: Path) -> dict[str, Any]:
    from bench import latency

    rasa = [Recorder(pid, tmp / f"{label}-rasa-{n}.txt") for n, pid in enumerate(servers.rasa_pids())]
    actions = Recorder(servers.pid("actions"), tmp / f"{label}-actions.txt", subprocesses=True)
    time.sleep(1.0)  # py-spy attaches
    load = latency.run_load(servers.rasa_url, latency.naast_scripts(), workers, messages, 600,
                            prefix=f"profile-{label}")
    rasa_stages, action_stages = sum((r.stop() for r in rasa), Counter()), actions.stop()
    sent = len(load.latencies_ms)
    return {
        "workers": workers,
        "messages": sent,
        "errors": len(load.errors),
        "wall_seconds": round(load.wall_seconds, 1),
        "latency_ms": latency.summary(load.latencies_ms),
        "rasa_busy_ms_per_message": round(1000 * busy(rasa_stages) / RATE / sent, 1) if sent else None,
        "actions_busy_ms_per_message": round(1000 * busy(action_stages) / RATE / sent, 1) if sent else None,
        "rasa": stage_table(rasa_stages, sent),
        "actions": stage_table(action_stages, sent),
        "dialogue": tracker_figures(servers.workdir / "tracker.db", f"profile-{label}", sent),
    }


ACTION_CALL = re.compile(r"Calling action endpoint to run action '([^']+)'")
TRACKER_BYTES = re.compile(r"naast-tracker-bytes=(\d+)")


def action_calls_in_log(text: str, messages: int) -> dict[str, Any]:
    calls = ACTION_CALL.findall(text)
    sizes = [int(n) for n in TRACKER_BYTES.findall(text)]
    return {"calls": len(calls), "per_message": round(len(calls) / messages, 2) if messages else None,
            "tracker_bytes_mean": round(sum(sizes) / len(sizes)) if sizes else None,
            "tracker_bytes_max": max(sizes) if sizes else None}


def run(quick: bool = False) -> dict[str, Any]:
    from bench import latency
    from bot.processes import Servers

    if not PY_SPY.exists() and not shutil.which("py-spy"):
        raise ModuleNotFoundError("py-spy is not installed", name="py_spy")
    tmp = Path(tempfile.mkdtemp(prefix="naast-profile-"))
    servers = Servers(workdir=tmp / "servers", with_web=False)
    try:
        servers.start(timeout=600)
        latency.run_load(servers.rasa_url, latency.naast_scripts(), 1, 6, 120, prefix="profile-warmup")
        one = _profile_pass(servers, 1, 40 if not quick else 12, "one", tmp)
        loaded = _profile_pass(servers, 20 if not quick else 4, 20 if not quick else 6, "loaded", tmp)
    finally:
        servers.stop()
        if not os.environ.get("NAAST_KEEP_PROFILE"):
            shutil.rmtree(tmp, ignore_errors=True)
    return {"rate_hz": RATE, "one_conversation": one, "loaded": loaded,
            "definitions": {
                "share": "of the process's busy samples (py-spy counts a thread only while it runs Python or "
                         "native code, not while it waits)",
                "ms_per_message": "busy milliseconds of that process per message sent, in that stage",
                "stage": "the innermost frame matching a rule of bench/profile.py STAGES",
            }}


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))


# ------------------------------------------------------------------ report (bench/report.py calls these)
PASSES = (("one_conversation", "1 conversation"), ("loaded", "loaded"))


def markdown(section: dict[str, Any] | None) -> list[str]:
    """The per-stage table of Rasa's busy time, and the dialogue figures, for latest.md."""
    out = ["## Profile: where Rasa's time per message goes", ""]
    if not section or section.get("status") not in (None, "ok"):
        reason = (section or {}).get("reason", "not run")
        return out + [f"*profile: {(section or {}).get('status', 'not run')} ({reason}).*", ""]
    one, loaded = section.get("one_conversation") or {}, section.get("loaded") or {}
    out += [
        f"py-spy samples ({section.get('rate_hz')} Hz) of every Rasa process and the action server while "
        f"one whole conversation runs ({one.get('messages')} messages) and while {loaded.get('workers')} run "
        f"at once ({loaded.get('messages')} messages); Naast started as `make run` starts it. A sample is put "
        "in the first stage of `bench/profile.py` STAGES that any frame of its stack matches. ms = busy "
        "milliseconds of the Rasa processes per message (waiting is not counted).", "",
    ]
    stages: dict[str, dict[str, Any]] = {}
    for key, _ in PASSES:
        for row in (section.get(key) or {}).get("rasa") or []:
            stages.setdefault(row["stage"], {})[key] = row
    order = sorted(stages, key=lambda s: -(stages[s].get("one_conversation") or {}).get("ms_per_message", 0))
    rows = []
    for name in order:
        cells = [name]
        for key, _ in PASSES:
            row = stages[name].get(key) or {}
            cells += [f"{row['ms_per_message']:.1f} ms" if row else "–",
                      f"{100 * row['share']:.1f} %" if row else "–"]
        rows.append(cells)
    rows.append(["**Rasa, all stages**", f"{one.get('rasa_busy_ms_per_message')} ms", "100 %",
                 f"{loaded.get('rasa_busy_ms_per_message')} ms", "100 %"])
    rows.append(["action server (whole process)", f"{one.get('actions_busy_ms_per_message')} ms", "",
                 f"{loaded.get('actions_busy_ms_per_message')} ms", ""])
    header = ["stage", "1 conversation", "share", "loaded", "share"]
    out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    out += ["", "![profile per stage](profile.png)", ""]
    for key, label in PASSES:
        d = (section.get(key) or {}).get("dialogue") or {}
        lat = (section.get(key) or {}).get("latency_ms") or {}
        out.append(f"- {label}: p50 {lat.get('p50')} ms, p95 {lat.get('p95')} ms (under the profiler); "
                   f"{d.get('predictions_per_message')} policy predictions per message (won by "
                   f"{d.get('winning_policy')}); {d.get('action_server_calls_per_message')} action-server calls "
                   f"per message, carrying on average {d.get('tracker_events_bytes_per_call_mean')} bytes of "
                   f"events (at most {d.get('tracker_events_bytes_per_call_max')}).")
    return out + [""]


def plot(section: dict[str, Any] | None, out: Path) -> Path | None:
    """A horizontal bar plot of ms per message per stage, both passes."""
    if not section or not section.get("one_conversation"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = {key: {r["stage"]: r["ms_per_message"] for r in (section.get(key) or {}).get("rasa") or []}
            for key, _ in PASSES}
    names = sorted(set(data["one_conversation"]) | set(data["loaded"]),
                   key=lambda s: data["one_conversation"].get(s, 0))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(names) + 1.4))
    ys = range(len(names))
    for offset, (key, label) in zip((0.2, -0.2), PASSES, strict=True):
        ax.barh([y + offset for y in ys], [data[key].get(n, 0) for n in names], height=0.4, label=label)
    ax.set_yticks(list(ys))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("busy ms of the Rasa processes per message")
    ax.set_title("Where Rasa's time per message goes (py-spy)")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = out / "profile.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
