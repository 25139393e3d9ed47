"""Write the bench results: ``latest.json`` (everything), ``latest.md`` (tables), ``README_measured.md``
(the short block for the README) and PNG plots (matplotlib; git-ignored).

Every function takes the results dict of ``bench/run.py``; a missing or failed section shows as
"not available" / "failed" with its reason, never as a made-up number.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NA = "–"
PLAIN = "plain Rasa"
SECTION_NAMES = ("language", "note", "safety", "inbox", "texts", "training", "servers", "profile", "crossval",
                 "personas", "safety_live", "load")


# ------------------------------------------------------------------ small helpers
def get(data: Any, path: str, default: Any = None) -> Any:
    """``get(results, "servers.latency.naast.single")``: None (or default) when any step is missing."""
    for key in path.split("."):
        if isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return default
    return data


def ratio(a: Any, b: Any) -> float | None:
    """a / b, or None when either is missing or b is zero."""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or isinstance(a, bool) or not b:
        return None
    return a / b


def fmt(value: Any, kind: str = "") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return NA
    if kind == "ms":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"
    if kind == "s":
        return f"{value:,.0f} s" if value >= 100 else f"{value:.1f} s"
    if kind == "mb":
        return f"{value:,.0f} MB"
    if kind == "bytes":
        return f"{value / 2**20:,.1f} MB"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "f3":
        return f"{value:.3f}"
    if kind == "x":
        return f"{value:.2f}×"
    if kind == "f1":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def status_line(section: dict[str, Any] | None, name: str) -> str | None:
    """A line saying why a section has no figures, or None when it has them."""
    if section is None:
        return f"*{name}: not run in this run.*"
    status = section.get("status")
    if status in (None, "ok"):
        return None
    return f"*{name}: {status} — {section.get('reason', 'no reason given')}.*"


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Numeric and short text leaves of a nested dict (for modules whose figures we do not know)."""
    rows: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            rows += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, (int, float, bool)) or (isinstance(data, str) and len(data) <= 80):
        rows.append((prefix, data))
    return rows


# ------------------------------------------------------------------ the summary table
def summary_rows(results: dict[str, Any]) -> list[tuple[str, Any, Any, str]]:
    """(figure, Naast, plain Rasa, kind) for the side-by-side table."""
    s = results.get("servers") or {}
    t = results.get("training") or {}
    c = results.get("crossval") or {}
    lat = "latency.{}.{}.latency_ms.{}"
    mem_n = get(s, "memory.peak_rss_mb") or {}
    naast_total = sum(v for k, v in mem_n.items() if k.startswith("naast_")) or None
    rows = [
        ("intent macro-F1, 5-fold CV on Naast's data (pipeline)", get(c, "naast.macro_f1"),
         get(c, "rasa_init.macro_f1"), "f3"),
    ]
    for kind, label in (("single", "1 conversation"), ("concurrent", "20 conversations at once")):
        for q in ("p50", "p95", "p99"):
            rows.append((f"latency {q}, {label}", get(s, lat.format("naast", kind, q)),
                         get(s, lat.format("plain", kind, q)), "ms"))
    rows += [
        ("messages/s, 20 conversations at once", get(s, "latency.naast.concurrent.messages_per_second"),
         get(s, "latency.plain.concurrent.messages_per_second"), "f1"),
        ("start to ready (Rasa server: spawn to /status 200)", get(s, "ready_seconds.naast.rasa"),
         get(s, "ready_seconds.plain.rasa"), "s"),
        ("full training (empty cache)", get(t, "naast.full.seconds"), get(t, "plain.full.seconds"), "s"),
        ("retraining after a one-sentence change", get(t, "naast.retrain.seconds"),
         get(t, "plain.retrain.seconds"), "s"),
        ("model size (.tar.gz)", get(s, "model_bytes.naast") or get(t, "naast.full.model_bytes"),
         get(s, "model_bytes.plain") or get(t, "plain.full.model_bytes"), "bytes"),
        ("peak RSS, Rasa server", mem_n.get("naast_rasa"), mem_n.get("plain_rasa"), "mb"),
        ("peak RSS, all servers (Naast: Rasa + actions + web app)", naast_total, mem_n.get("plain_rasa"), "mb"),
    ]
    return rows


def summary_table(results: dict[str, Any]) -> str:
    rows = []
    for label, naast, plain, kind in summary_rows(results):
        r = ratio(naast, plain)
        rows.append((label, fmt(naast, kind), fmt(plain, kind), fmt(r, "x") if r is not None else NA))
    return table(("figure", "Naast", f"{PLAIN} (`rasa init`)", "Naast / plain"), rows)


# ------------------------------------------------------------------ sections
def md_meta(results: dict[str, Any]) -> list[str]:
    m = results.get("meta") or {}
    mach = m.get("machine") or {}
    minutes = (m.get("wall_seconds") or 0) / 60
    dirty = " with uncommitted changes" if m.get("uncommitted_changes") else ""
    return [
        f"Generated {m.get('generated', NA)} by `{m.get('command', 'make bench')}` ({m.get('mode', NA)} run, "
        f"{minutes:.0f} min) on {mach.get('cpus', NA)} CPUs, {mach.get('memory_gib', NA)} GiB, Python "
        f"{mach.get('python', NA)}, Rasa {mach.get('rasa', NA)}; commit `{m.get('commit') or NA}`{dirty}.",
        "",
        f"Load average (1/5/15 min) at start {m.get('load_average_start')}, at end {m.get('load_average_end')}: "
        "other work on the machine slows both assistants; Naast and plain Rasa are measured in the same "
        "run, alternately (A B B A), so compare the ratios.",
        *_earlier_line(m),
    ]


def _earlier_line(meta: dict[str, Any]) -> list[str]:
    earlier = meta.get("earlier_sections") or {}
    if not earlier:
        return []
    parts = [f"`{name}` ({(o.get('generated') or NA)[:16]}, commit `{o.get('commit') or NA}`)"
             for name, o in earlier.items()]
    return ["", "Sections kept from earlier runs (`--merge`): " + ", ".join(parts) + "."]


def md_understanding(results: dict[str, Any]) -> list[str]:
    out = ["## 1. Understanding", "", "### Intents: cross-validation, Naast's pipeline vs Rasa's default pipeline", ""]
    c = results.get("crossval")
    line = status_line(c, "cross-validation")
    if line:
        out += [line, ""]
    else:
        n, p = c.get("naast") or {}, c.get("rasa_init") or {}
        out += [
            f"{n.get('folds', NA)}-fold stratified cross-validation on `data/nlu` ({n.get('examples', NA)} examples), "
            "both pipelines on the same folds (`bench/nlu_crossval.py`, "
            f"`{' '.join(c.get('argv') or [])}`; {c.get('jobs') or 1} fold(s) trained at a time, so the training "
            "time per fold is measured with the other folds running). `nlu_fallback` counts as a wrong answer. "
            "The default pipeline is the one `rasa init` writes (`bench/configs/rasa_init.yml`).",
            "",
            table(("figure", "Naast", "`rasa init` pipeline", "Naast / default"), [
                (label, fmt(n.get(key), "f3"), fmt(p.get(key), "f3"), fmt(ratio(n.get(key), p.get(key)), "x"))
                for label, key in (("intent macro-F1", "macro_f1"), ("weighted F1", "weighted_f1"),
                                   ("accuracy", "accuracy"), ("fallback rate", "fallback_rate"))
            ] + [("crisis intents recall (any crisis intent)", fmt(get(n, "crisis_recall.any_crisis"), "f3"),
                  fmt(get(p, "crisis_recall.any_crisis"), "f3"),
                  fmt(ratio(get(n, "crisis_recall.any_crisis"), get(p, "crisis_recall.any_crisis")), "x")),
                 ("training time per fold", fmt(n.get("train_seconds_mean"), "s"),
                  fmt(p.get("train_seconds_mean"), "s"),
                  fmt(ratio(n.get("train_seconds_mean"), p.get("train_seconds_mean")), "x"))]),
            "",
            "Per intent (F1):",
            "",
        ]
        ni, pi = n.get("per_intent_f1") or {}, p.get("per_intent_f1") or {}
        out += [table(("intent", "Naast", "`rasa init` pipeline", "difference"), [
            (intent, fmt(ni.get(intent), "f3"), fmt(pi.get(intent), "f3"),
             f"{ni[intent] - pi[intent]:+.3f}" if intent in ni and intent in pi else NA)
            for intent in sorted(set(ni) | set(pi))
        ]), "", "![per-intent F1](intent_f1.png)", ""]

    out += ["### Safety screen on held-out Dutch messages", ""]
    sf = results.get("safety")
    line = status_line(sf, "safety screen")
    if line:
        out += [line, ""]
    else:
        out += [
            f"`{sf.get('file')}`: {sf.get('crisis')} crisis messages and {sf.get('safe')} heavy but safe ones, "
            "kept apart from the lexicon's own tests (`bot.safety.screen.evaluate`).",
            "",
            table(("figure", "value"), [
                ("crisis recall (at least one signal)", fmt(sf.get("recall"), "pct")),
                ("right signal(s) raised", fmt(sf.get("signal_recall"), "pct")),
                ("false-alarm rate on safe messages", fmt(sf.get("false_alarm_rate"), "pct")),
            ]),
            "",
        ]
        if sf.get("misses"):
            out += ["Missed: " + "; ".join(f"“{m}”" for m in sf["misses"]), ""]
        if sf.get("false_alarms"):
            out += ["False alarms: " + "; ".join(f"“{a['text']}” ({', '.join(a['signals'])})"
                                                  for a in sf["false_alarms"]), ""]
        fa = sf.get("false_alarm_set")
        if fa:
            out += [f"Held-out heavy-but-safe set `{fa['file']}` ({fa['safe']} figures of speech, grief, anger, hard "
                    f"situations): false-alarm rate of the lexicon {fmt(fa['false_alarm_rate'], 'pct')}."
                    + (" False alarms: " + "; ".join(f"“{a['text']}” ({', '.join(a['signals'])})"
                                                     for a in fa["false_alarms"]) if fa.get("false_alarms") else ""),
                    ""]

    out += ["### Fallback on out-of-domain messages", ""]
    s = results.get("servers")
    ood = get(s, "out_of_domain")
    if not ood:
        out += [status_line(s, "servers") or "*out-of-domain: not measured.*", ""]
    else:
        out += [
            f"{ood['messages']} messages in `bench/data/out_of_domain.yml` (not in the training data), parsed by "
            "Naast's running model (`/model/parse`). Handled = `nlu_fallback` (asks again) or `out_of_scope` "
            "(refers to the municipality).",
            "",
            table(("figure", "value"), [
                ("handled (fallback or out of scope)", fmt(ood.get("handled_share"), "pct")),
                ("`nlu_fallback`", fmt(ood.get("fallback_share"), "pct")),
                ("`out_of_scope`", fmt(ood.get("out_of_scope_share"), "pct")),
            ] + [(f"handled, {name}", f"{fmt(v.get('handled_share'), 'pct')} of {v.get('messages')}")
                 for name, v in (ood.get("per_category") or {}).items()]),
            "",
        ]
        if ood.get("misses"):
            out += ["Not handled: " + "; ".join(f"“{m['text']}” → `{m['intent']}`" for m in ood["misses"]), ""]
    return out


def md_speed(results: dict[str, Any]) -> list[str]:
    out = ["## 2. Speed", "", "### Latency per message over the REST channel", ""]
    s = results.get("servers")
    line = status_line(s, "servers")
    if line:
        out += [line, ""]
    plan = get(s, "latency_plan") or {}
    if get(s, "latency"):
        out += [
            "Naast: whole intake conversations (the summariser's test stories, from “Hallo” to the note being "
            "sent) against Rasa + action server + web app, SQLite tracker store. Plain Rasa: the `rasa init` "
            "assistant's own greet/mood conversations. Both started the same way (`rasa run --enable-api`), "
            f"warmed up with 4 messages. 1 conversation: {plan.get('single_messages')} messages one after another; "
            f"concurrent: {plan.get('concurrent_workers')} conversations at once, "
            f"{plan.get('concurrent_messages_per_worker')} messages each. Latency = client-side round trip "
            "of one POST to `/webhooks/rest/webhook`.",
            "",
        ]
        rows = []
        for kind, label in (("single", "1 conversation"), ("concurrent", f"{plan.get('concurrent_workers')} at once")):
            for who, name in (("naast", "Naast"), ("plain", PLAIN)):
                d = get(s, f"latency.{who}.{kind}") or {}
                lm = d.get("latency_ms") or {}
                rows.append((label, name, d.get("messages", NA), d.get("errors", NA), fmt(lm.get("p50"), "ms"),
                             fmt(lm.get("p95"), "ms"), fmt(lm.get("p99"), "ms"), fmt(lm.get("max"), "ms"),
                             fmt(d.get("messages_per_second"), "f1"),
                             f"{d.get('conversations_completed', NA)} of {d.get('conversations', NA)}"
                             f" ({d.get('conversations_cut_by_budget', 0)} cut by the budget)"))
            n, p = get(s, f"latency.naast.{kind}.latency_ms") or {}, get(s, f"latency.plain.{kind}.latency_ms") or {}
            rows.append((label, "**ratio Naast / plain**", "", "", fmt(ratio(n.get("p50"), p.get("p50")), "x"),
                         fmt(ratio(n.get("p95"), p.get("p95")), "x"), fmt(ratio(n.get("p99"), p.get("p99")), "x"),
                         "", "", ""))
        out += [table(("load", "assistant", "messages", "errors", "p50", "p95", "p99", "max", "msg/s",
                       "conversations completed"), rows), "", "![latency distribution](latency.png)", ""]
    out += ["### Start to ready, training, model size", ""]
    t = results.get("training")
    line = status_line(t, "training")
    if line:
        out += [line, ""]
    ready = get(s, "ready_seconds") or {}
    rows = [
        ("Rasa server: spawn to `/status` 200", fmt(get(ready, "naast.rasa"), "s"), fmt(get(ready, "plain.rasa"), "s"),
         fmt(ratio(get(ready, "naast.rasa"), get(ready, "plain.rasa")), "x")),
        ("action server: spawn to `/health` 200", fmt(get(ready, "naast.actions"), "s"), NA, NA),
        ("web app: spawn to first page", fmt(get(ready, "naast.web"), "s"), NA, NA),
        ("all servers ready", fmt(get(ready, "naast.all"), "s"), fmt(get(ready, "plain.rasa"), "s"),
         fmt(ratio(get(ready, "naast.all"), get(ready, "plain.rasa")), "x")),
    ]
    for key, label in (("full", "full training, empty cache (plain: `rasa init`, which trains)"),
                       ("retrain", "retraining after adding one NLU example (same `--out` and cache)")):
        n, p = get(t, f"naast.{key}.seconds"), get(t, f"plain.{key}.seconds")
        rows.append((label, fmt(n, "s"), fmt(p, "s"), fmt(ratio(n, p), "x")))
    n = get(s, "model_bytes.naast") or get(t, "naast.full.model_bytes")
    p = get(s, "model_bytes.plain") or get(t, "plain.full.model_bytes")
    rows.append(("model size (.tar.gz)", fmt(n, "bytes"), fmt(p, "bytes"), fmt(ratio(n, p), "x")))
    out += [table(("figure", "Naast", PLAIN, "Naast / plain"), rows), ""]
    if get(t, "one_sentence"):
        out += [f"One-sentence change: Naast `{t['one_sentence']['naast'][0]}`: “{t['one_sentence']['naast'][1]}”; "
                f"plain `{t['one_sentence']['plain'][0]}`: “{t['one_sentence']['plain'][1]}”. Training runs "
                "`rasa train` in a copy of the project with its own `RASA_CACHE_DIRECTORY`.", ""]
    return out


def md_memory(results: dict[str, Any]) -> list[str]:
    out = ["## 3. Memory", ""]
    s = results.get("servers")
    peaks = get(s, "memory.peak_rss_mb")
    if not peaks:
        return out + [status_line(s, "servers") or "*memory: not measured.*", ""]
    names = {"naast_rasa": "Naast: Rasa server", "naast_actions": "Naast: action server",
             "naast_web": "Naast: web app", "plain_rasa": "plain Rasa: Rasa server",
             "naast_router": "Naast: router in front of the Rasa processes"}
    rows = [(names.get(k, k), fmt(v, "mb")) for k, v in peaks.items()]
    total = sum(v for k, v in peaks.items() if k.startswith("naast_"))
    rows.append(("Naast: all three", fmt(total, "mb")))
    out += [
        f"Peak resident set size (RSS) of each server's process tree, sampled every "
        f"{get(s, 'memory.interval_seconds')} s from spawn through start-up and all load passes (psutil).",
        "",
        table(("process", "peak RSS"), rows),
        "",
        "Naast's Rasa server / plain Rasa server: "
        f"{fmt(ratio(peaks.get('naast_rasa'), peaks.get('plain_rasa')), 'x')}.",
        "",
        "![memory over time](memory.png)",
        "",
    ]
    return out


def md_note(results: dict[str, Any]) -> list[str]:
    out = ["## 4. The note", ""]
    n = results.get("note")
    line = status_line(n, "note")
    if line:
        return out + [line, ""]
    ms = n.get("summarise_ms") or {}
    out += [
        f"The summariser on its {n.get('conversations')} test conversations (`tests/notes/conversations.yml`); "
        "key statements chosen beforehand per conversation in `bench/data/key_statements.yml`.",
        "",
        table(("figure", "value"), [
            ("time to summarise a note, median (p95)",
             f"{fmt(ms.get('p50'), 'ms')} ({fmt(ms.get('p95'), 'ms')}), n = {ms.get('n')}"),
            ("note lines traceable to the resident's words (must be 100%)",
             f"{fmt(n.get('traceable_share'), 'pct')} of {n.get('note_lines')}"),
            ("key statements kept in the note's summary lines",
             f"{fmt(n.get('key_kept_in_summary_share'), 'pct')} of {n.get('key_statements')}"),
            ("key statements kept anywhere in the note (with the full answers)",
             fmt(n.get("key_kept_anywhere_share"), "pct")),
        ]),
        "",
        "Note lines = the summary lines of every section, 'what helped', the quotes under the life-domain "
        "labels and the urgency summary; traceable = found word for word in the resident's (scrubbed) answers.",
        "",
    ]
    if n.get("untraceable"):
        out += ["Not traceable: " + "; ".join(f"{u['conversation']}: “{u['line']}”" for u in n["untraceable"]), ""]
    rows = [(c["id"], f"{c['kept_in_summary']}/{c['key_statements']}", "; ".join(c["missed_in_summary"]) or NA)
            for c in n.get("per_conversation") or []]
    out += ["<details><summary>Key statements per conversation</summary>", "",
            table(("conversation", "kept in summary", "not in the summary lines"), rows), "", "</details>", ""]
    bn = n.get("bench_notes")
    out += ["### Notes store (`bench/bench_notes.py`)", ""]
    line = status_line(bn, "bench_notes")
    if line:
        out += [line, ""]
    else:
        out += [table(("figure", "value"), [(k, fmt(v)) for k, v in flatten(bn.get("figures"))]), ""]
    return out


def md_language(results: dict[str, Any]) -> list[str]:
    out = ["## 5. Plain language", ""]
    pl = results.get("language")
    line = status_line(pl, "plain language")
    if line:
        return out + [line, ""]
    o = pl.get("overall") or {}
    rules = pl.get("rules") or {}
    out += [
        f"Every Dutch response text in `{pl.get('source')}` ({o.get('texts')} texts, placeholders removed; the "
        "replies in other languages left out). Flesch-Douma = 206.835 − 0.93 × words/sentence − 77 × "
        "syllables/word, syllables by Dutch hyphenation (pyphen `nl_NL`); rare = Zipf frequency below "
        f"{rules.get('rare_zipf_below')} in wordfreq's Dutch list. B1 aims: about 10 words a sentence, none over 15, "
        f"Flesch-Douma {rules.get('easy_score')} or more.",
        "",
        table(("figure", "overall"), [
            ("average sentence length", f"{fmt(o.get('avg_sentence_words'), 'f1')} words ({o.get('sentences')} "
                                        f"sentences, {o.get('words')} words)"),
            ("longest sentence", f"{o.get('max_sentence_words')} words"),
            ("sentences over 15 words", o.get("sentences_over_15_words")),
            ("Flesch-Douma (all text pooled)", fmt(o.get("flesch_douma"), "f1")),
            ("Flesch-Douma, median per text", fmt(o.get("flesch_douma_median_per_text"), "f1")),
            ("texts below 70", o.get("texts_below_70")),
            ("share of rare words", fmt(o.get("rare_share"), "pct")),
            ("rare words", ", ".join(o.get("rare_words") or []) or "none"),
            ("official words found", ", ".join(o.get("official_words") or []) or "none"),
            ("decision or promise words found", ", ".join(o.get("decision_words") or []) or "none"),
        ]),
        "",
    ]
    rows = [(t["name"], t["sentences"], fmt(t["avg_sentence_words"], "f1"), t["max_sentence_words"],
             fmt(t["flesch_douma"], "f1"), fmt(t["rare_share"], "pct"), ", ".join(t["rare_words"]) or "",
             ", ".join(t["official_words"] + t["decision_words"]) or "")
            for t in sorted(pl.get("per_text") or [], key=lambda t: t["flesch_douma"] if t["flesch_douma"]
                            is not None else 999)]
    out += ["<details><summary>Per text (hardest first)</summary>", "",
            table(("text", "sentences", "avg words", "max words", "Flesch-Douma", "rare", "rare words",
                   "official/decision words"), rows), "", "</details>", ""]
    return out


def md_conversation(results: dict[str, Any]) -> list[str]:
    out = ["## Residents through the real conversation (issue 10)", "", "### Personas (`tests/personas`, "
           "as `make converse`)", ""]
    pe = results.get("personas")
    line = status_line(pe, "personas")
    if line:
        out += [line, ""]
    else:
        t = pe.get("totals") or {}
        out += [table(("figure", "value", "target"), [
            ("personas", t.get("personas"), ""),
            ("faithful (note holds what it must; no note when refused)",
             f"{t.get('faithful')} ({fmt(t.get('faithful_share'), 'pct')})", "≥ 95%"),
            ("reached the read-back", f"{t.get('reached_read_back')} of {t.get('expected_read_back')}", ""),
            ("notes stored", f"{t.get('notes_stored')} of {t.get('notes_expected')}", ""),
            ("loops (same question 3× in a row, or no end within the budget)", t.get("loops"), "0"),
            ("false crisis replies (turns)", t.get("false_crisis_replies"), "0"),
            ("crisis resources missed (turns)", t.get("crisis_resources_missed"), "0"),
            ("questions back taken as the answer", t.get("questions_back_taken_as_answer"), "0"),
            ("server errors", t.get("server_errors"), "0"),
            ("turns, median / max", f"{t.get('turns_median')} / {t.get('turns_max')}", ""),
        ]), ""]
        if t.get("failure_categories"):
            out += ["Failing personas by category: " + ", ".join(f"{k} {v}" for k, v in
                                                                 t["failure_categories"].items()) + ".", ""]
    out += ["### Crisis replies through the conversation", ""]
    sl = results.get("safety_live")
    line = status_line(sl, "safety_live")
    if line:
        return out + [line, ""]
    out += [f"{sl.get('crisis_messages')} crisis messages (tests/data/safety_messages.yml and "
            f"bench/data/safety_heldout.yml) and {sl.get('safe_messages')} heavy-but-safe ones "
            "(bench/data/safety_false_alarms.yml), each in a new conversation: first message, and typed as the "
            "answer to “Wat vindt u belangrijk?” (`bench/conversation.py`).", "",
            table(("figure", "first message", "inside a question"), [
                (label, fmt(get(sl, f"first.{key}"), "pct"), fmt(get(sl, f"in_question.{key}"), "pct"))
                for label, key in (("crisis recall (a crisis reply)", "recall"),
                                   ("right resource (every expected signal's reply)", "right_resource"),
                                   ("false-alarm rate on heavy-but-safe messages", "false_alarm_rate"))]), ""]
    for position, label in (("first", "first message"), ("in_question", "inside a question")):
        alarms = get(sl, f"{position}.false_alarms") or []
        if alarms:
            out += [f"False alarms, {label}: " + "; ".join(f"“{a['text']}” → {', '.join(a['replies'][:2])}"
                                                           for a in alarms), ""]
        misses = get(sl, f"{position}.misses") or []
        if misses:
            out += [f"Missed, {label}: " + "; ".join(f"“{m['text']}”" for m in misses), ""]
    return out


def md_inbox(results: dict[str, Any]) -> list[str]:
    out = ["## Inbox (`bench/bench_inbox.py`)", ""]
    ib = results.get("inbox")
    line = status_line(ib, "inbox")
    if line:
        return out + [line, ""]
    return out + [table(("figure", "value"), [(k, fmt(v)) for k, v in flatten(ib.get("figures"))]), ""]


def md_load(results: dict[str, Any]) -> list[str]:
    out = ["## Load: residents at once through nginx (`bench/load.py`)", ""]
    section = results.get("load")
    line = status_line(section, "load")
    if line:
        return out + [line, ""]
    runs = [(f"Naast, {n} Rasa replica{'s' if n != '1' else ''}", r) for n, r in section.get("replicas", {}).items()]
    if isinstance(section.get("plain"), dict):
        runs.append((PLAIN + " (one process, REST)", section["plain"]))
    rows = []
    for name, r in runs:
        if "messages" not in r:
            rows.append((name, r.get("status", "failed"), r.get("reason", ""), *[NA] * 9))
            continue
        c = r.get("conversations", {})
        rows.append((name, r["residents"], f"{c.get('completed', NA)} / {c.get('cut_by_time_limit', NA)}",
                     r["messages"], r["lost"], r["duplicated"], fmt(r.get("cross_talk")), fmt(r["p50_ms"], "ms"),
                     fmt(r["p95_ms"], "ms"), fmt(r["p99_ms"], "ms"), fmt(r["messages_per_second"], "f1"),
                     ", ".join(f"{n}× {s}" for s, n in sorted(get(r, "speed.error_statuses", {}).items())) or "0"))
    plan = section.get("plan", {})
    think = plan.get("think") or [NA, NA]
    separate = get(results, "meta.load_run")
    if separate:
        out += [f"From its own run: `{separate.get('command')}` ({(separate.get('generated') or '')[:16]}, commit "
                f"`{separate.get('commit') or NA}`).", ""]
    shared = [f"{name}: {get(r, 'locust.load_average.before', [NA])[0]}" for name, r in runs
              if get(r, "locust.load_average")]
    out += [f"{section.get('residents')} residents started at {plan.get('spawn_rate')}/s, a think time of "
            f"{think[0]}–{think[1]} s before each next message, no new message after {plan.get('deadline')} s "
            "(a conversation still going then is *cut*). Lost, duplicated: messages sent against the user turns "
            "in the conversation's tracker; cross-talk: notes holding another resident's marker words.", "",
            table(("run", "residents", "completed / cut", "messages", "lost", "duplicated", "cross-talk", "p50",
                   "p95", "p99", "messages/s", "error answers (sent again)"), rows), ""]
    if shared:
        out += [f"Load average (1 min) as each run began, on {get(results, 'meta.machine.cpus') or NA} cores shared "
                f"with other work: {'; '.join(shared)}.", ""]
    return out


def md_texts(results: dict[str, Any]) -> list[str]:
    out = ["## Text store: what the NLG adds per bot message (`bench/nlg_cost.py`, microseconds)", ""]
    section = results.get("texts")
    line = status_line(section, "texts")
    if line:
        return out + [line, ""]
    return out + [table(("figure", "value"), [(k, fmt(v)) for k, v in flatten(section.get("figures"))]), ""]


def md_missing(results: dict[str, Any]) -> list[str]:
    rows = []
    for name in SECTION_NAMES:
        section = results.get(name)
        if section is None:
            rows.append((name, "not run", ""))
        elif section.get("status") not in (None, "ok"):
            rows.append((name, section["status"], section.get("reason", "")))
    bn = get(results, "note.bench_notes")
    if isinstance(bn, dict) and bn.get("status") not in (None, "ok"):
        rows.append(("note: bench_notes", bn["status"], bn.get("reason", "")))
    if not rows:
        return []
    return ["## Not measured in this run", "", table(("section", "status", "reason"), rows), ""]


def render_markdown(results: dict[str, Any]) -> str:
    lines = ["# Naast — measured", ""] + md_meta(results) + ["", "## Summary: Naast vs plain Rasa, same run", "",
                                                             summary_table(results), ""]
    for part in (md_understanding, md_conversation, md_speed, md_memory, md_note, md_language, md_inbox,
                 md_load, md_texts, md_missing):
        lines += part(results)
        if part is md_speed and "profile" in results:
            from bench import profile

            lines += profile.markdown(results.get("profile"))
    timings = [(name, fmt(get(results, f"{name}.seconds"), "s")) for name in
               SECTION_NAMES if name in results]
    lines += ["## Time per section", "", table(("section", "time"), timings), ""]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------ README block
def readme_block(results: dict[str, Any]) -> str:
    m = results.get("meta") or {}
    s = results.get("servers") or {}
    rows = []
    for label, naast, plain, kind in summary_rows(results):
        if naast is None and plain is None:
            continue
        if "p99" in label or "messages/s" in label or "all servers" in label:
            continue
        r = ratio(naast, plain)
        rows.append((label, fmt(naast, kind), fmt(plain, kind), fmt(r, "x") if r is not None else NA))
    bullets = []
    sf = results.get("safety") or {}
    if sf.get("status") == "ok":
        bullets.append(f"Safety screen on {sf.get('crisis')} held-out crisis messages: recall "
                       f"{fmt(sf.get('recall'), 'pct')}; false alarms on {sf.get('safe')} safe ones "
                       f"{fmt(sf.get('false_alarm_rate'), 'pct')}.")
    pe = get(results, "personas.totals")
    if pe and (results.get("personas") or {}).get("status") == "ok":
        bullets.append(f"Personas ({pe['personas']} residents through the real servers): "
                       f"{fmt(pe['faithful_share'], 'pct')} faithful notes, {pe['loops']} loops, "
                       f"{pe['false_crisis_replies']} false crisis replies (targets: 95%, 0, 0).")
    sl = results.get("safety_live") or {}
    if sl.get("status") == "ok":
        bullets.append(f"Crisis replies through the conversation: recall {fmt(get(sl, 'first.recall'), 'pct')} as the "
                       f"first message, {fmt(get(sl, 'in_question.recall'), 'pct')} inside a question; false alarms on "
                       f"{sl.get('safe_messages')} heavy-but-safe messages "
                       f"{fmt(get(sl, 'first.false_alarm_rate'), 'pct')} and "
                       f"{fmt(get(sl, 'in_question.false_alarm_rate'), 'pct')}.")
    ood = get(s, "out_of_domain")
    if ood:
        bullets.append(f"Out-of-domain messages handled (fallback or out of scope): {fmt(ood['handled_share'], 'pct')} "
                       f"of {ood['messages']}.")
    n = results.get("note") or {}
    if n.get("status") == "ok":
        bullets.append(f"Note: {fmt(get(n, 'summarise_ms.p50'), 'ms')} to summarise; "
                       f"{fmt(n.get('traceable_share'), 'pct')} of note lines traceable to the resident's words; "
                       f"{fmt(n.get('key_kept_in_summary_share'), 'pct')} of key statements in the summary lines.")
    pl = results.get("language") or {}
    if pl.get("status") == "ok":
        o = pl["overall"]
        bullets.append(f"Plain language ({o['texts']} texts): {fmt(o['avg_sentence_words'], 'f1')} words a sentence, "
                       f"Flesch-Douma {fmt(o['flesch_douma'], 'f1')}, {fmt(o['rare_share'], 'pct')} rare words, "
                       f"official words: {', '.join(o['official_words']) or 'none'}.")
    ld = results.get("load") or {}
    if ld.get("status") == "ok":
        runs = [f"{n} replica{'s' if n != '1' else ''} {fmt(r.get('messages_per_second'), 'f1')} messages/s, p95 "
                f"{fmt(r.get('p95_ms'), 'ms')}" for n, r in (ld.get("replicas") or {}).items() if "messages" in r]
        if "messages" in (ld.get("plain") or {}):
            runs.append(f"plain Rasa {fmt(ld['plain']['messages_per_second'], 'f1')} messages/s, p95 "
                        f"{fmt(ld['plain']['p95_ms'], 'ms')}")
        bullets.append(f"Load ({ld.get('residents')} residents at once through nginx, whole intakes): "
                       f"{'; '.join(runs)}; lost {ld.get('lost')}, duplicated {ld.get('duplicated')}, cross-talk "
                       f"{ld.get('cross_talk')} of {ld.get('messages')} messages.")
    missing = [name for name in SECTION_NAMES
               if name in results and results[name].get("status") not in (None, "ok")]
    minutes = (m.get("wall_seconds") or 0) / 60
    lines = [
        "## Measured",
        "",
        f"From `{m.get('command', 'make bench')}` ({m.get('mode')} run, {minutes:.0f} min, "
        f"{(m.get('generated') or '')[:10]}, commit `{m.get('commit') or NA}`) on a 2-core machine. Plain Rasa is the "
        "assistant `rasa init` writes, trained, started and loaded the same way in the same run. Every figure "
        "and how it is measured: [bench/results/latest.md](bench/results/latest.md).",
        "",
    ]
    if rows:
        lines += [table(("figure", "Naast", f"{PLAIN} (`rasa init`)", "Naast / plain"), rows), ""]
    lines += [f"- {b}" for b in bullets]
    if missing:
        lines += [f"- Not measured in this run: {', '.join(missing)} (see latest.md)."]
    crossval_minutes = ((results.get("crossval") or {}).get("seconds") or 0) / 60
    lines += ["", f"Repeat with `make bench` ({minutes:.0f} minutes on 2 cores this time, {crossval_minutes:.0f} of "
              "them cross-validating both pipelines; `python -m bench.run --quick` for a smoke run)."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ plots
def plots(results: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    raw = get(results, "servers.latency_raw_ms")
    if raw:
        kinds = [k for k in ("single", "concurrent") if raw.get("naast", {}).get(k) or raw.get("plain", {}).get(k)]
        if kinds:
            fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 4), squeeze=False)
            for ax, kind in zip(axes[0], kinds, strict=True):
                data = [raw.get("naast", {}).get(kind) or [0], raw.get("plain", {}).get(kind) or [0]]
                ax.boxplot(data, labels=["Naast", PLAIN], whis=(1, 99), showfliers=True)
                ax.set_yscale("log")
                ax.set_ylabel("ms per message (log scale)")
                workers = get(results, f"servers.latency.naast.{kind}.workers")
                ax.set_title("1 conversation" if kind == "single" else f"{workers} conversations at once")
                ax.grid(axis="y", alpha=0.3)
            fig.suptitle("REST latency per message (box: p25–p75, whiskers: p1–p99)")
            fig.tight_layout()
            path = out / "latency.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            written.append(path)
    naast_f1 = get(results, "crossval.naast.per_intent_f1")
    plain_f1 = get(results, "crossval.rasa_init.per_intent_f1")
    if naast_f1:
        intents = sorted(set(naast_f1) | set(plain_f1 or {}))
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(intents) + 1.2))
        ys = range(len(intents))
        ax.barh([y + 0.2 for y in ys], [naast_f1.get(i, 0) for i in intents], height=0.4, label="Naast")
        if plain_f1:
            ax.barh([y - 0.2 for y in ys], [plain_f1.get(i, 0) for i in intents], height=0.4,
                    label="`rasa init` pipeline")
        ax.set_yticks(list(ys))
        ax.set_yticklabels(intents)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("F1 (cross-validation)")
        ax.legend(loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        path = out / "intent_f1.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    timeline = get(results, "servers.memory.timeline")
    if timeline:
        fig, ax = plt.subplots(figsize=(8, 4))
        for name in sorted({row[1] for row in timeline}):
            points = [(row[0], row[2]) for row in timeline if row[1] == name]
            ax.plot([p[0] for p in points], [p[1] for p in points], label=name)
        ax.set_xlabel("seconds since the first server was spawned")
        ax.set_ylabel("RSS (MB)")
        ax.set_title("Resident memory of the servers during the run")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out / "memory.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


# ------------------------------------------------------------------ writing
def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """The targets of issue 14, Naast / plain Rasa, from the same run."""
    s, t = results.get("servers"), results.get("training")
    return {
        "throughput_20": ratio(get(s, "latency.naast.concurrent.messages_per_second"),
                               get(s, "latency.plain.concurrent.messages_per_second")),
        "p95_20": ratio(get(s, "latency.naast.concurrent.latency_ms.p95"),
                        get(s, "latency.plain.concurrent.latency_ms.p95")),
        "p50_1": ratio(get(s, "latency.naast.single.latency_ms.p50"), get(s, "latency.plain.single.latency_ms.p50")),
        "retrain_one_sentence": ratio(get(t, "naast.retrain.seconds"), get(t, "plain.retrain.seconds")),
        # Not a target: CPU per message (Rasa processes, router, action server vs plain Rasa), which
        # depends far less on what else the machine runs than the latencies do.
        "cpu_per_message_1": ratio(get(s, "latency.naast.single.cpu_ms_per_message"),
                                   get(s, "latency.plain.single.cpu_ms_per_message")),
        "cpu_per_message_20": ratio(get(s, "latency.naast.concurrent.cpu_ms_per_message"),
                                    get(s, "latency.plain.concurrent.cpu_ms_per_message")),
    }


def write_all(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    results["ratios"] = ratios(results)
    paths = [out / "latest.json", out / "latest.md", out / "README_measured.md"]
    paths[0].write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n", "utf-8")
    paths[1].write_text(render_markdown(results), "utf-8")
    paths[2].write_text(readme_block(results), "utf-8")
    try:
        paths += plots(results, out)
        from bench import profile

        paths += [p for p in [profile.plot(results.get("profile"), out)] if p]
    except ModuleNotFoundError as error:  # matplotlib missing: the tables still stand
        results.setdefault("meta", {})["plots"] = f"not drawn: {error}"
    return paths
