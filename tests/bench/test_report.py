"""Writing the bench report: ratios, missing sections, Markdown, JSON and the README block."""

from __future__ import annotations

import json

import pytest

from bench import report

RESULTS = {
    "meta": {"generated": "2026-11-23T10:00:00+00:00", "command": "make bench", "mode": "full", "commit": "abc1234",
             "machine": {"cpus": 2, "python": "3.10.14", "rasa": "3.6.21", "memory_gib": 23.4},
             "wall_seconds": 1500, "load_average_start": [1.0, 1.0, 1.0], "load_average_end": [2.0, 2.0, 2.0]},
    "servers": {
        "status": "ok",
        "latency": {
            "naast": {"single": {"messages": 60, "errors": 0, "workers": 1, "latency_ms": {"p50": 150.0, "p95": 300.0,
                                                                                        "p99": 400.0, "max": 500.0}},
                      "concurrent": {"messages": 400, "errors": 0, "workers": 20,
                                     "latency_ms": {"p50": 900.0, "p95": 2000.0, "p99": 2500.0}}},
            "plain": {"single": {"messages": 60, "errors": 0, "workers": 1, "latency_ms": {"p50": 50.0, "p95": 100.0,
                                                                                        "p99": 200.0, "max": 250.0}},
                      "concurrent": {"messages": 400, "errors": 0, "workers": 20,
                                     "latency_ms": {"p50": 300.0, "p95": 1000.0, "p99": 1250.0}}},
        },
        "latency_raw_ms": {"naast": {"single": [100.0, 150.0, 200.0]}, "plain": {"single": [40.0, 50.0, 60.0]}},
        "ready_seconds": {"naast": {"rasa": 60.0, "actions": 10.0, "web": 5.0, "all": 61.0}, "plain": {"rasa": 40.0}},
        "model_bytes": {"naast": 40 * 2**20, "plain": 20 * 2**20},
        "memory": {"interval_seconds": 0.25, "peak_rss_mb": {"naast_rasa": 1500.0, "naast_actions": 200.0,
                                                             "naast_web": 100.0, "plain_rasa": 1200.0},
                   "timeline": [[0.0, "naast_rasa", 100.0], [2.0, "naast_rasa", 900.0]]},
        "out_of_domain": {"messages": 40, "handled_share": 0.9, "fallback_share": 0.5, "out_of_scope_share": 0.4,
                          "per_category": {"nonsense": {"messages": 13, "handled_share": 1.0}},
                          "misses": [{"text": "de kat de kat", "intent": "tell"}]},
    },
    "training": {"status": "failed", "reason": "rasa train failed (exit 1): boom",
                 "naast": {"full": {"ok": False, "seconds": 3.0}}, "plain": {"full": {"ok": True, "seconds": 80.0}}},
    "crossval": {"status": "ok", "argv": ["--quick"],
                 "naast": {"folds": 5, "examples": 900, "macro_f1": 0.9, "per_intent_f1": {"greet": 1.0, "tell": 0.8}},
                 "rasa_init": {"macro_f1": 0.75, "per_intent_f1": {"greet": 0.9, "tell": 0.7}}},
    "inbox": {"status": "not available", "reason": "module bench.bench_inbox not found"},
}


def test_ratio() -> None:
    assert report.ratio(3, 2) == 1.5
    assert report.ratio(None, 2) is None
    assert report.ratio(3, 0) is None
    assert report.ratio(True, 1) is None


def test_get_walks_nested_dicts() -> None:
    assert report.get(RESULTS, "servers.ready_seconds.plain.rasa") == 40.0
    assert report.get(RESULTS, "servers.nothing.here") is None
    assert report.get(RESULTS, "servers.nothing", 7) == 7


@pytest.mark.parametrize(("value", "kind", "text"), [
    (None, "ms", "–"), (12.34, "ms", "12.3 ms"), (1234.0, "ms", "1,234 ms"), (0.915, "pct", "91.5%"),
    (2.0, "x", "2.00×"), (3 * 2**20, "bytes", "3.0 MB"), (0.9, "f3", "0.900"),
])
def test_fmt(value, kind, text) -> None:
    assert report.fmt(value, kind) == text


def test_summary_table_has_ratios() -> None:
    rows = {label: (naast, plain) for label, naast, plain, _ in report.summary_rows(RESULTS)}
    assert rows["latency p50, 1 conversation"] == (150.0, 50.0)
    assert rows["peak RSS, all servers (Naast: Rasa + actions + web app)"] == (1800.0, 1200.0)
    table = report.summary_table(RESULTS)
    assert "| latency p50, 1 conversation | 150 ms | 50.0 ms | 3.00× |" in table
    assert "| intent macro-F1, 5-fold CV on Naast's data (pipeline) | 0.900 | 0.750 | 1.20× |" in table
    # retraining failed: no number is made up for it
    assert "| retraining after a one-sentence change | – | – | – |" in table


def test_markdown_names_what_was_not_measured() -> None:
    text = report.render_markdown(RESULTS)
    assert text.startswith("# Naast — measured")
    assert "*training: failed — rasa train failed (exit 1): boom.*" in text
    assert "| inbox | not available | module bench.bench_inbox not found |" in text
    assert "| note | not run |  |" in text
    assert "| tell | 0.800 | 0.700 | +0.100 |" in text
    assert "“de kat de kat” → `tell`" in text


def test_readme_block_has_command_and_figures() -> None:
    text = report.readme_block(RESULTS)
    assert text.startswith("## Measured")
    assert "`make bench`" in text
    assert "| latency p95, 20 conversations at once | 2,000 ms | 1,000 ms | 2.00× |" in text
    assert "p99" not in text
    assert "Out-of-domain messages handled (fallback or out of scope): 90.0% of 40." in text
    assert "Not measured in this run: inbox, training" in text


def test_write_all(tmp_path) -> None:
    paths = report.write_all(json.loads(json.dumps(RESULTS)), tmp_path)
    names = {p.name for p in paths}
    assert {"latest.json", "latest.md", "README_measured.md", "latency.png", "intent_f1.png", "memory.png"} <= names
    assert json.loads((tmp_path / "latest.json").read_text("utf-8"))["meta"]["commit"] == "abc1234"
    assert (tmp_path / "latency.png").read_bytes()[:4] == b"\x89PNG"


def test_merge_keeps_the_sections_not_measured_and_says_where_they_came_from(tmp_path) -> None:  # noqa: ANN001
    import json

    from bench.report import render_markdown
    from bench.run import earlier_sections

    path = tmp_path / "latest.json"
    path.write_text(json.dumps({"meta": {"generated": "2026-11-23T17:02:33", "commit": "faf66b8"},
                                "load": {"residents": 200}, "servers": {"old": True}, "ratios": {"p50_1": 9}}))
    meta: dict = {}
    kept = earlier_sections(path, ["servers", "profile"], meta)
    assert kept == {"load": {"residents": 200}}  # the measured section and the derived ratios are not kept
    assert meta["earlier_sections"] == {"load": {"generated": "2026-11-23T17:02:33", "commit": "faf66b8"}}
    assert "Sections kept from earlier runs (`--merge`): `load` (2026-11-23T17:02, commit `faf66b8`)" in \
        render_markdown({"meta": meta, **kept})
    assert earlier_sections(tmp_path / "missing.json", ["servers"], {}) == {}


def test_merge_names_a_section_s_own_run(tmp_path) -> None:  # noqa: ANN001
    import json

    from bench.run import earlier_sections

    path = tmp_path / "latest.json"
    own = {"generated": "2026-12-01T17:00:20", "commit": "b2e1792", "command": "python -m bench.run --only load"}
    path.write_text(json.dumps({"meta": {"generated": "2026-11-23", "commit": "faf66b8", "load_run": own},
                                "load": {"residents": 200}}))
    meta: dict = {}
    earlier_sections(path, ["servers"], meta)
    assert meta["earlier_sections"]["load"] == {"generated": "2026-12-01T17:00:20", "commit": "b2e1792"}
    assert meta["load_run"] == own
