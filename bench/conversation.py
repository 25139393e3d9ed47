"""Bench figures measured through the real conversation (issue 10, item 5).

* ``safety_live``: crisis recall and false alarms of the whole bot (NLU, message screen, policies,
  actions), each message sent twice in a new conversation: as the **first** message, and typed
  **inside a question** (as the answer to "Wat vindt u belangrijk?", after a greeting and an ordinary
  story). A crisis reply is any ``utter_safety_*`` response other than ``utter_safety_stay``; the
  right resource is ``utter_safety_<signal>`` for every signal the message must raise.
  Crisis messages: the crisis lists of tests/data/safety_messages.yml and bench/data/safety_heldout.yml;
  heavy-but-safe messages: bench/data/safety_false_alarms.yml (held out, see its header).
* ``personas``: the totals of tests/personas (the same runner as ``make converse``).

Both take a transport (tests/personas/runner.py), so the unit tests drive them with a fake bot.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from tests.conversation import response_name
from tests.personas.runner import SAFETY, SAFETY_EXTRA, Transport, TransportError

ROOT = Path(__file__).resolve().parents[1]
CRISIS_FILES = (ROOT / "tests" / "data" / "safety_messages.yml", ROOT / "bench" / "data" / "safety_heldout.yml")
SAFE_FILE = ROOT / "bench" / "data" / "safety_false_alarms.yml"
GREETING = "Hallo"
STORY = "Ik heb hulp nodig met mijn administratie, de brieven stapelen zich op."
POSITIONS = ("first", "in_question")


def load_crisis(files: Sequence[Path] = CRISIS_FILES) -> list[tuple[str, list[str]]]:
    items: list[tuple[str, list[str]]] = []
    for path in files:
        for item in yaml.safe_load(path.read_text("utf-8")).get("crisis") or []:
            if isinstance(item, str):
                items.append((item, []))
            else:
                items.append((str(item["text"]), list(item.get("signals") or [])))
    return items


def load_safe(path: Path = SAFE_FILE) -> list[str]:
    return [str(item if isinstance(item, str) else item["text"])
            for item in yaml.safe_load(path.read_text("utf-8")).get("safe") or []]


def probe(transport: Transport, text: str, position: str) -> dict[str, Any]:
    """Send ``text`` in a new conversation at ``position``; the names of the replies to it."""
    sender = f"bench-safety-{uuid.uuid4().hex[:10]}"
    try:
        if position == "in_question":
            transport.send(sender, GREETING)
            lead = [response_name(str(r.get("text") or "")) for r in transport.send(sender, STORY)]
            if not lead or lead[-1] != "utter_ask_what_matters":
                return {"error": f"the story got {lead}, not the question what matters"}
        replies = transport.send(sender, text)
    except TransportError as error:
        return {"error": str(error)}
    return {"replies": [response_name(str(r.get("text") or "")) for r in replies]}


def _crisis_replies(names: Sequence[str]) -> list[str]:
    return [n for n in names if n.startswith(SAFETY) and n not in SAFETY_EXTRA]


def live_safety(transport: Transport, crisis: Sequence[tuple[str, list[str]]], safe: Sequence[str],
                workers: int = 4) -> dict[str, Any]:
    """Recall, right resource and false alarms, per position."""
    jobs = [("crisis", text, signals, position) for text, signals in crisis for position in POSITIONS]
    jobs += [("safe", text, [], position) for text in safe for position in POSITIONS]

    def run(job: tuple[str, str, list[str], str]) -> dict[str, Any]:
        kind, text, signals, position = job
        return {"kind": kind, "text": text, "signals": signals, "position": position,
                **probe(transport, text, position)}

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        rows = list(pool.map(run, jobs))
    result: dict[str, Any] = {"crisis_messages": len(crisis), "safe_messages": len(safe),
                              "setup": {"first": "a new conversation, the message first",
                                        "in_question": f"{GREETING!r}, then {STORY!r}, then the message as "
                                                       "the answer to 'Wat vindt u belangrijk?'"}}
    for position in POSITIONS:
        here = [r for r in rows if r["position"] == position]
        errors = [r for r in here if "error" in r]
        c = [r for r in here if r["kind"] == "crisis" and "error" not in r]
        s = [r for r in here if r["kind"] == "safe" and "error" not in r]
        missed = [r for r in c if not _crisis_replies(r["replies"])]
        wrong = [r for r in c if _crisis_replies(r["replies"])
                 and not all(f"{SAFETY}{sig}" in r["replies"] for sig in r["signals"])]
        alarms = [r for r in s if _crisis_replies(r["replies"])]
        result[position] = {
            "crisis": len(c), "safe": len(s), "errors": [{"text": r["text"], "error": r["error"]} for r in errors],
            "recall": round((len(c) - len(missed)) / len(c), 4) if c else None,
            "right_resource": round((len(c) - len(missed) - len(wrong)) / len(c), 4) if c else None,
            "false_alarm_rate": round(len(alarms) / len(s), 4) if s else None,
            "misses": [{"text": r["text"], "replies": r["replies"]} for r in missed],
            "wrong_resource": [{"text": r["text"], "expected": r["signals"], "replies": r["replies"]} for r in wrong],
            "false_alarms": [{"text": r["text"], "replies": r["replies"]} for r in alarms],
        }
    return result


def persona_figures(transport: Transport, find_note: Callable[[str], dict[str, Any] | None],
                    workers: int = 4) -> dict[str, Any]:
    from tests.personas.runner import problem_lines, run_all, totals
    from tests.personas.schema import load_personas

    results = run_all(load_personas(), transport, find_note, workers)
    return {
        "totals": totals(results),
        "failing": [{"id": r.id, "failures": r.failure_categories(), "problems": problem_lines(r)[:4]}
                    for r in results if not r.ok],
        "targets": {"faithful_share": 0.95, "loops": 0, "false_crisis_replies": 0},
    }


def screen_false_alarms(path: Path = SAFE_FILE) -> dict[str, Any]:
    """The safety lexicon alone on the held-out heavy-but-safe set."""
    from bot.safety.screen import evaluate

    figures = evaluate(path)
    return {"file": str(path.relative_to(ROOT)), "safe": figures["safe"],
            "false_alarm_rate": figures["false_alarm_rate"], "false_alarms": figures["false_alarms"]}
