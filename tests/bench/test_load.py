"""The load test's accounting (bench/load.py): on planted data, and on a small real run through nginx of the
production topology (5 residents, 1 Rasa replica, whole conversations, Locust as its own process)."""

from __future__ import annotations

import importlib.util
import json
import random

import pytest

from bench import load
from bench.latency import response_names
from tests.ops.topology import require_topology


def _record(sender: str, texts: list[str], reference: str | None = None, status: int = 200) -> dict:
    messages = [{"text": text, "attempts": [{"status": status, "ms": 10.0, "began": 100.0 + i, "ended": 100.5 + i}]}
                for i, text in enumerate(texts)]
    return {"sender": sender, "messages": messages,
            "completed": True, "cut": False, "reference": reference}


# --- the counting logic finds what is planted ---------------------------------------------------

def test_count_turns_tells_lost_duplicated_and_reordered_messages() -> None:
    sent = ["Hallo", "ja", "nee", "ja"]
    assert load.count_turns(sent, sent) == {"lost": 0, "duplicated": 0, "out_of_order": 0}
    assert load.count_turns(sent, ["Hallo", "ja", "nee"]) == {"lost": 1, "duplicated": 0, "out_of_order": 0}
    assert load.count_turns(sent, ["Hallo", "ja", "ja", "nee", "ja"]) == {"lost": 0, "duplicated": 1,
                                                                          "out_of_order": 0}
    assert load.count_turns(sent, ["Hallo", "nee", "ja", "ja"]) == {"lost": 0, "duplicated": 0, "out_of_order": 1}
    # One message's turn landed in another conversation: lost here (and duplicated there).
    assert load.count_turns(sent, ["Hallo", "ja", "nee", "nee"]) == {"lost": 1, "duplicated": 1, "out_of_order": 0}


def test_account_adds_up_over_residents_and_names_an_example() -> None:
    records = [_record("a", ["Hallo", "x"]), _record("b", ["Hallo", "y"])]
    clean = load.account(records, {"a": ["Hallo", "x"], "b": ["Hallo", "y"]})
    assert (clean["messages"], clean["lost"], clean["duplicated"], clean["examples"]) == (4, 0, 0, [])
    planted = load.account(records, {"a": ["Hallo", "x", "x"], "b": ["Hallo"]})
    assert (planted["lost"], planted["duplicated"]) == (1, 1)
    assert {e["sender"] for e in planted["examples"]} == {"a", "b"}
    assert load.account(records, {})["lost"] == 4  # no tracker at all: every message is lost


def test_a_last_message_still_refused_at_the_time_limit_is_held_not_lost() -> None:
    record = _record("a", ["Hallo", "x", "y"])
    record["messages"][-1]["unanswered_at_time_limit"] = True
    # Rasa never took it: the resident (the widget's outbox) still holds it.
    assert load.record_turns(record, ["Hallo", "x"]) == {"lost": 0, "duplicated": 0, "out_of_order": 0,
                                                         "held_not_taken": 1}
    # Rasa took it after all (its answer came too late): one turn, nothing lost.
    assert load.record_turns(record, ["Hallo", "x", "y"])["held_not_taken"] == 0
    # An earlier message without a turn is lost all the same.
    assert load.record_turns(record, ["Hallo"])["lost"] == 1
    counted = load.account([record], {"a": ["Hallo", "x"]})
    assert (counted["lost"], counted["unanswered_at_time_limit"], counted["unanswered_at_time_limit_not_taken"]) \
        == (0, 1, 1)
    record["messages"][-1]["unanswered_at_time_limit"] = False  # answered: then a missing turn is lost
    assert load.account([record], {"a": ["Hallo", "x"]})["lost"] == 1


def test_cross_talk_finds_a_foreign_marker_and_a_note_without_its_own_answers() -> None:
    rng = random.Random(1)
    residents = [{"sender": s, "markers": [load.marker(rng), load.marker(rng)]} for s in ("a", "b", "c")]
    a, b, c = (r["markers"] for r in residents)
    records = [_record("a", ["x"], "NST-AAAA"), _record("b", ["x"], "NST-BBBB"), _record("c", ["x"], "NST-CCCC")]
    clean = [("NST-AAAA", f"... {a[0]} ... {a[1]}"), ("NST-BBBB", f"{b[1]} {b[0]}"), ("NST-CCCC", " ".join(c))]
    assert load.cross_talk(residents, records, clean)["cross_talk"] == 0
    assert load.cross_talk(residents, records, clean)["notes_missing_own_answers"] == 0
    mixed = [("NST-AAAA", f"{a[0]} {a[1]} {b[0]}"), ("NST-BBBB", b[1]), ("NST-CCCC", " ".join(c))]
    found = load.cross_talk(residents, records, mixed)
    assert found["cross_talk"] == 1 and found["notes_missing_own_answers"] == 1
    assert found["problems"][0]["foreign_markers_of"] == ["b"]
    extra = load.cross_talk(residents, records[:2], [*clean, ("NST-DDDD", "")])
    assert extra["notes_nobody_was_told"] == 2 and extra["references_without_note"] == 0


def test_markers_are_in_the_answers_and_unique() -> None:
    residents = load.naast_residents(30, random.Random(7), "t")
    words = [w for r in residents for w in r["markers"]]
    assert len(words) == len(set(words)) >= 30
    for r in residents:
        assert all(load.MARKER.fullmatch(w) for w in r["markers"])
        assert all(any(w in answer for answer in r["answers"].values()) for w in r["markers"])
    assert len({r["sender"] for r in residents}) == 30


def test_speed_counts_answered_requests_over_their_window() -> None:
    records = [_record("a", ["1", "2", "3"]), _record("b", ["1"], status=502)]
    fast = load.speed(records)
    assert fast["answered"] == 3 and fast["errors"] == 1 and fast["error_statuses"] == {"502": 1}
    assert fast["window_seconds"] == 2.5 and fast["messages_per_second"] == 1.2


def test_the_intake_script_answers_the_questions_latency_does_not_know() -> None:
    script = load.intake({"situation": "Mijn man is ziek"})
    assert script.first() == "Hallo"
    asked = [{"text": "Gaat dit over uzelf, of over iemand anders?"}]
    assert response_names(asked) == ["utter_ask_for_whom"]
    assert script.next(asked) == "Over mijzelf"


# --- a small real run -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    require_topology()
    if importlib.util.find_spec("locust") is None:
        pytest.fail("locust is not installed: it is a dev dependency (pyproject.toml)")
    workdir = tmp_path_factory.mktemp("load")
    result = load.run(quick=True, workdir=workdir)
    result["records"] = json.loads((workdir / "naast-1-records.json").read_text("utf-8"))
    return result


def test_quick_run_five_whole_conversations_nothing_lost_duplicated_or_crossed(quick_run: dict) -> None:
    one = quick_run["replicas"]["1"]
    assert one["residents"] == 5 and quick_run["plan"]["residents"] == 5
    conversations = one["conversations"]
    assert conversations["completed"] == 5, conversations  # each resident went from "Hallo" to the note
    # The figures come from real data: every message sent has its turn in PostgreSQL's tracker store.
    assert one["messages"] == sum(len(r["messages"]) for r in quick_run["records"]) >= 5 * 10
    assert one["accounting"]["turns"] == one["messages"]
    assert (one["lost"], one["duplicated"], one["accounting"]["out_of_order"]) == (0, 0, 0)
    notes = one["notes"]
    assert notes["notes"] == 5 and notes["cross_talk"] == 0 and notes["notes_missing_own_answers"] == 0
    assert notes["notes_nobody_was_told"] == 0 and notes["references_without_note"] == 0
    assert one["speed"]["answered"] == one["messages"]  # each message answered (perhaps after a resend)
    assert one["p50_ms"] <= one["p95_ms"] <= one["p99_ms"] and one["messages_per_second"] > 0
    # Locust's own count (its stats file can miss the last request or two when it quits right after them).
    attempts = sum(len(m["attempts"]) for r in quick_run["records"] for m in r["messages"])
    assert 0.8 * attempts <= one["locust"]["locust"]["requests"] <= attempts
    assert (quick_run["lost"], quick_run["duplicated"], quick_run["cross_talk"]) == (0, 0, 0)
    assert "plain" not in quick_run  # the quick run leaves plain Rasa out


def test_quick_run_residents_reached_the_note_number_through_nginx(quick_run: dict) -> None:
    for record in quick_run["records"]:
        assert record["reference"], record["sender"]
        first, *_ = record["messages"]
        assert first["text"] == "Hallo" and first["names"][0] == "utter_opening"
        assert first["names"][-1] == "utter_ask_situation"
        assert "utter_note_sent" in [n for m in record["messages"] for n in m.get("names", [])]


def test_the_markdown_table_shows_the_replica_run(quick_run: dict) -> None:
    from bench.report import md_load

    text = "\n".join(md_load({"load": {k: v for k, v in quick_run.items() if k != "records"}}))
    assert "Naast, 1 Rasa replica |" in text and "| 5 | 5 / 0 |" in text
