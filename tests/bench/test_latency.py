"""Percentiles and the resident scripts that drive the REST load (no servers, no timing)."""

from __future__ import annotations

import os

import pytest

from bench import latency
from bench.memory import PeakSampler, tree_rss


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert latency.percentile(values, 0) == 10
    assert latency.percentile(values, 50) == 30
    assert latency.percentile(values, 100) == 50
    assert latency.percentile(values, 95) == pytest.approx(48.0)
    assert latency.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)  # order does not matter
    assert latency.percentile([7.0], 99) == 7


def test_percentile_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        latency.percentile([], 50)
    with pytest.raises(ValueError):
        latency.percentile([1.0], 101)


def test_summary() -> None:
    result = latency.summary([float(x) for x in range(1, 101)])
    assert result == {"n": 100, "p50": 50.5, "p95": 95.0, "p99": 99.0, "mean": 50.5, "max": 100.0}
    assert latency.summary([]) == {"n": 0}


def reply(text: str) -> dict[str, str]:
    return {"recipient_id": "x", "text": text}


def test_naast_intake_answers_what_is_asked_and_ends_when_sent() -> None:
    script = latency.NaastIntake({"situation": "Ik heb schulden", "what_matters": "__overgeslagen__"})
    assert script.first() == "Hallo"
    opening = [reply("Wat speelt er? Vertel het in uw eigen woorden.")]
    assert script.next(opening) == "Ik heb schulden"
    assert script.next([reply("Wat vindt u het belangrijkst?")]) == "sla maar over"
    assert script.next([reply("Gaat er deze week iets mis? Bijvoorbeeld geen eten, geen stroom of u moet uit uw "
                              "huis.")]) == "nee"
    # a question without an answer in the story gets a default answer
    assert script.next([reply("Wie helpt u nu? Bijvoorbeeld familie, buren of vrienden.")])
    assert not script.completed
    assert script.next([reply("Een medewerker leest uw verhaal. Binnen 5 werkdagen neemt iemand contact met u op. "
                              "Samen kijkt u wat kan helpen.")]) is None
    assert script.completed


def test_naast_intake_gives_up_on_an_unknown_reply() -> None:
    script = latency.NaastIntake({})
    script.first()
    assert script.next([reply("Iets wat niet in domain.yml staat")]) is None
    assert not script.completed


def test_stories_come_from_the_summariser_conversations() -> None:
    stories = latency.load_stories()
    assert len(stories) >= 10
    assert all(story.get("situation") for story in stories)


def test_mood_script_runs_to_its_end() -> None:
    script = latency.MoodScript(("hi", "great", "bye"))
    said = [script.first()]
    while (message := script.next([reply("ok")])) is not None:
        said.append(message)
    assert said == ["hi", "great", "bye"] and script.completed


def test_load_result_as_dict() -> None:
    result = latency.LoadResult(workers=2, latencies_ms=[10.0, 20.0], errors=["HTTP 500: x"], conversations=2,
                                completed=1, wall_seconds=1.5)
    data = result.as_dict()
    assert data["messages"] == 2 and data["errors"] == 1
    assert data["messages_per_second"] == 2.0  # 3 sent in 1.5 s
    assert data["latency_ms"]["p50"] == 15.0


def test_tree_rss_of_this_process() -> None:
    assert tree_rss(os.getpid()) > 1024 * 1024
    assert tree_rss(2**22 + 12345) == 0  # no such process


def test_peak_sampler_keeps_the_peak() -> None:
    sampler = PeakSampler({"me": os.getpid, "not_started": lambda: None})
    sampler.sample_once()
    result = sampler.result()
    assert result["peak_rss_mb"]["me"] > 1
    assert "not_started" not in result["peak_rss_mb"]
