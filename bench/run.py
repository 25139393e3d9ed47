"""``make bench``: measure Naast and the assistant ``rasa init`` writes, in one run, on this machine.

Writes ``bench/results/latest.json`` (every figure), ``latest.md`` (tables, Naast | plain Rasa |
ratio), ``README_measured.md`` (the short block for the README) and PNG plots.

Sections (each one can fail or be missing without stopping the others; the report says which):

* ``language``  plain language of every Dutch response in domain.yml (bench/plain_language.py)
* ``note``      the summariser on its test conversations: time per note, key statements kept,
                note sentences traceable to the resident's words; plus ``bench/bench_notes.py``
* ``safety``    crisis recall and false alarms of the safety screen on bench/data/safety_heldout.yml
* ``inbox``     ``bench/bench_inbox.py`` (inbox latency at 10k notes)
* ``texts``     ``bench/nlg_cost.py`` (what the text store's NLG adds to each bot message)
* ``training``  full training and retraining after a one-sentence change, Naast and ``rasa init``
* ``servers``   start to ready, out-of-domain fallback, REST latency (1 and 20 conversations),
                peak memory; Naast (Rasa + actions + web app) and plain Rasa side by side
* ``profile``   py-spy samples of Rasa over one whole conversation and a loaded run, per stage
                (bench/profile.py)
* ``crossval``  5-fold cross-validation, Naast's pipeline vs Rasa's default (bench/nlu_crossval.py)
* ``personas``  every persona of tests/personas through the real servers: faithful notes, loops,
                false crisis replies (bench/conversation.py; the same runner as ``make converse``)
* ``safety_live`` crisis recall and false alarms through the real conversation, as the first message
                and typed inside a question (bench/conversation.py)
* ``load``      200 residents at once through nginx of the production topology, 1, 2 and 4 Rasa
                replicas, and plain Rasa: lost, duplicated, cross-talk, latency, throughput (bench/load.py)

Other engineers' bench modules are imported when they exist. Contract: ``run(quick: bool) -> dict``
(JSON-serialisable figures); a module with only ``main(argv)`` is called with ``--quick`` in quick
mode and its ``bench/results/<name>.json`` is read afterwards.

Usage::

    python -m bench.run                 # the full run (about 30 minutes on 2 cores, plus 30-50 for load)
    python -m bench.run --quick         # smoke run: few messages, 2 conversations, 2 folds
    python -m bench.run --only language note --out /tmp/bench
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
DATA_DIR = ROOT / "bench" / "data"
NAAST_MODEL = ROOT / "models" / "naast.tar.gz"
SECTIONS = ("language", "note", "safety", "inbox", "texts", "training", "servers", "profile", "crossval",
            "personas", "safety_live", "load")
NOT_AVAILABLE, FAILED, OK = "not available", "failed", "ok"


# ------------------------------------------------------------------ sizes
@dataclass(frozen=True)
class Plan:
    """How much load: the full run, or a smoke run with --quick."""

    quick: bool
    single_messages: int  # one conversation at a time, messages per assistant
    concurrent_workers: int
    concurrent_messages: int  # per worker
    pass_time_limit: float  # seconds, per pass
    summarise_repeats: int
    crossval_argv: tuple[str, ...]

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 12, 2, 8, 90, 3, ("--quick", "--final-folds", "2"))
        return cls(False, 60, 20, 20, 300, 20, ("--quick",))  # nlu_crossval --quick = naast vs rasa_init, 5 folds


@dataclass
class Context:
    plan: Plan
    out: Path
    tmp: Path
    naast_model: Path
    results: dict[str, Any] = field(default_factory=dict)
    plain_project: Path | None = None
    plain_model: Path | None = None
    bench_naast_model: Path | None = None
    live: Any = None  # Naast's servers for the conversation sections, started once (live_servers)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ------------------------------------------------------------------ section runner
def missing_module(error: ModuleNotFoundError) -> bool:
    """A missing bench/bot module (not yet written) or an uninstalled bench dependency."""
    return bool(error.name) and (error.name.split(".")[0] in {"bench", "bot", "pyphen", "wordfreq", "psutil", "py_spy",
                                                              "matplotlib"})


def run_section(name: str, fn: Callable[[Context], dict[str, Any]], ctx: Context) -> dict[str, Any]:
    log(f"{name}: start (load average {load_average()})")
    start = time.monotonic()
    try:
        result = fn(ctx)
        result.setdefault("status", OK)
    except ModuleNotFoundError as error:
        if not missing_module(error):
            raise
        result = {"status": NOT_AVAILABLE, "reason": f"module {error.name} not found"}
    except Exception as error:  # noqa: BLE001 - one broken section must not lose the others
        result = {"status": FAILED, "reason": f"{type(error).__name__}: {error}"[:500],
                  "traceback": traceback.format_exc()[-3000:]}
    result["seconds"] = round(time.monotonic() - start, 1)
    result["load_average_at_start"] = load_average()
    log(f"{name}: {result['status']} in {result['seconds']} s" + (f" ({result.get('reason')})"
                                                                     if result["status"] != OK else ""))
    return result


def call_bench_module(module_name: str, quick: bool) -> dict[str, Any]:
    """Another engineer's bench module: ``run(quick=...)``, else ``main(argv)`` and its JSON file."""
    module = importlib.import_module(module_name)
    if hasattr(module, "run"):
        result = module.run(quick=quick)
        if not isinstance(result, dict):
            raise TypeError(f"{module_name}.run returned {type(result).__name__}, not a dict")
        return {"figures": result}
    if hasattr(module, "main"):
        short = module_name.rsplit(".", 1)[-1]
        path = RESULTS_DIR / f"{short}.json"
        started = time.time()
        code = module.main(["--quick"] if quick else [])
        if code not in (0, None):
            raise RuntimeError(f"{module_name}.main exited {code}")
        if path.exists() and path.stat().st_mtime >= started:
            return {"figures": json.loads(path.read_text("utf-8")), "file": str(path.relative_to(ROOT))}
        return {"status": FAILED, "reason": f"{module_name}.main wrote no {path.relative_to(ROOT)}"}
    return {"status": NOT_AVAILABLE, "reason": f"{module_name} has neither run() nor main()"}


# ------------------------------------------------------------------ 5. plain language
def section_language(ctx: Context) -> dict[str, Any]:
    from bench import plain_language

    return plain_language.run()


# ------------------------------------------------------------------ 4. the note
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


FREE_TEXT_SLOTS = ("situation", "what_matters", "what_matters_effect", "what_was_tried", "what_would_help",
                   "network", "network_load", "urgency_detail")


def note_lines(note: Any) -> list[str]:
    """What the summariser chose to show: summary lines, 'helped', theme quotes, urgency summary."""
    from bot.notes.model import TEXT_SECTIONS

    lines: list[str] = []
    for name in TEXT_SECTIONS:
        section = getattr(note.sections, name)
        lines += list(section.summary) + list(getattr(section, "helped", []))
    lines += [theme.quote for theme in note.sections.themes]
    lines += list(note.signals.urgency_detail.summary)
    return [line for line in lines if line and line.strip()]


def resident_answers(slots: dict[str, Any]) -> list[str]:
    """The resident's answers as the note may quote them (scrubbed, skipped ones left out)."""
    from bot.slots import SKIPPED
    from bot.summariser import scrub

    texts: list[str] = []
    for slot in (*FREE_TEXT_SLOTS, "additions"):
        value = slots.get(slot)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and item != SKIPPED:
                texts.append(scrub(str(item).strip()).text)
    return texts


def kept(statement: str, texts: Sequence[str]) -> bool:
    wanted = _norm(statement)
    return any(wanted in _norm(text) for text in texts)


def section_note(ctx: Context) -> dict[str, Any]:
    from bot.summariser import IntakeAnswers, summarise

    conversations = yaml.safe_load((ROOT / "tests" / "notes" / "conversations.yml").read_text("utf-8"))
    conversations = conversations["conversations"]
    key_file = yaml.safe_load((DATA_DIR / "key_statements.yml").read_text("utf-8"))["conversations"]
    timings, per_conversation = [], []
    total_lines = traceable_lines = total_keys = keys_in_summary = keys_anywhere = 0
    untraceable: list[dict[str, str]] = []
    for conversation in conversations:
        answers = IntakeAnswers.from_slots(conversation["slots"])
        note = summarise(answers)
        for _ in range(ctx.plan.summarise_repeats):
            start = time.perf_counter()
            summarise(IntakeAnswers.from_slots(conversation["slots"]))
            timings.append(1000 * (time.perf_counter() - start))
        sources = resident_answers(conversation["slots"])
        lines = note_lines(note)
        traced = [line for line in lines if any(line.strip() in source for source in sources)]
        untraceable += [{"conversation": conversation["id"], "line": line} for line in lines if line not in traced]
        keys = key_file.get(conversation["id"], [])
        in_summary = [k for k in keys if kept(k, lines)]
        anywhere = [k for k in keys if kept(k, note.resident_texts())]
        total_lines += len(lines)
        traceable_lines += len(traced)
        total_keys += len(keys)
        keys_in_summary += len(in_summary)
        keys_anywhere += len(anywhere)
        per_conversation.append({
            "id": conversation["id"], "note_lines": len(lines), "traceable": len(traced),
            "key_statements": len(keys), "kept_in_summary": len(in_summary), "kept_anywhere": len(anywhere),
            "missed_in_summary": [k for k in keys if k not in in_summary],
        })
    from bench.latency import summary

    result: dict[str, Any] = {
        "conversations": len(conversations),
        "summarise_ms": summary(timings),
        "summarise_repeats": ctx.plan.summarise_repeats,
        "note_lines": total_lines,
        "traceable_share": round(traceable_lines / total_lines, 4) if total_lines else None,
        "untraceable": untraceable,
        "key_statements": total_keys,
        "key_kept_in_summary_share": round(keys_in_summary / total_keys, 4) if total_keys else None,
        "key_kept_anywhere_share": round(keys_anywhere / total_keys, 4) if total_keys else None,
        "per_conversation": per_conversation,
        "definitions": {
            "note_lines": "summary lines of every section, 'what helped', theme quotes, urgency summary",
            "traceable": "the line occurs verbatim in one of the resident's (scrubbed) answers",
            "kept_in_summary": "the key statement occurs (case and spacing ignored) in the note lines",
            "kept_anywhere": "... or in the full answers the note also carries",
        },
    }
    try:
        result["bench_notes"] = run_section("bench_notes", lambda c: call_bench_module("bench.bench_notes",
                                                                                       c.plan.quick), ctx)
    except Exception as error:  # noqa: BLE001
        result["bench_notes"] = {"status": FAILED, "reason": str(error)}
    return result


# ------------------------------------------------------------------ 1. safety screen
def section_safety(ctx: Context) -> dict[str, Any]:
    from bot.safety.screen import evaluate

    path = DATA_DIR / "safety_heldout.yml"
    if not path.exists():
        return {"status": NOT_AVAILABLE, "reason": f"{path.relative_to(ROOT)} not found"}
    figures = evaluate(path)
    figures["file"] = str(path.relative_to(ROOT))
    from bench.conversation import SAFE_FILE, screen_false_alarms

    if SAFE_FILE.exists():  # the held-out heavy-but-safe set of issue 10
        figures["false_alarm_set"] = screen_false_alarms(SAFE_FILE)
    return figures


def section_inbox(ctx: Context) -> dict[str, Any]:
    return call_bench_module("bench.bench_inbox", ctx.plan.quick)


# ------------------------------------------------------------------ 2. training
def section_training(ctx: Context) -> dict[str, Any]:
    from bench import plain_rasa

    result: dict[str, Any] = {"naast": {}, "plain": {},
                              "one_sentence": {"naast": list(plain_rasa.NAAST_EXTRA),
                                               "plain": list(plain_rasa.PLAIN_EXTRA)}}
    # Naast: a copy of config, domain and data, its own empty cache.
    project = plain_rasa.copy_naast_project(ctx.tmp / "naast-project")
    log("training: Naast, full")
    full = plain_rasa.train(project, project / "models", fixed_name="naast", label="full")
    result["naast"]["full"] = full.as_dict()
    if full.ok:
        ctx.bench_naast_model = Path(full.model)
        plain_rasa.add_one_sentence(project / "data" / "nlu", *plain_rasa.NAAST_EXTRA)
        log("training: Naast, after a one-sentence change")
        result["naast"]["retrain"] = plain_rasa.train(project, project / "models", fixed_name="naast",
                                                      label="retrain").as_dict()
    # Plain Rasa: rasa init writes the project and trains it.
    log("training: rasa init")
    plain = ctx.tmp / "plain-rasa"
    init = plain_rasa.init_assistant(plain)
    result["plain"]["full"] = init.as_dict()
    if init.ok:
        ctx.plain_project, ctx.plain_model = plain, Path(init.model)
        plain_rasa.add_one_sentence(plain / "data", *plain_rasa.PLAIN_EXTRA)
        log("training: rasa init project, after a one-sentence change")
        result["plain"]["retrain"] = plain_rasa.train(plain, plain / "models-retrain", fixed_name="plain",
                                                      label="retrain").as_dict()
    failed = [f"{who} {what}" for who in ("naast", "plain") for what, t in result[who].items() if not t["ok"]]
    if failed:
        result["status"] = FAILED
        result["reason"] = "; ".join(f"{f}: {result[f.split()[0]][f.split()[1]]['error']}" for f in failed)[:500]
    return result


# ------------------------------------------------------------------ 2./3. servers
def parse_intents(rasa_url: str, token: str, messages: list[str]) -> list[dict[str, Any]]:
    from tests.conversation import post_json

    parsed = []
    for text in messages:
        data = post_json(f"{rasa_url}/model/parse?token={token}", {"text": text})
        intent = data.get("intent") or {}
        parsed.append({"text": text, "intent": intent.get("name"),
                       "confidence": round(intent.get("confidence") or 0, 3)})
    return parsed


HANDLED = ("nlu_fallback", "out_of_scope")


def out_of_domain_figures(parsed: list[dict[str, Any]], categories: dict[str, list[str]]) -> dict[str, Any]:
    category_of = {text: name for name, texts in categories.items() for text in texts}
    n = len(parsed)
    count = Counter(p["intent"] for p in parsed)
    per_category = {}
    for name in categories:
        rows = [p for p in parsed if category_of.get(p["text"]) == name]
        per_category[name] = {
            "messages": len(rows),
            "handled_share": round(sum(p["intent"] in HANDLED for p in rows) / len(rows), 4) if rows else None,
        }
    return {
        "messages": n,
        "fallback_share": round(count["nlu_fallback"] / n, 4) if n else None,
        "out_of_scope_share": round(count["out_of_scope"] / n, 4) if n else None,
        "handled_share": round(sum(count[h] for h in HANDLED) / n, 4) if n else None,
        "intents": dict(count.most_common()),
        "per_category": per_category,
        "misses": [p for p in parsed if p["intent"] not in HANDLED],
    }


def load_out_of_domain() -> dict[str, list[str]]:
    data = yaml.safe_load((DATA_DIR / "out_of_domain.yml").read_text("utf-8"))
    return {name: [str(t) for t in texts] for name, texts in data["categories"].items()}


class ReadyWatcher(threading.Thread):
    """Seconds from ``started`` until each URL first answers 200 (polled every 0.25 s)."""

    def __init__(self, urls: dict[str, str], started: float, timeout: float = 600) -> None:
        super().__init__(daemon=True, name="ready-watcher")
        self.urls, self.started, self.timeout = dict(urls), started, timeout
        self.ready: dict[str, float] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        from bot.processes import _ready

        while len(self.ready) < len(self.urls) and not self.halt.is_set():
            for name, url in self.urls.items():
                if name not in self.ready and _ready(url):
                    self.ready[name] = round(time.monotonic() - self.started, 2)
            if time.monotonic() - self.started > self.timeout:
                return
            self.halt.wait(0.25)


def ensure_plain_assistant(ctx: Context) -> None:
    if ctx.plain_model:
        return
    from bench import plain_rasa

    log("servers: the training section did not run; creating the rasa init assistant")
    init = plain_rasa.init_assistant(ctx.tmp / "plain-rasa")
    if not init.ok:
        raise RuntimeError(init.error)
    ctx.plain_project, ctx.plain_model = ctx.tmp / "plain-rasa", Path(init.model)


def section_servers(ctx: Context) -> dict[str, Any]:
    from bench import latency, memory, plain_rasa
    from bot.processes import Servers

    model = ctx.naast_model if ctx.naast_model.exists() else ctx.bench_naast_model
    if not model or not Path(model).exists():
        return {"status": FAILED, "reason": f"no Naast model at {ctx.naast_model} (run `make train`)"}
    ensure_plain_assistant(ctx)
    plan = ctx.plan
    result: dict[str, Any] = {"naast_model": str(model), "plain_model": str(ctx.plain_model)}
    result["model_bytes"] = {"naast": Path(model).stat().st_size, "plain": ctx.plain_model.stat().st_size}

    servers = Servers(workdir=ctx.tmp / "naast-servers", model=Path(model), with_web=True)
    plain = plain_rasa.RasaServer(project=ctx.plain_project, model=ctx.plain_model, logdir=ctx.tmp / "plain-servers")
    sampler = memory.PeakSampler({
        "naast_rasa": servers.rasa_pids,  # every Rasa process (make run starts one per core)
        "naast_router": lambda: servers.pid("rasa") if servers.rasa_names != ["rasa"] else None,
        "naast_actions": lambda: servers.pid("actions"),
        "naast_web": lambda: servers.pid("web"),
        "plain_rasa": lambda: plain.pid,
    }).start()
    try:
        # Start to ready: Naast's three servers (spawned together), then plain Rasa alone.
        log("servers: starting Naast (Rasa, actions, web app)")
        started = time.monotonic()
        watcher = ReadyWatcher({
            "rasa": f"{servers.rasa_url}/status?token={servers.settings.rasa_token}",
            "actions": f"http://127.0.0.1:{servers.settings.action_port}/health",
            "web": f"{servers.web_url}/static/naast.css",
        }, started)
        watcher.start()
        servers.start(timeout=600)
        watcher.join(timeout=5)
        naast_ready = dict(watcher.ready)
        naast_ready["all"] = round(time.monotonic() - started, 2)
        log(f"servers: Naast ready {naast_ready}; starting plain Rasa")
        plain.start()
        plain_ready = {"rasa": round(plain.wait_ready(600), 2)}
        log(f"servers: plain Rasa ready in {plain_ready['rasa']} s")
        result["ready_seconds"] = {"naast": naast_ready, "plain": plain_ready}

        # Out-of-domain messages through Naast's NLU (the HTTP API, with the token).
        categories = load_out_of_domain()
        parsed = parse_intents(servers.rasa_url, servers.settings.rasa_token, [t for ts in categories.values()
                                                                             for t in ts])
        result["out_of_domain"] = out_of_domain_figures(parsed, categories)

        # Warm up (first messages load TensorFlow graphs), not counted.
        naast_scripts, mood_scripts = latency.naast_scripts(), latency.mood_scripts()
        latency.run_load(servers.rasa_url, naast_scripts, 1, 4, 120, prefix="warmup")
        latency.run_load(plain.url, mood_scripts, 1, 4, 120, prefix="warmup")

        # Passes in the order A B B A, so a change in background load hits both assistants alike.
        passes = [
            ("naast", "single", servers.rasa_url, naast_scripts, 1, plan.single_messages),
            ("plain", "single", plain.url, mood_scripts, 1, plan.single_messages),
            ("plain", "concurrent", plain.url, mood_scripts, plan.concurrent_workers, plan.concurrent_messages),
            ("naast", "concurrent", servers.rasa_url, naast_scripts, plan.concurrent_workers,
             plan.concurrent_messages),
        ]
        loads: dict[str, dict[str, Any]] = {"naast": {}, "plain": {}}
        raw: dict[str, dict[str, list[float]]] = {"naast": {}, "plain": {}}
        server_pids = {"naast": lambda: [*servers.rasa_pids(), servers.pid("actions"),
                                         *([servers.pid("rasa")] if servers.rasa_names != ["rasa"] else [])],
                       "plain": lambda: [plain.pid]}
        for who, kind, url, scripts, workers, messages in passes:
            log(f"servers: {who} {kind}: {workers} conversation(s), {messages} messages each")
            cpu_before = memory.tree_cpu_seconds(server_pids[who]())
            load = latency.run_load(url, scripts, workers, messages, plan.pass_time_limit, prefix=f"bench-{kind}")
            cpu = memory.tree_cpu_seconds(server_pids[who]()) - cpu_before
            loads[who][kind] = load.as_dict()
            # Rasa (every process, the router) and the action server; plain Rasa's one process.
            loads[who][kind]["cpu_ms_per_message"] = round(1000 * cpu / len(load.latencies_ms), 1) \
                if load.latencies_ms else None
            loads[who][kind]["load_average"] = load_average()
            raw[who][kind] = [round(x, 2) for x in load.latencies_ms]
            log(f"servers: {who} {kind}: {loads[who][kind]['latency_ms']} errors {len(load.errors)}")
        result["latency"] = loads
        result["latency_raw_ms"] = raw
        result["latency_plan"] = {"single_messages": plan.single_messages, "concurrent_workers":
                                  plan.concurrent_workers, "concurrent_messages_per_worker": plan.concurrent_messages,
                                  "pass_time_limit_s": plan.pass_time_limit, "order": [p[:2] for p in passes]}
    finally:
        plain.stop()
        servers.stop()
        result["memory"] = sampler.stop()
    return result


# ------------------------------------------------------------------ 1. cross-validation
def section_crossval(ctx: Context) -> dict[str, Any]:
    from bench import nlu_crossval

    out = ctx.tmp / "nlu_crossval.json"
    argv = [*ctx.plan.crossval_argv, "--out", str(out)]
    code = nlu_crossval.main(argv)
    if code not in (0, None) or not out.exists():
        return {"status": FAILED, "reason": f"nlu_crossval.main({argv}) exited {code}"}
    data = json.loads(out.read_text("utf-8"))
    final = [r for r in data["results"] if r.get("stage") == "final"] or data["results"]
    by_name = {r["name"]: r for r in final}
    return {"argv": argv, "mode": data.get("mode"), "wall_seconds": data.get("wall_seconds"), "jobs": data.get("jobs"),
            "naast": by_name.get("naast"), "rasa_init": by_name.get("rasa_init"), "note": data.get("note")}


# ------------------------------------------------------------------ conversations (issue 10)
def live_servers(ctx: Context) -> Any:
    """Naast's servers for the conversation sections: started on first use, stopped at the end of the run."""
    if ctx.live is None:
        from bot.processes import Servers

        model = ctx.naast_model if ctx.naast_model.exists() else ctx.bench_naast_model
        if not model or not Path(model).exists():
            raise RuntimeError(f"no Naast model at {ctx.naast_model} (run `make train`)")
        log("conversation: starting Naast's servers")
        servers = Servers(workdir=ctx.tmp / "conversation-servers", model=Path(model))
        try:
            servers.start(timeout=600)
        except Exception as error:
            servers.stop()  # the ones that did start must not outlive the run
            logs = {name: (servers.workdir / f"{name}.log").read_text("utf-8", "replace")[-800:]
                    for name in ("actions", "rasa") if (servers.workdir / f"{name}.log").exists()}
            raise RuntimeError(f"{error}; log tails: {logs}") from error
        ctx.live = servers
    return ctx.live


def section_personas(ctx: Context) -> dict[str, Any]:
    from bench.conversation import persona_figures
    from tests.personas.runner import RestTransport, note_finder

    servers = live_servers(ctx)
    return persona_figures(RestTransport(servers.rasa_url), note_finder(servers.settings.database_url))


def section_safety_live(ctx: Context) -> dict[str, Any]:
    from bench.conversation import live_safety, load_crisis, load_safe
    from tests.personas.runner import RestTransport

    crisis, safe = load_crisis(), load_safe()
    if ctx.plan.quick:  # a smoke run: every fifth message
        crisis, safe = crisis[::5], safe[::5]
    return live_safety(RestTransport(live_servers(ctx).rasa_url), crisis, safe)


def section_profile(ctx: Context) -> dict[str, Any]:
    from bench import profile

    return profile.run(quick=ctx.plan.quick)


def section_load(ctx: Context) -> dict[str, Any]:
    from bench import load

    if ctx.live is not None:  # the conversation sections' servers: their memory and CPU go to the load test
        ctx.live.stop()
        ctx.live = None
    return load.run(quick=ctx.plan.quick, workdir=ctx.tmp / "load")


RUNNERS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "language": section_language,
    "note": section_note,
    "safety": section_safety,
    "inbox": section_inbox,
    "texts": lambda ctx: call_bench_module("bench.nlg_cost", ctx.plan.quick),
    "training": section_training,
    "servers": section_servers,
    "profile": section_profile,
    "crossval": section_crossval,
    "personas": section_personas,
    "safety_live": section_safety_live,
    "load": section_load,
}


# ------------------------------------------------------------------ meta
def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ModuleNotFoundError:
        pass
    try:
        from importlib.metadata import version

        info["rasa"] = version("rasa")
    except Exception:  # noqa: BLE001
        pass
    return info


def earlier_sections(path: Path, sections: Sequence[str], meta: dict[str, Any]) -> dict[str, Any]:
    """The sections of an earlier report this run does not measure, and which run each came from."""
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text("utf-8"))
    kept = {name: value for name, value in earlier.items() if name in SECTIONS and name not in sections}
    old = earlier.get("meta") or {}
    origins = dict(old.get("earlier_sections") or {})
    meta["earlier_sections"] = {}
    for name in kept:
        own_run = old.get(f"{name}_run")  # a section measured in its own run and merged in by hand (load)
        if own_run:
            meta[f"{name}_run"] = own_run
        meta["earlier_sections"][name] = origins.get(name) or own_run and {
            "generated": own_run.get("generated"), "commit": own_run.get("commit")} or {
            "generated": old.get("generated"), "commit": old.get("commit")}
    return kept


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure Naast and plain Rasa; write bench/results/latest.*")
    parser.add_argument("--quick", action="store_true", help="smoke run: few messages, 2 conversations, 2 folds")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION", help=f"sections: {SECTIONS}")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="output directory (default bench/results)")
    parser.add_argument("--naast-model", type=Path, default=NAAST_MODEL)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, models)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sections of the existing latest.json (the report says which run each "
                             "came from)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.make(args.quick)
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    tmp = Path(tempfile.mkdtemp(prefix="naast-bench-"))
    ctx = Context(plan=plan, out=args.out, tmp=tmp, naast_model=args.naast_model)
    given = list(sys.argv[1:] if argv is None else argv)
    command = "make bench" if not given else "python -m bench.run " + " ".join(given)
    started = time.monotonic()
    meta: dict[str, Any] = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command.strip(),
        "mode": "quick" if plan.quick else "full",
        "sections": sections,
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain")),
        "machine": machine(),
        "load_average_start": load_average(),
        "plan": plan.__dict__,
        "workdir": str(tmp),
    }
    log(f"{meta['mode']} run of {', '.join(sections)}; temporary files in {tmp}")
    results: dict[str, Any] = {"meta": meta}
    if args.merge:
        results.update(earlier_sections(args.out / "latest.json", sections, meta))
    ctx.results = results
    try:
        for name in sections:
            results[name] = run_section(name, RUNNERS[name], ctx)
    finally:
        if ctx.live is not None:
            ctx.live.stop()
        meta["load_average_end"] = load_average()
        meta["wall_seconds"] = round(time.monotonic() - started, 1)
        from bench import report

        paths = report.write_all(results, args.out)
        log("written: " + ", ".join(str(p) for p in paths))
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
