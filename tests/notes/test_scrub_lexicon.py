"""BSN/IBAN scrubbing and the lemma lexicon, piece by piece."""

from __future__ import annotations

import pytest

from bot.lexicons.matcher import Lexicon, Word
from bot.summariser.scrub import is_bsn, is_iban, scrub


@pytest.mark.parametrize("text", [
    "Mijn BSN is 123456782.",
    "bsn: 123 456 782",
    "BSN 1234.56.782, klopt dat?",
    "nummer 111222333 staat op de brief",
])
def test_bsn_is_scrubbed(text: str) -> None:
    result = scrub(text)
    assert result.counts == {"bsn": 1, "iban": 0}
    assert "[BSN verwijderd]" in result.text
    assert not any(ch.isdigit() for ch in result.text)


@pytest.mark.parametrize("text", [
    "Bel me op 0612345678 of 06 1234 5678.",  # phone numbers have 10 digits
    "Ik heb 123456789 euro schuld.",  # 9 digits, but no elfproef
    "Het kost € 123.456.782 volgens de brief.",  # an amount
    "Postcode 1234 AB, huisnummer 12.",
    "Het was 12-03-2024 om 14.30 uur.",
])
def test_other_numbers_stay(text: str) -> None:
    assert scrub(text).text == text


@pytest.mark.parametrize("text", [
    "Mijn rekening is NL91 ABNA 0417 1643 00.",
    "iban nl91abna0417164300 graag",
    "NL91ABNA0417164301 (met een tikfout)",
    "Duitse rekening DE89 3704 0044 0532 0130 00 en toen ging het mis",
    "GB82WEST12345698765432",
])
def test_iban_is_scrubbed(text: str) -> None:
    result = scrub(text)
    assert result.counts == {"bsn": 0, "iban": 1}, result.text
    assert "[IBAN verwijderd]" in result.text
    assert not any(ch.isdigit() for ch in result.text)


def test_scrub_keeps_the_words_after_an_iban() -> None:
    assert scrub("DE89 3704 0044 0532 0130 00 en toen").text == "[IBAN verwijderd] en toen"


def test_checks() -> None:
    assert is_bsn("123456782") and not is_bsn("123456789") and not is_bsn("000000000")
    assert is_iban("NL91ABNA0417164300") and not is_iban("NL91ABNA0417164301")


def words(*pairs: str) -> list[Word]:
    return [Word(p.split("/")[0], p.split("/")[-1], known=not p.endswith("?")) if "/" in p
            else Word(p.rstrip("?"), p.rstrip("?"), known=not p.endswith("?")) for p in pairs]


def test_lexicon_term_kinds() -> None:
    lexicon = Lexicon({"fin": ["schuld", "schuldhulp*", "*rekening", "rood staan"], "x": ["*oed*"]},
                      fuzzy=True)
    assert lexicon.keys_in(words("schulden/schuld")) == {"fin"}
    assert lexicon.keys_in(words("schuldhulpverlening")) == {"fin"}
    assert lexicon.keys_in(words("energierekening")) == {"fin"}
    assert lexicon.keys_in(words("ik", "sta", "rood", "staan")) == {"fin"}
    assert lexicon.keys_in(words("rood")) == set()
    assert lexicon.keys_in(words("opvoeding")) == {"x"}


def test_lexicon_typo_only_for_unknown_long_words() -> None:
    lexicon = Lexicon({"fin": ["deurwaarder", "vervelen"]}, fuzzy=True)
    assert lexicon.keys_in(words("deurwaader?")) == {"fin"}  # one letter missing
    assert lexicon.keys_in(words("deurwaarders?")) == {"fin"}  # one letter extra
    assert lexicon.keys_in(words("deurwaadrer?")) == {"fin"}  # two letters swapped
    assert lexicon.keys_in(words("vervelend")) == set()  # a real word, not a typo
    assert Lexicon({"fin": ["deurwaarder"]}).keys_in(words("deurwaader?")) == set()  # fuzzy off


def test_lexicon_hit_positions() -> None:
    hits = Lexicon({"neg": ["niet"], "pos": ["hielp", "gaat goed"]}).find(words("dat", "hielp", "niet"))
    assert {(h.key, h.start, h.end) for h in hits} == {("pos", 1, 2), ("neg", 2, 3)}
