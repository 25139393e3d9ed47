"""``make converse``: every persona under tests/personas/residents/ through the real servers.

Starts Rasa, the action server, the web app and the delivery worker once (bot.processes.Servers, free
ports, private databases), runs the personas over Rasa's REST channel a few at a time, prints a line
per persona (and what went wrong) and the totals, and writes the whole record as JSON.

    python -m tests.personas.run                       # all personas, JSON to .naast/converse/latest.json
    python -m tests.personas.run --only p07 p12         # personas whose id starts with these
    python -m tests.personas.run --rasa-url http://127.0.0.1:5005 --database-url sqlite:///naast.db
                                                        # against servers that are already running
    python -m tests.personas.run --verbose --transcript  # every turn of every persona

Exit code 0 when the issue's targets are met (>= 95% faithful, 0 loops, 0 false crisis replies), else 1.
"""

from __future__ import annotations

import os

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bot.config import ROOT  # noqa: E402
from tests.personas.runner import (  # noqa: E402
    PersonaResult,
    RestTransport,
    format_report,
    note_finder,
    run_all,
    totals,
)
from tests.personas.schema import Persona, load_personas  # noqa: E402

DEFAULT_OUT = ROOT / ".naast" / "converse" / "latest.json"
TARGET_FAITHFUL = 0.95


def targets_met(summary: dict[str, Any]) -> bool:
    return ((summary["faithful_share"] or 0) >= TARGET_FAITHFUL and summary["loops"] == 0
            and summary["false_crisis_replies"] == 0)


def select(personas: Sequence[Persona], prefixes: Sequence[str] | None) -> list[Persona]:
    if not prefixes:
        return list(personas)
    return [p for p in personas if any(p.id.startswith(prefix) for prefix in prefixes)]


def converse(rasa_url: str, database_url: str, personas: Sequence[Persona], workers: int = 4) -> dict[str, Any]:
    """Run the personas against running servers; the JSON-ready record (totals and every persona)."""
    started = time.monotonic()
    results: list[PersonaResult] = run_all(personas, RestTransport(rasa_url), note_finder(database_url), workers)
    return {
        "totals": totals(results),
        "targets": {"faithful_share": TARGET_FAITHFUL, "loops": 0, "false_crisis_replies": 0},
        "seconds": round(time.monotonic() - started, 1),
        "workers": workers,
        "personas": [r.as_dict() for r in results],
        "_results": results,
    }


def transcript(result: dict[str, Any]) -> str:
    lines = [f"== {result['id']} ({result['file']})"]
    for turn in result["turns"]:
        lines.append(f"  {turn['number']:>2} [{turn['asked'] or '-'}] {turn['kind']}: {turn['sent']}")
        lines.append(f"       -> {', '.join(turn['replies'])}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="persona ids (prefixes) to run")
    parser.add_argument("--workers", type=int, default=4, help="conversations at a time (default 4)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON result (default {DEFAULT_OUT})")
    parser.add_argument("--rasa-url", help="use running servers instead of starting them")
    parser.add_argument("--database-url", help="the web app's database of those servers")
    parser.add_argument("--verbose", action="store_true", help="list the problems of every persona")
    parser.add_argument("--transcript", action="store_true", help="print every turn")
    args = parser.parse_args(argv)
    personas = select(load_personas(), args.only)
    if not personas:
        print("no persona matches", file=sys.stderr)
        return 2

    servers = None
    if args.rasa_url:
        if not args.database_url:
            parser.error("--rasa-url needs --database-url (where the notes are stored)")
        rasa_url, database_url = args.rasa_url, args.database_url
    else:
        from bot.processes import Servers

        workdir = Path(tempfile.mkdtemp(prefix="naast-converse-"))
        print(f"starting the servers (logs in {workdir}) ...", file=sys.stderr, flush=True)
        servers = Servers(workdir=workdir).start()
        rasa_url, database_url = servers.rasa_url, servers.settings.database_url
    try:
        print(f"running {len(personas)} personas, {args.workers} at a time ...", file=sys.stderr, flush=True)
        record = converse(rasa_url, database_url, personas, args.workers)
    finally:
        if servers:
            servers.stop()
    results = record.pop("_results")
    if args.transcript:
        for result in record["personas"]:
            print(transcript(result))
    print(format_report(results, verbose=args.verbose))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str) + "\n", "utf-8")
    print(f"written: {args.out} ({record['seconds']} s)")
    return 0 if targets_met(record["totals"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
