"""What the text store's NLG (bot/texts/nlg.py) adds to each bot message, against Rasa's own
TemplatedNaturalLanguageGenerator, on the same domain and tracker: with the cached snapshot (the
normal case: a version query at most every 0.25 s), with a version query on every message (the worst
case), and with a published edit. SQLite in a temp folder; ``python -m bench.nlg_cost`` (``make bench``
runs it as the section ``texts``)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.config import ROOT

RUNS = 2000


def _time(generate: Any, name: str, tracker: Any, runs: int) -> list[float]:
    async def loop() -> list[float]:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await generate(name, tracker, "rest")
            times.append((time.perf_counter() - start) * 1e6)
        return times

    return asyncio.run(loop())


def run(quick: bool = False, runs: int | None = None) -> dict[str, Any]:
    runs = runs or (200 if quick else RUNS)
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.db import init_db
    from bot.texts import store
    from bot.texts.nlg import TextStoreNLG

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events("bench", [], slots=domain.slots)
    name = "utter_ask_what_was_tried"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'naast.db'}"
        engine = init_db(url)
        rasa = TemplatedNaturalLanguageGenerator(domain.responses)
        naast = TextStoreNLG(EndpointConfig(type="x", database_url=url), domain)
        results = {"rasa_templated": _time(rasa.generate, name, tracker, runs),
                   "store_cached": _time(naast.generate, name, tracker, runs)}
        naast.texts.interval = 0
        naast.texts.expire()
        results["store_query_every_message"] = _time(naast.generate, name, tracker, runs)
        store.publish(engine, name, [{"text": "Wat heeft u al geprobeerd?"}], actor="bench", via="cli")
        naast.texts.interval = 0.25
        naast.texts.expire()
        edited = asyncio.run(naast.generate(name, tracker, "rest"))
        assert edited and edited["text"] == "Wat heeft u al geprobeerd?", edited
        results["store_cached_with_edit"] = _time(naast.generate, name, tracker, runs)
        engine.dispose()
    summary = {key: {"p50_us": round(statistics.median(v), 1), "p95_us": round(sorted(v)[int(len(v) * 0.95)], 1)}
               for key, v in results.items()}
    base = summary["rasa_templated"]["p50_us"]
    for value in summary.values():
        value["added_p50_us"] = round(value["p50_us"] - base, 1)
    return {"runs": runs, "response": name, "results": summary}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
