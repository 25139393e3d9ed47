"""Plain-language counting: syllables, sentences, Flesch-Douma, rare and official words."""

from __future__ import annotations

import pytest

from bench import plain_language as pl


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("aan", 1),
        ("huis", 1),
        ("nieuw", 1),
        ("gemeente", 3),
        ("medewerker", 4),
        ("huishouden", 3),
        ("ondersteuning", 4),
        # one-letter syllables at the edge, which the hyphenation dictionary never splits off
        ("idee", 2),
        ("ideeën", 3),
        ("oma", 2),
        ("even", 2),
        # a diaeresis starts a new syllable
        ("geïnformeerd", 4),
        ("België", 3),
        ("e-mail", 2),
    ],
)
def test_dutch_syllables(word: str, expected: int) -> None:
    assert pl.syllables(word) == expected


def test_sentences_split_on_end_marks_and_line_breaks_only() -> None:
    text = "Bel om 15.00 uur. Kijk op 113.nl of mail naam@voorbeeld.nl! Wat speelt er?\nWat er speelt: {situation}"
    assert pl.sentences(text) == ["Bel om 15.00 uur.", "Kijk op of mail !", "Wat speelt er?", "Wat er speelt:"]


def test_placeholders_addresses_and_digits_are_not_words() -> None:
    figures = pl.measure_text("t", "Bel {municipality_phone} of 0800-0113. Kijk op www.gemeente.nl.")
    assert figures.words == 4  # Bel, of, Kijk, op
    assert figures.sentences == 2


def test_flesch_douma_formula() -> None:
    # 206.835 - 0.93 * (20 / 2) - 77 * (30 / 20) = 206.835 - 9.3 - 115.5
    assert pl.flesch_douma(20, 2, 30) == pytest.approx(82.035)
    assert pl.flesch_douma(0, 0, 0) is None


def test_measure_text_by_hand() -> None:
    # "Ik ben Naast." 3 words, 3 syllables; "Wat vindt u belangrijk?" 4 words, 6 syllables (be-lang-rijk)
    figures = pl.measure_text("t", "Ik ben Naast. Wat vindt u belangrijk?")
    assert (figures.sentences, figures.words, figures.syllables) == (2, 7, 9)
    assert figures.avg_sentence_words == pytest.approx(3.5)
    assert figures.flesch_douma == pytest.approx(206.835 - 0.93 * 3.5 - 77 * 9 / 7)
    assert figures.max_sentence_words == 4 and figures.long_sentences == 0


def test_long_sentence_is_counted() -> None:
    text = " ".join(["woord"] * 16) + "."
    assert pl.measure_text("t", text).long_sentences == 1


def test_rare_words() -> None:
    # Zipf frequency below 3: fewer than one in a million words of Dutch text.
    figures = pl.measure_text("t", "Het huis is mooi. Een cliëntondersteuner helpt.")
    assert figures.rare_words == ["cliëntondersteuner"]
    assert figures.rare_share == pytest.approx(1 / 7)


def test_official_and_decision_words_are_found_as_whole_words() -> None:
    text = "Indien u wilt, dient u te bellen. U dient te bellen. Dit is toegekend."
    figures = pl.measure_text("t", text)
    assert "indien" in figures.official_words
    assert "dient te" in figures.official_words
    assert "toegekend" in figures.decision_words
    assert pl.find_phrases("Ik bel u indienstdatum", ("indien",)) == []


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
    assert result["flesch_douma"] == pytest.approx(206.835 - 0.93 * 3.5 - 77 * 9 / 7, abs=0.05)
