"""From the chat to the note and the inbox, with the real Rasa, action server, web app and worker."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import requests
from sqlalchemy import text

from bot.config import ROOT
from bot.db import make_engine
from bot.notes.model import Note
from bot.notes.store import NoteStore
from bot.processes import Servers
from tests.conversation import Conversation, wait_for

STORY = "Ik heb veel schulden en de brieven stapelen zich op. Ik durf de post niet meer open te maken."
MATTERS = "Dat ik weer rustig kan slapen"
TRIED = "Ik heb een keer de bank gebeld maar daar kwam niets uit"
HELP_OLD = "Iemand die met mij de post doorneemt"
HELP_NEW = "Een vaste persoon die elke week met mij de brieven opent en uitlegt"
NETWORK = "Mijn zus woont dichtbij maar heeft het zelf ook druk"
PASSWORD = "een-lang-wachtwoord-voor-de-test"


def _intake(servers: Servers, matters: str = MATTERS) -> Conversation:
    """A conversation up to the read-back (the intake itself is tested in test_rest_conversation)."""
    c = Conversation(servers.rasa_url, f"e2e-note-{uuid.uuid4().hex[:12]}")
    c.say("Hallo")
    for answer in (STORY, matters, TRIED, HELP_OLD, NETWORK):
        c.say(answer)
    c.say("ja")  # how heavy it is for the people around them
    assert c.say("nee") == ["utter_read_back", "utter_ask_read_back_ok"]  # not urgent
    return c


def _store(servers: Servers) -> NoteStore:
    return NoteStore(make_engine(servers.settings.database_url))


def test_corrected_note_is_stored_with_the_reference_the_resident_sees(servers: Servers) -> None:
    c = _intake(servers)
    names = c.say("nee, bij wat zou helpen wil ik iets anders zeggen")
    assert names == ["utter_ask_correction_text"]  # the section was understood; the new text is asked
    assert c.say(HELP_NEW)[-2:] == ["utter_read_back", "utter_ask_read_back_ok"]
    assert HELP_NEW in c.texts[-2] and HELP_OLD not in c.texts[-2]  # the read-back shows the correction
    assert c.say("ja, dat klopt") == ["utter_ask_consent"]
    assert c.say("ja") == ["utter_ask_contact_channel"]
    assert c.say("bellen") == ["utter_ask_contact_phone"]
    assert c.say("0612") == ["utter_invalid_phone", "utter_ask_contact_phone"]
    assert c.say("06 12345678") == ["utter_ask_contact_name"]
    assert c.say("Fatima") == ["utter_ask_contact_time"]
    assert c.say("na drie uur") == ["utter_ask_access_needs"]
    assert c.say("nee") == ["utter_ask_client_support"]
    names = c.say("ja")
    assert names[:2] == ["utter_note_sent", "utter_what_next"]
    reference = re.search(r"NST-[0-9A-Z]{4}", c.texts[0]).group(0)

    note = _store(servers).get_by_reference(reference)
    assert note is not None and note.resident_confirmed and not note.anonymous
    assert note.sections.what_would_help.answers == [HELP_NEW]
    assert note.sections.network.answers[0] == NETWORK and "".join(note.sections.situation.answers) == STORY
    assert note.contact.phone and note.contact.phone.replace(" ", "").endswith("12345678")
    assert note.contact.name == "Fatima"
    # The worker delivers it to the inbox (the professionals' list shows delivered notes).
    wait_for(lambda: _store(servers).get(note.id).status != "pending")


def test_no_consent_leaves_nothing_but_the_summary_to_keep(servers: Servers) -> None:
    before = _store(servers).count()
    matters = f"Dat ik weer kan sporten met mijn neef {uuid.uuid4().hex[:6]}"  # unique in the shared database
    c = _intake(servers, matters)
    c.say("ja")
    assert c.say("nee") == ["utter_not_sent", "utter_summary_to_keep", "utter_close"]
    link = re.search(r"https?://\S+/samenvatting/\S+", c.texts[1]).group(0).rstrip(".")
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and matters in page.text
    assert _store(servers).count() == before  # no note row, no outbox row
    with make_engine(servers.settings.database_url).connect() as db:
        found = db.execute(text("SELECT count(*) FROM notes WHERE body LIKE :t"), {"t": f"%{matters}%"}).scalar()
    assert found == 0


def _anonymous_note(servers: Servers) -> Note:
    """A whole conversation that ends with an anonymous note; the note as stored."""
    c = _intake(servers)
    c.say("ja")
    c.say("ja")
    c.say("anoniem")
    reference = re.search(r"NST-[0-9A-Z]{4}", " ".join(c.texts)).group(0)
    return _store(servers).get_by_reference(reference)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _logged_in(servers: Servers, name: str, *options: str) -> tuple[requests.Session, requests.Response]:
    """An account made with the admin CLI on the same database, as after `make run`, logged in to the inbox."""
    add = subprocess.run(
        [sys.executable, "-m", "bot.cli", "user", "add", name, *options, "--password-stdin"],
        input=PASSWORD, text=True, capture_output=True, env=servers.env, cwd=ROOT, timeout=60,
    )
    assert add.returncode == 0, add.stderr
    web = requests.Session()
    login = web.get(f"{servers.web_url}/inbox/inloggen", timeout=10)
    landed = web.post(f"{servers.web_url}/inbox/inloggen", timeout=10,
                      data={"csrf_token": _csrf(login.text), "naam": name, "wachtwoord": PASSWORD,
                            "volgende": "/inbox/"})
    return web, landed


def test_professional_sees_the_chat_note_in_the_inbox_and_picks_it_up(servers: Servers) -> None:
    note = _anonymous_note(servers)
    assert note is not None and note.anonymous

    web, listed = _logged_in(servers, "piet", "--role", "professional", "--team", "schuldhulp", "--team", "wijkteam")
    assert listed.status_code == 200

    def in_the_list() -> bool:
        return f"/inbox/notities/{note.id}" in web.get(f"{servers.web_url}/inbox/", timeout=10).text

    wait_for(in_the_list)
    page = web.get(f"{servers.web_url}/inbox/notities/{note.id}", timeout=10)
    assert page.status_code == 200 and STORY.split(".")[0] in page.text
    picked = web.post(f"{servers.web_url}/inbox/notities/{note.id}/oppakken", data={"csrf_token": _csrf(page.text)},
                      timeout=10)
    assert picked.status_code == 200 and "opgepakt" in picked.text.lower()

    done = web.post(f"{servers.web_url}/inbox/notities/{note.id}/afronden", timeout=10,
                    data={"csrf_token": _csrf(picked.text), "opmerking": "Gebeld, afspraak gemaakt"})
    assert done.status_code == 200 and "afgerond" in done.text.lower()
    assert _store(servers).get(note.id).status == "afgerond"


def test_an_editor_cannot_open_the_note_a_resident_made(servers: Servers) -> None:
    note = _anonymous_note(servers)
    web, _ = _logged_in(servers, "redactie", "--role", "editor")
    page = web.get(f"{servers.web_url}/inbox/notities/{note.id}", timeout=10)
    assert page.status_code == 403 and "redacteur" in page.text
    assert STORY.split(".")[0] not in page.text
