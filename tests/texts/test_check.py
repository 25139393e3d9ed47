"""The plain-language check: counting, the hard failures that block publishing, and the advice."""

from __future__ import annotations

import pytest

from bot.texts import check
from bot.texts.check import Rules


def codes(report: check.Report, severity: str | None = None) -> set[str]:
    return {f.code for f in report.findings if severity is None or f.severity == severity}


def test_sentences_split_on_end_marks_and_line_breaks_only() -> None:
    text = "Bel om 15.00 uur. Kijk op 113.nl of mail naam@voorbeeld.nl! Wat speelt er?\nWat er speelt: {situation}"
    assert check.sentences(text) == ["Bel om 15.00 uur.", "Kijk op of mail !", "Wat speelt er?", "Wat er speelt:"]


def test_placeholders_addresses_and_digits_are_not_words() -> None:
    figures = check.figures("Bel {municipality_phone} of 0800-0113. Kijk op www.gemeente.nl.")
    assert figures.words == 4  # Bel, of, Kijk, op
    assert figures.sentences == 2


def test_flesch_douma_uses_textstats_dutch_constants() -> None:
    # 206.835 - 0.93 * (20 / 2) - 77 * (30 / 20) = 206.835 - 9.3 - 115.5
    assert check.flesch_douma(20, 2, 30) == pytest.approx(82.035)
    assert check.flesch_douma(0, 0, 0) is None


def test_syllables_come_from_dutch_hyphenation() -> None:
    assert [check.syllables(w) for w in ("huis", "gemeente", "medewerker", "ondersteuning")] == [1, 3, 4, 4]


def test_figures_by_hand() -> None:
    figures = check.figures("Ik ben Naast. Wat vindt u belangrijk?")
    assert (figures.sentences, figures.words) == (2, 7)
    assert figures.avg_sentence_words == pytest.approx(3.5)
    assert figures.flesch_douma == pytest.approx(check.flesch_douma(7, 2, figures.syllables))
    assert figures.max_sentence_words == 4 and figures.long_sentences == 0 and figures.questions == 1


def test_rare_words() -> None:
    figures = check.figures("Het huis is mooi. Een cliëntondersteuner helpt.")
    assert figures.rare_words == ["cliëntondersteuner"] and figures.rare_count == 1


def test_official_and_decision_words_are_found_as_whole_words() -> None:
    figures = check.figures("Indien u wilt, dient u te bellen. U dient te bellen. Dit is toegekend.")
    assert "indien" in figures.official_words and "dient te" in figures.official_words
    assert "toegekend" in figures.decision_words
    assert check.find_phrases("Ik bel u indienstdatum", ("indien",)) == []


@pytest.mark.parametrize("text", ["U komt in aanmerking voor hulp.", "Goed nieuws: u KRIJGT een scootmobiel.",
                                  "Uw aanvraag is toegekend."])
def test_decision_and_promise_words_block(text: str) -> None:
    report = check.check([{"text": text}])
    assert not report.ok and codes(report, check.ERROR) == {"decision_word"}


def test_a_decision_word_on_a_button_blocks_too() -> None:
    report = check.check([{"text": "Wat wilt u?", "buttons": [{"title": "Ik kom in aanmerking", "payload": "/x"},
                                                               {"title": "U krijgt het", "payload": "/y"}]}])
    assert "decision_word" in codes(report, check.ERROR)


def test_empty_text_and_no_variations_block() -> None:
    assert codes(check.check([{"text": "   "}]), check.ERROR) == {"empty"}
    assert codes(check.check([]), check.ERROR) == {"empty"}


def test_a_crisis_text_needs_its_number_in_every_variation() -> None:
    rules = Rules(numbers=("0800-2000",))
    report = check.check([{"text": "Bel Veilig Thuis: 0800 2000."}, {"text": "Bel Veilig Thuis."}], rules)
    blocking = report.blocking
    assert [(f.code, f.variation) for f in blocking] == [("crisis_number", 1)]


def test_a_broken_or_unknown_placeholder_blocks() -> None:
    rules = Rules(placeholders=frozenset({"municipality_phone"}))
    assert check.check([{"text": "Bel {municipality_phone}."}], rules).ok
    assert codes(check.check([{"text": "Bel {municipality_phon}."}], rules), check.ERROR) == {"broken_placeholder"}
    assert codes(check.check([{"text": "Bel {municipality_phone."}], rules), check.ERROR) == {"broken_placeholder"}
    assert codes(check.check([{"text": "Bel { }."}], rules), check.ERROR) == {"broken_placeholder"}


def test_escaped_braces_in_payloads_are_not_placeholders() -> None:
    variation = {"text": "Welk deel?", "buttons": [{"title": "Wat er speelt",
                                                    "payload": '/correct{{"section": "situation"}}'}]}
    assert check.check([variation], Rules(placeholders=frozenset())).ok


def test_advice_never_blocks() -> None:
    text = ("Indien u dat wenst, kunt u middels dit formulier alle relevante gegevens betreffende uw "
            "huishoudelijke ondersteuningsbehoefte verstrekken aan de gemeente. Wil je dat? Of niet?")
    report = check.check([{"text": text}])
    assert report.ok
    assert {"long_sentence", "readability", "rare_word", "official_word", "questions", "address"} <= codes(report)


def test_u_and_je_mixed() -> None:
    finding = next(f for f in check.check([{"text": "Wat vindt u? Zeg het je buurman."}]).findings
                   if f.code == "address")
    assert "zowel" in finding.message and finding.words == ("je",)


def test_other_languages_get_only_the_hard_checks() -> None:
    report = check.check([{"text": "Sorry, I only speak Dutch. You komt in aanmerking."}], Rules(language="en"))
    assert report.ok and report.figures == [None]
