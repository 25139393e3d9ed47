"""Every Dutch word professionals and editors see on the inbox and editor pages is a text of the store.

Two guards: (1) no template of those pages has Dutch words outside a ``text(...)`` call (text between
tags, and the labels screen readers read); (2) on the real app, an editor's published change to one text
of each page shows on that page at once, HTML-escaped (a text is text, never markup)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import Engine

from bot.db import session_scope, utcnow
from bot.texts import live, store
from bot.texts.catalog import load_catalog
from bot.training.project import intents
from bot.training.tables import ModelVersionRow
from tests.inbox.conftest import login
from tests.inbox.factory import store_note

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "web" / "templates"
STAFF_TEMPLATES = sorted([*TEMPLATES.glob("staff/*.html"), *TEMPLATES.glob("inbox/*.html"),
                          *TEMPLATES.glob("editor/**/*.html")])
JINJA = re.compile(r"{#.*?#}|{{.*?}}|{%.*?%}", re.S)
LABEL_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|placeholder|alt|data-label)="([^"]*)"')
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
NOT_PROSE = {"PERSOON", "Naast"}  # the de-identification marker <code>[PERSOON-1]</code>; the product's name


def hard_coded_words(template: Path) -> list[str]:
    """The words a reader would see that do not come from a ``text(...)`` (or other ``{{ }}``) call."""
    source = JINJA.sub("", template.read_text(encoding="utf-8"))
    labels = " ".join(LABEL_ATTRIBUTE.findall(source))
    between_tags = re.sub(r"<[^>]*>", " ", source)
    return [w for w in WORD.findall(between_tags + " " + labels) if w not in NOT_PROSE]


def test_the_guard_finds_a_hard_coded_sentence(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('<h1>{{ text("inbox.list.heading") }}</h1><p aria-label="Zoeken">Er is niets.</p>')
    assert hard_coded_words(page) == ["Er", "is", "niets", "Zoeken"]


@pytest.mark.parametrize("template", STAFF_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_dutch_outside_the_text_store(template: Path) -> None:
    assert hard_coded_words(template) == []


def test_the_page_texts_say_where_they_are_used() -> None:
    catalog = load_catalog()
    assert catalog["inbox.note.actions_heading"].usage.startswith("De pagina van één notitie")
    assert catalog["editor.topic.add_intro"].usage.startswith("De pagina van één onderwerp")
    assert catalog["editor.version.switching"].audience == "professional"
    assert catalog["inbox.list.count_one"].variations[0]["text"] == "{count} notitie"
    # ``text(name, **values)`` in templates: a string's placeholder may not be called ``name``.
    assert [t.name for t in catalog.texts.values() if not t.is_response and "name" in t.placeholders] == []


def _version(engine: Engine) -> int:
    with session_scope(engine) as session:
        row = ModelVersionRow(created_at=utcnow() - dt.timedelta(minutes=5), created_by="beheer", status="failed",
                              stage="", progress=40, report=json.dumps({"reason": "Het trainen is niet gelukt."}))
        session.add(row)
        session.flush()
        return row.id


# One text per page: (who, the page, the text an editor changes, the new wording with its placeholders).
PAGES = [
    ("anna", "/inbox/", "inbox.list.mine", "Alleen wat ik zelf heb opgepakt"),
    ("anna", "/inbox/", "inbox.age.just_now", "zojuist binnen"),
    ("anna", "/inbox/", "inbox.list.count_one", "Eén notitie ({count})"),
    ("anna", "/inbox/notities/{note}", "inbox.note.actions_heading", "Wat gaat u doen?"),
    ("anna", "/inbox/notities/{note}", "inbox.status.nieuw", "Nog niet opgepakt"),
    ("anna", "/inbox/notities/{note}/afdrukken", "inbox.print.hint", "Vertrouwelijk. Gooi de afdruk weg."),
    ("beheer", "/inbox/logboek", "inbox.audit.intro", "Wie wat deed & wanneer."),
    ("eva", "/redactie/", "editor.pages.texts_count_many", "Er zijn {count} teksten"),
    ("eva", "/redactie/teksten/utter_continue_here", "editor.text_page.publish_hint", "Eerst het rood oplossen."),
    ("eva", "/redactie/hulplijnen", "editor.pages.resources_checked_on", "Voor het laatst bekeken op"),
    ("eva", "/redactie/begrip", "editor.topics.topics_intro", "Een onderwerp is iets wat inwoners vragen."),
    ("eva", "/redactie/begrip/onderwerp/{intent}", "editor.topic.add_intro", "Eén zin per regel, graag."),
    ("eva", "/redactie/begrip/paden", "editor.flows.intro", "Zo loopt een gesprek met Naast."),
    ("eva", "/redactie/begrip/niet-begrepen", "editor.messages.none", "Alles is begrepen."),
    ("eva", "/redactie/begrip/versies/{version}", "editor.version.previous_stays", "De oude versie blijft actief."),
]


@pytest.mark.parametrize(("who", "path", "name", "wording"), PAGES, ids=[f"{p[1]} {p[2]}" for p in PAGES])
async def test_a_published_change_shows_on_the_page(client: TestClient, engine: Engine, who: str, path: str,
                                                    name: str, wording: str) -> None:
    note = store_note(engine)
    path = path.format(note=note.id, intent=intents()[0], version=_version(engine))
    await login(client, who)
    expected = re.escape(wording.replace("&", "&amp;")).replace(re.escape("{count}"), r"\d+")
    before = await client.get(path)
    assert before.status == 200, path
    assert not re.search(expected, await before.text())

    store.publish(engine, name, [{"text": wording}], actor="eva", via="web")
    live.shared(engine).expire()  # the app's reader looks at the database again (else within 0.25 s)
    after = await client.get(path)
    html = await after.text()
    assert after.status == 200, path
    assert re.search(expected, html), (path, name)
    if "&" in wording:
        assert wording not in html  # escaped, never raw markup
