"""The bench's plain-language figures: which texts it measures and how it pools them.

The counting itself is the text store's check (tests/texts/test_check.py)."""

from __future__ import annotations

import pytest

from bench import plain_language as pl


def test_domain_texts_leave_out_other_languages(tmp_path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(
        "responses:\n"
        "  utter_a:\n    - text: 'Hallo.'\n    - text: 'Dag.'\n"
        "  utter_other_language_en:\n    - text: 'Sorry, I only speak Dutch.'\n"
        "  utter_b:\n    - custom: {x: 1}\n",
        "utf-8",
    )
    assert pl.domain_texts(domain) == [("utter_a#1", "Hallo."), ("utter_a#2", "Dag.")]


def test_overall_pools_counts() -> None:
    figures = [pl.measure_text("a", "Ik ben Naast."), pl.measure_text("b", "Wat vindt u belangrijk?")]
    result = pl.overall(figures)
    assert result["sentences"] == 2 and result["words"] == 7
    syllables = figures[0].syllables + figures[1].syllables
    assert result["flesch_douma"] == pytest.approx(206.835 - 0.93 * 3.5 - 77 * syllables / 7, abs=0.05)
