"""Whole conversations in the widget, in a real Chromium, with the real Rasa and action servers.

The resident uses only the keyboard. The conversation survives a reload and a move to another page
of the site, the widget falls back to REST where socket.io cannot connect, "wis dit gesprek" deletes
the conversation on the server and starts afresh, and a lost connection gives a calm message, keeps
what was typed and recovers. The test that stops Rasa runs last in this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from selenium.webdriver import Chrome
from selenium.webdriver.common.keys import Keys

from bot.db import make_engine
from bot.privacy.conversations import count_rows
from bot.processes import Servers
from tests.browser.axe import format_violations, run_axe
from tests.browser.chat_widget import ChatWidget
from tests.browser.conftest import DESKTOP, NARROW, set_viewport

Shot = Callable[[Chrome, str], Path]

STORY = "Sinds mijn heupoperatie kan ik het huishouden niet meer doen en ik kom de deur bijna niet meer uit"
EFFECT = "Dan kan ik weer zelf naar de markt en naar mijn kleindochter"
TRIED = "Mijn dochter doet nu de boodschappen maar zij werkt ook en heeft weinig tijd"
HELP = "Iemand die een keer per week komt helpen met schoonmaken"
NETWORK = "Mijn dochter en de buurvrouw van hiernaast"
OPENING = ["utter_opening", "utter_opening_how", "utter_opening_privacy", "utter_ask_situation"]


def demo(servers: Servers, path: str = "/demo", query: str = "") -> str:
    # The page on "localhost", the widget and Rasa on "127.0.0.1": a cross-origin embed, as on a real site.
    return servers.web_url.replace("127.0.0.1", "localhost") + path + (f"?{query}" if query else "")


def open_by_keyboard(widget: ChatWidget) -> None:
    widget.tab_to(".naast-launcher")
    widget.keys(Keys.ENTER)
    widget.wait(widget.is_open, 5)
    assert widget.focus("textarea")["matches"]


def assert_accessible(driver: Chrome, screenshot: Shot, name: str) -> None:
    for size, label in [(DESKTOP, "desktop"), (NARROW, "320px")]:
        set_viewport(driver, *size)
        violations = run_axe(driver)
        assert not violations, f"{name} at {label}:\n{format_violations(violations)}"
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(driver, f"{name}-{label}")
    set_viewport(driver, *DESKTOP)


def test_keyboard_conversation_to_the_read_back_survives_reload_and_navigation(
    driver: Chrome, servers: Servers, screenshot: Shot
) -> None:
    driver.get(demo(servers))
    widget = ChatWidget(driver).wait_mounted()
    open_by_keyboard(widget)

    # Opening the widget starts the conversation: Naast introduces itself and asks the first question.
    names = widget.wait_for_bot("utter_ask_situation")
    assert names[: len(OPENING)] == OPENING, names
    first = widget.messages()[-1]
    assert first["buttons"] == ["Ik weet het niet", "Ik wil een mens spreken"]  # real buttons
    widget.settle()
    assert widget.text_of(".naast-typing") == ""
    session = widget.storage("session")
    assert_accessible(driver, screenshot, "widget-open-conversation")

    widget.answer(STORY, "utter_ask_what_matters")
    assert not widget.messages()[-3]["buttons"]  # earlier answer buttons are gone once answered
    widget.answer("Een scootmobiel", "utter_ask_what_matters_effect")

    # Reload mid-conversation: the same conversation is back; go on where we were.
    driver.refresh()
    widget.wait_mounted()
    assert widget.wait_open() and widget.storage("session") == session
    assert STORY in [m["text"] for m in widget.messages()]
    widget.tab_to("textarea")
    widget.answer(EFFECT, "utter_ask_what_was_tried")
    widget.answer(TRIED, "utter_ask_what_would_help")

    # Another page of the same site: the conversation comes along.
    driver.get(demo(servers, "/demo/contact"))
    widget.wait_mounted()
    assert widget.wait_open() and widget.storage("session") == session
    widget.tab_to("textarea")
    widget.answer(HELP, "utter_ask_network")
    widget.answer(NETWORK, "utter_ask_network_load")
    widget.answer("ja", "utter_ask_urgent")
    widget.answer("nee", "utter_ask_read_back_ok")

    texts = widget.bot_texts()
    assert any(STORY in t and HELP in t and "\n" in t for t in texts), texts[-3:]  # line breaks kept
    assert widget.messages()[-1]["buttons"] == ["Ja, dit klopt", "Nee, ik wil iets veranderen", "Ik wil iets toevoegen"]
    widget.settle()
    assert_accessible(driver, screenshot, "widget-read-back")

    # Rasa holds the same conversation: the answers are in the tracker of this session id.
    from tests.conversation import Conversation

    slots = Conversation(servers.rasa_url, session).tracker(servers.settings.rasa_token)["slots"]
    assert slots["situation"] == STORY and slots["network"] == NETWORK

    # Privacy on the page: no cookies, nothing from a third party.
    assert driver.get_cookies() == []
    hosts = {urlsplit(u).hostname for u in driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)")}
    assert hosts <= {"localhost", "127.0.0.1"}, hosts


def test_a_button_is_answered_with_the_keyboard(driver: Chrome, servers: Servers) -> None:
    driver.get(demo(servers))
    widget = ChatWidget(driver).wait_mounted()
    open_by_keyboard(widget)
    widget.wait_for_bot("utter_ask_situation")
    widget.settle()
    before = len(widget.bot_texts())
    widget.tab_to(".naast-choices button:last-child", backwards=True)  # "Ik wil een mens spreken"
    widget.keys(Keys.ENTER)
    widget.wait_for_bot("utter_human_contact", after=before)
    assert [m["text"] for m in widget.messages() if m["who"] == "user"] == ["Ik wil een mens spreken"]
    assert widget.focus("textarea")["matches"]  # focus goes back to the message box
    phone_links = widget.driver.execute_script(
        "return [...document.querySelector('#naast-widget').shadowRoot.querySelectorAll('.naast-log a')]"
        ".map((a) => a.getAttribute('href'))"
    )
    assert "tel:14020" in phone_links  # phone numbers in the bot's words are links


def test_rest_fallback_where_socketio_cannot_connect(driver: Chrome, servers: Servers, screenshot: Shot) -> None:
    # Rasa's socket.io at an address the page's CSP does not allow: as if websockets were blocked.
    driver.get(demo(servers, query="rasa-url=http://127.0.0.1:9"))
    widget = ChatWidget(driver).wait_mounted()
    open_by_keyboard(widget)
    widget.wait_for_bot("utter_ask_situation")
    widget.answer(STORY, "utter_ask_what_matters")
    assert "verbinding" not in widget.text_of(".naast-status")
    screenshot(driver, "widget-rest-fallback")


def test_wis_dit_gesprek_ends_the_session_and_clears_the_window(
    driver: Chrome, servers: Servers, screenshot: Shot
) -> None:
    driver.get(demo(servers))
    widget = ChatWidget(driver).wait_mounted()
    open_by_keyboard(widget)
    widget.wait_for_bot("utter_ask_situation")
    widget.answer(STORY, "utter_ask_what_matters")
    old = widget.storage("session")
    # The id came from the web app with its wipe token; the conversation is in Rasa's tracker store.
    assert widget.storage("wipeToken")
    tracker_db = make_engine(servers.settings.tracker_db_url)
    assert count_rows(tracker_db, old) > 0

    widget.tab_to(".naast-clear")
    widget.keys(Keys.ENTER)
    assert widget.focus(".naast-confirm-no")["matches"]  # the safe choice first
    screenshot(driver, "widget-clear-confirm")
    widget.tab_to(".naast-confirm-yes", backwards=True)  # Shift+Tab: "Ja, wis het gesprek"
    widget.keys(Keys.ENTER)

    # One wait for both: on a loaded machine the new session's opening may follow quickly.
    widget.wait(lambda: STORY not in [m["text"] for m in widget.messages()]
                and "Het gesprek is gewist" in widget.text_of(".naast-status"), 10, "window not cleared")
    assert "ook bij de gemeente" in widget.text_of(".naast-status")  # ... and the window says so
    assert count_rows(tracker_db, old) == 0  # deleted on the server, not only in the browser
    assert widget.storage("session") not in (None, old) and widget.storage("wipeToken")
    assert widget.focus("textarea")["matches"]
    names = widget.wait_for_bot("utter_ask_situation")  # a fresh start
    assert names[0] == "utter_opening"
    assert not [m for m in widget.messages() if m["who"] == "user"]


def test_lost_connection_shows_a_calm_message_keeps_the_message_and_recovers(
    driver: Chrome, servers: Servers, screenshot: Shot
) -> None:
    driver.get(demo(servers))
    widget = ChatWidget(driver).wait_mounted()
    open_by_keyboard(widget)
    widget.wait_for_bot("utter_ask_situation")
    widget.settle()

    servers.stop("rasa")
    try:
        widget.wait(lambda: "verbinding is even weg" in widget.text_of(".naast-status"), 30)
        status = widget.text_of(".naast-status")
        assert "Bel 14 020" in status
        before = widget.say(STORY)  # typed while the line is down: kept, shown as not sent yet
        [mine] = [m for m in widget.messages() if m["who"] == "user"]
        assert mine["pending"] and "Nog niet verstuurd" in mine["note"]
        assert [i["message"] for i in widget.storage("outbox")] == [STORY]
        violations = run_axe(driver)
        assert not violations, format_violations(violations)
        screenshot(driver, "widget-connection-lost")
    finally:
        servers.restart("rasa")

    widget.wait_for_bot("utter_ask_what_matters", after=before, timeout=120)
    assert "De verbinding is er weer." in widget.text_of(".naast-status")
    [mine] = [m for m in widget.messages() if m["who"] == "user"]
    assert not mine["pending"]
    assert widget.storage("outbox") == []
    screenshot(driver, "widget-connection-back")
