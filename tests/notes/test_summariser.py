"""The summariser on realistic Dutch conversations: faithful, scrubbed, labelled, free of decisions."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from bot.notes.model import TEXT_SECTIONS, Note
from bot.notes.render import TEMPLATES
from bot.notes.texts import all_strings, find_decision_words, load_texts
from bot.slots import SKIPPED
from bot.summariser import IntakeAnswers, scrub, summarise
from bot.summariser.core import MAX_SUMMARY_CHARS
from tests.notes.conftest import CONVERSATIONS, answers_of

IDS = [c["id"] for c in CONVERSATIONS]
# Which answers each section may quote from.
SECTION_SOURCES = {
    "situation": ["situation"],
    "what_matters": ["what_matters", "what_matters_effect"],
    "what_was_tried": ["what_was_tried"],
    "what_would_help": ["what_would_help"],
    "network": ["network", "network_load"],
    "own_ideas": ["what_would_help"],
    "additions": ["additions"],
}
FREE_TEXT = ("situation", "what_matters", "what_matters_effect", "what_was_tried", "what_would_help",
             "network", "network_load", "urgency_detail")


@pytest.fixture(scope="module")
def notes() -> dict[str, Note]:
    return {c["id"]: summarise(answers_of(c)) for c in CONVERSATIONS}


def scrubbed_answers(conversation: dict[str, Any], slots: list[str] | None = None) -> list[str]:
    """The resident's answers as the note may quote them: scrubbed, skipped ones left out."""
    values = conversation["slots"]
    texts: list[str] = []
    for slot in slots or [*FREE_TEXT, "additions"]:
        value = values.get(slot)
        items = value if isinstance(value, list) else [value]
        texts += [scrub(str(item).strip()).text for item in items if item not in (None, SKIPPED)]
    return texts


def test_at_least_fifteen_conversations() -> None:
    assert len(CONVERSATIONS) >= 15
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_every_summary_sentence_is_the_residents_own(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    note = notes[conversation["id"]]
    everything = scrubbed_answers(conversation)
    for name, sources in SECTION_SOURCES.items():
        section = getattr(note.sections, name)
        allowed = scrubbed_answers(conversation, sources)
        for sentence in section.summary:
            assert any(sentence in answer for answer in allowed), (name, sentence)
            assert sentence == sentence.strip() and sentence
        if name != "own_ideas":
            assert section.answers == allowed, name
    for sentence in note.sections.what_goes_well.summary + note.sections.what_was_tried.helped:
        assert any(sentence in answer for answer in everything), sentence
    for theme in note.sections.themes:
        assert any(theme.quote in answer for answer in everything), theme
    for sentence in note.signals.urgency_detail.summary:
        assert any(sentence in answer for answer in scrubbed_answers(conversation, ["urgency_detail"]))


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_summary_lines_are_short(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    note = notes[conversation["id"]]
    for name in ("situation", "what_was_tried", "what_would_help"):
        summary = getattr(note.sections, name).summary
        assert len(summary) <= 2
        if len(summary) == 2:
            assert sum(len(s) for s in summary) <= MAX_SUMMARY_CHARS
    for name in ("what_matters", "network"):  # one sentence from each of two answers
        assert len(getattr(note.sections, name).summary) <= 2


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_life_domain_labels(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    expect = conversation["expect"]
    labels = [theme.label for theme in notes[conversation["id"]].sections.themes]
    assert len(labels) == len(set(labels)), "one quote per label"
    missing = set(expect.get("labels", [])) - set(labels)
    assert not missing, f"missing labels {missing}; got {labels}"
    unexpected = set(expect.get("not_labels", [])) & set(labels)
    assert not unexpected, f"unexpected labels {unexpected}"


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_bsn_and_iban_are_scrubbed(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    note = notes[conversation["id"]]
    expected = conversation["expect"].get("scrubbed", {"bsn": 0, "iban": 0})
    assert note.privacy.scrubbed == {"bsn": expected.get("bsn", 0), "iban": expected.get("iban", 0)}
    dumped, markers = note.to_json(), load_texts()["scrub_markers"]
    for kind, count in expected.items():
        assert dumped.count(markers[kind]) >= count
    # No 9-digit number passing the elfproef and no IBAN survives anywhere in the note.
    for text in note.resident_texts():
        assert scrub(text).counts == {"bsn": 0, "iban": 0}, text
    if any(expected.values()):
        assert "uit de tekst gehaald" in note.render_text()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_what_goes_well(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    expect = conversation["expect"]
    goes_well = notes[conversation["id"]].sections.what_goes_well.summary
    if "goes_well" in expect:
        assert bool(goes_well) == expect["goes_well"], goes_well
    for sentence in expect.get("not_goes_well", []):
        assert sentence not in goes_well


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_note_text_has_no_decision_words_of_its_own(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    note = notes[conversation["id"]]
    resident = sorted(set(note.resident_texts()), key=len, reverse=True)
    text, page = note.render_text(), note.render_html()
    for quote in resident:
        text = text.replace(quote, "")
        page = page.replace(html.escape(quote, quote=False), "").replace(html.escape(quote), "")
    assert find_decision_words(text) == []
    assert find_decision_words(re.sub(r"<[^>]+>", " ", page)) == []


def test_texts_and_templates_are_free_of_decision_words() -> None:
    for text in all_strings(load_texts()):
        assert find_decision_words(text) == [], text
    for template in TEMPLATES.glob("*.j2"):
        literal = re.sub(r"{{.*?}}|{%.*?%}", " ", template.read_text(encoding="utf-8"), flags=re.S)
        assert find_decision_words(literal) == [], template.name


def test_decision_words_of_the_resident_stay_as_quotes(notes: dict[str, Note]) -> None:
    conversation = next(c for c in CONVERSATIONS if c["id"] == "besluitwoorden")
    note = notes["besluitwoorden"]
    rendered = note.render_text()
    for phrase in conversation["expect"]["quotes_kept"]:
        assert phrase in rendered
        assert any(phrase in text for text in note.resident_texts())
    assert find_decision_words(rendered)  # they are there, but only inside quotes (test above)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=IDS)
def test_header_contact_and_flags(conversation: dict[str, Any], notes: dict[str, Note]) -> None:
    note = notes[conversation["id"]]
    slots, expect = conversation["slots"], conversation["expect"]
    assert note.resident_confirmed is bool(slots.get("read_back_confirmed"))
    assert note.anonymous is (slots.get("contact_channel") == "anonymous")
    assert note.anonymous is expect.get("anonymous", False)
    if note.anonymous:
        assert note.contact.phone is None and note.contact.email is None
        assert slots["contact_phone"] not in note.to_json()
    if "urgent" in expect:
        assert note.urgent is expect["urgent"]
    assert note.reference is None  # only the store gives references
    text = note.render_text()
    texts = load_texts()
    assert texts["header"]["made_by"] in text and texts["header"]["not_a_decision"] in text
    assert (texts["header"]["confirmed"] if note.resident_confirmed else texts["header"]["not_confirmed"]) in text
    for step in texts["open_questions"]["steps"]:
        assert step in text


def test_skipped_questions_are_marked(notes: dict[str, Note]) -> None:
    note = notes["kort"]
    for name in ("what_matters", "what_was_tried", "what_would_help", "network"):
        section = getattr(note.sections, name)
        assert section.skipped and section.summary == [] and section.answers == []
    assert load_texts()["labels"]["skipped"] in note.render_text()


def test_additions_are_kept_and_labelled(notes: dict[str, Note]) -> None:
    note = notes["aanvullingen"]
    assert len(note.sections.additions.answers) == 2
    assert note.sections.additions.summary
    assert {"Sociaal netwerk", "Verslaving"} <= {t.label for t in note.sections.themes}


def test_safety_signals_and_resources_shown(notes: dict[str, Note]) -> None:
    note = notes["huiselijk_geweld"]
    assert note.urgent and note.signals.safety == ["violence"]
    assert [r.key for r in note.signals.resources_shown] == ["veilig_thuis", "emergency"]
    assert note.signals.resources_shown[0].phone == "0800-2000"
    text = note.render_text()
    assert "Veilig Thuis (0800-2000)" in text and "onveiligheid of geweld thuis" in text
    assert note.signals.urgency_detail.answers == ["Hij is nu niet thuis. Vanavond komt hij terug."]


def test_json_contract(notes: dict[str, Note]) -> None:
    data = json.loads(notes["schulden_lang"].to_json())
    assert set(data) == {"id", "reference", "created_at", "status", "urgent", "resident_confirmed",
                         "told_for", "anonymous", "signals", "sections", "contact", "retention_until", "privacy"}
    assert set(data["sections"]) == {*TEXT_SECTIONS, "themes"}
    assert all(set(theme) == {"label", "quote"} for theme in data["sections"]["themes"])
    assert data["status"] == "wachtrij"
    assert Note.from_dict(data) == notes["schulden_lang"]


def test_html_is_escaped_and_printable(notes: dict[str, Note]) -> None:
    page = notes["html_en_weetniet"].render_html()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<html lang="nl">' in page and "@media print" in page
    assert '<blockquote class="quote">ik weet het niet</blockquote>' in page


def test_empty_answers_give_an_empty_but_valid_note() -> None:
    note = summarise(IntakeAnswers())
    assert note.sections.themes == [] and note.sections.situation.summary == []
    assert "Hierover staat niets in het gesprek." in note.render_text()
    note.render_html()


def test_from_slots_is_forgiving() -> None:
    answers = IntakeAnswers.from_slots({
        "situation": "  Ik heb schulden.  ", "what_matters": SKIPPED, "network": None,
        "urgent": None, "consent": "true", "safety_signals": "suicide", "additions": None,
        "client_support": "nee", "unknown_slot": 1, "read_back_confirmed": True,
    })
    assert answers.text("situation") == "Ik heb schulden."
    assert answers.skipped("what_matters") and answers.text("what_matters") is None
    assert answers.urgent is False and answers.consent is True and answers.client_support is False
    assert answers.safety_signals == ["suicide"] and answers.additions == []
    assert IntakeAnswers.from_slots({"consent": None}).consent is None


def test_retention_follows_the_setting() -> None:
    note = summarise(IntakeAnswers(situation="Ik heb schulden."), retention_days=30)
    assert (note.retention_until - note.created_at).days == 30
    assert note.retention_until.strftime("%d-%m-%Y") in note.render_text()


@pytest.mark.parametrize(("load", "heavy"), [("ja", True), ("Nee hoor.", False), ("soms, mijn zus is op", None)])
def test_a_bare_yes_or_no_about_the_load_is_a_fact_not_a_quote(load: str, heavy: bool | None) -> None:
    # Seen in the browser: the read-back said "Mijn dochter en de buurvrouw – ja".
    network = "Mijn dochter en de buurvrouw van hiernaast"
    note = summarise(IntakeAnswers(situation="Ik kan het huishouden niet meer aan.", network=network,
                                   network_load=load))
    assert note.sections.network.heavy is heavy
    expected = [network] if heavy is not None else [network, load]
    assert note.sections.network.answers == expected
    assert "ja" not in " ".join(note.sections.network.summary).lower().split() or heavy is None


def test_the_load_answer_is_shown_with_its_question() -> None:
    from bot.notes.render import render_html, render_text

    note = summarise(IntakeAnswers(situation="Ik red het niet meer.", network="Mijn zoon", network_load="ja"))
    line = load_texts()["labels"]["network_heavy_yes"]
    assert line in render_text(note) and html.escape(line) in render_html(note)
