"""The safety screen (bot/safety): lexicon health, recall on crisis messages, false alarms."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from bot.safety import SIGNALS, evaluate, load_lexicon, screen, screen_message
from bot.safety.screen import LEXICON_FILE, fold, tokenize

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "data" / "safety_messages.yml"
HELDOUT_SET = ROOT / "bench" / "data" / "safety_heldout.yml"

# A false alarm shows a crisis line to someone who did not need it; a miss leaves someone in danger
# without one. The screen is tuned for recall, so some false alarms are the price. At most 1 in 20
# heavy-but-safe messages may fire: more, and residents telling a hard story keep being answered
# with phone numbers instead of being listened to. Every false alarm is printed in the failure.
MAX_FALSE_ALARM_RATE = 0.05

# The heavy-but-safe sentences named in the issue: none of them may fire.
ISSUE_SAFE = [
    "ik ben zo moe van alles",
    "mijn moeder is overleden",
    "ik ben de weg kwijt met mijn post",
    "mijn man is vorig jaar doodgegaan",
    "ik word gek van de rekeningen",
    "mijn buurman slaat met deuren",
    "dit doodt me nog eens... grapje",
]


def _test_set() -> dict:
    return yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))


def _examples() -> list[tuple[str, str]]:
    return [(entry.id, example) for entry in load_lexicon().entries for example in entry.examples]


# ------------------------------------------------------------------------- the lexicon file


def test_lexicon_is_dated_and_every_entry_has_examples():
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    assert str(data["updated"]) >= "2026-11-23"
    lexicon = load_lexicon()
    assert {s for entry in lexicon.entries for s in entry.signals} == set(SIGNALS)
    without = [entry.id for entry in lexicon.entries if not entry.examples]
    assert not without, f"lexicon entries without examples: {without}"


@pytest.mark.parametrize(("entry_id", "example"), _examples())
def test_every_lexicon_example_fires_its_entry(entry_id: str, example: str):
    hits = [hit.entry for hit in screen_message(example).hits]
    assert entry_id in hits, f"{example!r} should fire {entry_id}, fired {hits}"


def _write_lexicon(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.yml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("signals:\n  danger:\n    - {id: a, patterns: ['brand']}\n", "unknown signal"),
        ("signals:\n  acute:\n    - {id: a, patterns: ['@nope brand']}\n", "unknown group"),
        ("variants: {nie: niet}\nsignals:\n  acute:\n    - {id: a, patterns: ['nie veilig']}\n", "instead of"),
        ("signals:\n  acute:\n    - {id: a, patterns: ['brand ...']}\n", "must start with a word"),
        ("signals:\n  acute:\n    - {id: a, patterns: ['br#nd']}\n", "cannot read"),
        ("signals:\n  acute:\n    - {id: a, patterns: []}\n", "no patterns"),
        ("signals:\n  acute:\n    - {id: a, patterns: [brand]}\n    - {id: a, patterns: [fik]}\n", "twice"),
    ],
)
def test_a_broken_lexicon_stops_at_load(tmp_path: Path, body: str, message: str):
    with pytest.raises(ValueError, match=message):
        load_lexicon(_write_lexicon(tmp_path, body))


def test_pattern_syntax(tmp_path: Path):
    lexicon = load_lexicon(
        _write_lexicon(
            tmp_path,
            "groups: {wie: 'hij|zij'}\n"
            "signals:\n  violence:\n"
            "    - {id: gap, patterns: ['@wie ...2 slaat [mij|me] hard']}\n"
            "    - {id: end, patterns: ['ik kan niet meer $']}\n"
            "    - {id: strict, patterns: ['=brand']}\n"
            "    - {id: fig, patterns: ['mes'], except: ['mes op de keel']}\n",
        )
    )

    def fired(text: str) -> list[str]:
        return [hit.entry for hit in screen_message(text, lexicon).hits]

    assert fired("hij slaat hard") == ["gap"]
    assert fired("zij zegt dat ze slaat me hard") == []  # a gap of 3 is too long...
    assert fired("hij zegt vaak slaat me hard") == ["gap"]  # ...a gap of 2 fits
    assert fired("ik kan niet meer. echt niet") == ["end"]
    assert fired("ik kan niet meer lopen") == []
    assert fired("brand") == ["strict"] and fired("brant") == []  # "=" turns typo matching off
    assert fired("ze zetten me het mes op de keel") == []
    assert fired("hij heeft een mes") == ["fig"]


# ------------------------------------------------------------------------- normalisation


def test_normalisation_accents_repeats_and_variants():
    assert fold("Suïcide") == "suicide"
    assert fold("DOOOOOD") == "dood"
    words = [t.text for t in tokenize("'k zie 't ni mee zitten, kwil da nie", load_lexicon().variants)]
    assert words == ["ik", "zie", "het", "niet", "mee", "zitten", "ik", "wil", "dat", "niet"]


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("zelfmoort", ["suicide"]),  # typo of a long word
        ("ik word geslage", ["violence"]),  # Flemish: dropped final n
        ("ik wil doorgaan met mijn opleiding", []),  # a real word is never a typo of "doodgaan"
        ("mijn zoon is geslaagd", []),  # nor "geslaagd" of "geslagen"
        ("mijn man sloeg me", ["violence"]),  # the lemma table: sloeg -> slaan
    ],
)
def test_typos_and_inflections(text: str, signals: list[str]):
    assert screen(text) == signals


def test_signals_most_serious_first_without_repeats():
    text = "mijn man slaat me, hij slaat de kinderen, ik wil dood en er is brand"
    assert screen(text) == ["acute", "suicide", "violence"]
    result = screen_message(text)
    assert {"slaan", "wil_dood", "brand"} <= {hit.entry for hit in result.hits}
    assert all(hit.matched and hit.pattern for hit in result.hits)


def test_empty_and_odd_input():
    assert screen("") == []
    assert screen("   \n ") == []
    assert screen("🙂🙂 ??? 123") == []


def test_a_long_message_is_screened_quickly():
    story = ("Ik zorg voor mijn moeder en het is zwaar, de rekeningen stapelen zich op. " * 40)[:1900]
    start = time.perf_counter()
    assert screen(story + " Eigenlijk wil ik er niet meer zijn.") == ["suicide"]
    assert time.perf_counter() - start < 1.0


# ------------------------------------------------------------------------- the test set


def test_test_set_is_big_enough_and_has_every_signal():
    data = _test_set()
    assert len(data["crisis"]) >= 40 and len(data["safe"]) >= 40
    assert {s for item in data["crisis"] for s in item["signals"]} == set(SIGNALS)


def test_recall_on_crisis_messages_is_100_percent():
    report = evaluate(TEST_SET)
    assert report["misses"] == [], f"crisis messages without a signal: {report['misses']}"
    assert report["wrong_signals"] == [], f"crisis messages missing their signal: {report['wrong_signals']}"
    assert report["recall"] == 1.0 and report["signal_recall"] == 1.0


def test_false_alarms_on_heavy_but_safe_messages_stay_rare():
    report = evaluate(TEST_SET)
    alarms = "\n".join(f"  {a['text']!r} -> {a['signals']} via {a['entries']}" for a in report["false_alarms"])
    assert report["false_alarm_rate"] <= MAX_FALSE_ALARM_RATE, f"false alarms:\n{alarms}"


@pytest.mark.parametrize("text", ISSUE_SAFE)
def test_the_issues_safe_sentences_do_not_fire(text: str):
    assert screen_message(text).hits == []


@pytest.mark.parametrize(
    "text",
    ["ik wil dood... grapje", "nee zo bedoelde ik het niet, ik wil gewoon dood"],
)
def test_a_joke_or_a_take_back_does_not_silence_a_crisis_phrase(text: str):
    assert screen(text) == ["suicide"]


# ------------------------------------------------------------------------- the held-out set


def test_heldout_set_is_separate_and_readable():
    heldout = yaml.safe_load(HELDOUT_SET.read_text(encoding="utf-8"))
    assert len(heldout["crisis"]) >= 30 and len(heldout["safe"]) >= 30
    texts = {fold(item["text"]) for item in heldout["crisis"]} | {fold(t) for t in heldout["safe"]}
    test_data = _test_set()
    test_texts = {fold(item["text"]) for item in test_data["crisis"]} | {fold(t) for t in test_data["safe"]}
    assert not texts & test_texts, "the held-out set must not share messages with the test set"


def test_evaluate_reports_recall_and_false_alarms(tmp_path: Path):
    path = tmp_path / "set.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "crisis": [
                    {"text": "ik wil dood", "signals": ["suicide"]},
                    {"text": "hij slaat me", "signals": ["acute"]},  # fires, but the wrong signal
                    {"text": "alles is goed", "signals": ["suicide"]},  # a miss
                    "er is brand",
                ],
                "safe": ["het regent", "er is brand in de keuken"],
            }
        ),
        encoding="utf-8",
    )
    report = evaluate(path)
    assert (report["crisis"], report["safe"]) == (4, 2)
    assert report["recall"] == 0.75 and report["signal_recall"] == 0.5
    assert report["misses"] == ["alles is goed"]
    assert report["wrong_signals"][0]["text"] == "hij slaat me"
    assert report["false_alarm_rate"] == 0.5
    assert report["false_alarms"][0]["entries"] == ["brand"]
