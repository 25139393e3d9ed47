"""``naast check-texts``: the plain-language check over every text (registered by bot/cli.py).

Without options it checks the texts as residents get them now: the shipped base with the published
edits of the configured database (the shipped base alone when there is no database yet). ``--shipped``
checks only what the code ships (``make test`` runs it through tests/texts). Exit status 1 on any hard
failure (an empty text, a decision or promise word, a crisis text without its number, a broken
``{placeholder}``); advice is counted, and listed with ``--advice``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bot.config import Settings
from bot.texts import check


def run_check(settings: Settings | None, *, shipped: bool) -> dict[str, check.Report]:
    from sqlalchemy.engine import make_url

    from bot.db import make_engine, normalise_url
    from bot.texts.store import check_all

    if shipped or settings is None:
        return check_all(None)
    parsed = make_url(normalise_url(settings.database_url))
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return check_all(None)
    engine = make_engine(settings.database_url)
    try:
        return check_all(engine)
    finally:
        engine.dispose()


def cmd_check_texts(settings: Settings, args: argparse.Namespace) -> int:
    reports = run_check(settings, shipped=args.shipped)
    errors = advice = 0
    codes: Counter[str] = Counter()
    for name, report in reports.items():
        for finding in report.findings:
            where = f"{name} (variant {finding.variation + 1})" if finding.variation is not None else name
            if finding.blocking:
                errors += 1
                print(f"FOUT    {where}: {finding.message}")
            else:
                advice += 1
                codes[finding.code] += 1
                if args.advice:
                    print(f"advies  {where}: {finding.message}")
    summary = ", ".join(f"{code} {n}" for code, n in codes.most_common())
    print(f"{len(reports)} texts checked: {errors} hard failures, {advice} pieces of advice"
          + (f" ({summary})" if summary else ""), file=sys.stderr)
    return 1 if errors else 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("check-texts", help="the plain-language check over every text (exit 1 on a "
                                                     "hard failure)")
    parser.add_argument("--shipped", action="store_true", help="only the shipped texts, not the published edits")
    parser.add_argument("--advice", action="store_true", help="list every piece of advice too")
    parser.set_defaults(func=cmd_check_texts)
