"""The text store on a real (SQLite) database: publish with the check, history, rollback, conflicts,
word lists, and the live snapshot the running processes read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.db import init_db
from bot.texts import live, store
from bot.texts.catalog import load_catalog

QUESTION = "utter_ask_what_was_tried"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = init_db(f"sqlite:///{tmp_path / 'naast.db'}")
    yield engine
    engine.dispose()


def variations_of(name: str) -> list[dict]:
    return [dict(v) for v in load_catalog()[name].variations]


def test_every_shipped_text_is_in_the_catalogue_with_where_it_is_used() -> None:
    catalog = load_catalog()
    assert catalog[QUESTION].usage == "Vraag 3: wat al is geprobeerd"
    assert catalog["utter_help_network"].group.endswith("Zijpad: ik weet het niet")
    assert catalog["widget.nl.send"].variations[0]["text"] == "Verstuur"
    assert catalog["note.headings.situation"].audience == "professional"
    assert catalog["web.chat.empty"].group.endswith("Chatpagina en samenvatting")
    assert all(text.group != "Overige teksten" for text in catalog.texts.values())


def test_the_shipped_texts_pass_the_check() -> None:
    """The same code path as `naast check-texts --shipped` (bot/texts/cli.py)."""
    from bot.texts.cli import run_check

    reports = run_check(None, shipped=True)
    failures = {name: [f.message for f in r.blocking] for name, r in reports.items() if not r.ok}
    assert failures == {}
    assert len(reports) == len(load_catalog().texts)


def test_publish_is_current_and_raises_the_version(engine: Engine) -> None:
    before = store.version(engine)
    edited = variations_of(QUESTION)
    edited[1]["text"] = "Wat heeft u al gedaan? Vertel het rustig."
    view, report = store.publish(engine, QUESTION, edited, actor="eva", via="web")
    assert report.ok and view.edited
    assert store.current(engine, QUESTION).variations[1]["text"] == "Wat heeft u al gedaan? Vertel het rustig."
    assert store.current(engine, QUESTION).variations[0]["condition"] == edited[0]["condition"]
    assert store.version(engine) == before + 1
    assert store.published(engine)[QUESTION] == view.variations


def test_a_decision_word_is_refused_and_nothing_changes(engine: Engine) -> None:
    with pytest.raises(store.Refused) as refused:
        store.publish(engine, "utter_what_next", [{"text": "Goed nieuws: u komt in aanmerking voor hulp."}],
                      actor="eva", via="web")
    assert [f.code for f in refused.value.report.blocking] == ["decision_word"]
    assert not store.current(engine, "utter_what_next").edited
    assert store.history(engine, "utter_what_next") == []


def test_a_crisis_text_keeps_its_number(engine: Engine) -> None:
    with pytest.raises(store.Refused) as refused:
        store.publish(engine, "utter_safety_violence", [{"text": "Bel Veilig Thuis. Dat is gratis."}],
                      actor="eva", via="web")
    assert refused.value.report.blocking[0].words == ("0800-2000",)


def test_history_and_rollback_to_any_version(engine: Engine) -> None:
    shipped = variations_of("utter_continue_here")
    first, _ = store.publish(engine, "utter_continue_here", [{"text": "Goed. We gaan hier verder."}],
                             actor="eva", via="web")
    store.publish(engine, "utter_continue_here", [{"text": "Prima. We gaan hier verder."}], actor="piet", via="api")
    history = store.history(engine, "utter_continue_here")
    assert [(r.actor, r.via, r.after[0]["text"]) for r in history] == [
        ("piet", "api", "Prima. We gaan hier verder."), ("eva", "web", "Goed. We gaan hier verder.")]
    assert history[0].before[0]["text"] == "Goed. We gaan hier verder."
    assert history[1].before == shipped

    store.rollback(engine, "utter_continue_here", first.revision_id, actor="eva", via="web")
    assert store.current(engine, "utter_continue_here").variations[0]["text"] == "Goed. We gaan hier verder."
    store.rollback(engine, "utter_continue_here", 0, actor="eva", via="web")
    assert store.current(engine, "utter_continue_here").variations == shipped
    assert [r.action for r in store.history(engine, "utter_continue_here")] == [
        "rollback", "rollback", "publish", "publish"]


def test_two_editors_do_not_overwrite_each_other(engine: Engine) -> None:
    opened = store.current(engine, "utter_continue_here").revision_id
    store.publish(engine, "utter_continue_here", [{"text": "Goed. We gaan hier verder."}], actor="eva", via="web",
                  expected_revision=opened)
    with pytest.raises(store.Conflict):
        store.publish(engine, "utter_continue_here", [{"text": "Prima."}], actor="piet", via="web",
                      expected_revision=opened)


@pytest.mark.parametrize("raw", [[], "tekst", [{"tekst": "x"}], [{"text": 3}],
                                 [{"text": "Hoi", "buttons": [{"title": "Ja"}]}],
                                 [{"text": "Hoi", "condition": [{"type": "slot", "name": "consent", "value": True}]}],
                                 [{"text": "x" * 1001}]])
def test_wrong_shapes_get_a_dutch_message(engine: Engine, raw: object) -> None:
    with pytest.raises(store.TextError) as error:
        store.publish(engine, "utter_continue_here", raw, actor="eva", via="api")
    assert not isinstance(error.value, store.Refused) and str(error.value)


def test_a_string_has_one_variation_without_buttons(engine: Engine) -> None:
    with pytest.raises(store.TextError):
        store.publish(engine, "widget.nl.send", [{"text": "Stuur"}, {"text": "Verstuur"}], actor="eva", via="web")
    store.publish(engine, "widget.nl.send", [{"text": "Stuur"}], actor="eva", via="web")
    assert live.LiveTexts(str(engine.url), engine, interval=0).snapshot().texts["widget.nl.send"] == [
        {"text": "Stuur"}]


def test_an_added_official_word_becomes_advice(engine: Engine) -> None:
    store.add_word(engine, "official", "Voorziening", actor="eva")
    with pytest.raises(store.TextError):
        store.add_word(engine, "official", "voorziening", actor="eva")
    _, report = store.check_variations(engine, "utter_continue_here", [{"text": "Dit is een voorziening."}])
    assert report.ok and any(f.code == "official_word" and f.words == ("voorziening",) for f in report.findings)


def test_an_added_decision_word_blocks(engine: Engine) -> None:
    store.add_word(engine, "decision", "gaat zeker lukken", actor="eva")
    _, report = store.check_variations(engine, "utter_continue_here", [{"text": "Het gaat zeker lukken."}])
    assert not report.ok


def test_the_live_snapshot_follows_the_version(engine: Engine) -> None:
    reader = live.LiveTexts(str(engine.url), engine, interval=0)
    first = reader.snapshot()
    assert first is not None and first.texts == {}
    assert reader.snapshot() is first  # unchanged version: nothing reloaded
    store.publish(engine, "utter_continue_here", [{"text": "Goed. We gaan hier verder."}], actor="eva", via="web")
    assert reader.snapshot().texts["utter_continue_here"][0]["text"] == "Goed. We gaan hier verder."


def test_no_database_file_means_shipped_texts_and_no_file_is_made(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    assert live.LiveTexts(f"sqlite:///{path}").snapshot() is None
    assert not path.exists()
