"""The editors' pages in a real headless Chromium with the real servers (tests/conftest.py): an editor
changes a question's text and the resident's next chat message in the widget shows it without a
retrain; a text with "u komt in aanmerking" is refused (also while typing); a rollback restores the
shipped text; one log-in reaches the crisis lines and what Naast understands, and an old address
redirects; axe-core finds no WCAG 2.1 A/AA violations, at 1280 px and at 320 px. Screenshots for the
README's editors' section go to tests/artifacts/."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine

from bot.accounts import users
from bot.db import init_db
from bot.processes import Servers
from bot.texts import live, store
from tests.browser.axe import format_violations, run_axe
from tests.browser.chat_widget import ChatWidget
from tests.browser.conftest import DESKTOP, NARROW, make_driver, set_viewport

Shot = Callable[[Chrome, str], Path]
PASSWORD = "een lang wachtwoord voor de redactie"
QUESTION = "utter_ask_what_matters"
NEW_QUESTION = "Wat is voor u nu het allerbelangrijkste?"
STORY = "Sinds mijn heupoperatie kan ik het huishouden niet meer doen en ik kom de deur bijna niet meer uit"


@pytest.fixture(scope="module")
def naast_db(servers: Servers) -> Iterator[Engine]:
    engine = init_db(servers.settings.database_url)
    yield engine
    for name in store.published(engine):  # the other tests of the run meet the shipped texts
        store.rollback(engine, name, 0, actor="test", via="cli")
    time.sleep(live.CHECK_INTERVAL_S + 0.05)  # every process reads texts anew after this (bot/texts/live.py)
    engine.dispose()


@pytest.fixture(scope="module")
def editor(servers: Servers, naast_db: Engine) -> str:
    name = f"eva{uuid.uuid4().hex[:6]}"
    users.add_user(naast_db, servers.settings, name, "editor", PASSWORD)
    return name


@pytest.fixture
def editor_driver(tmp_path: Path) -> Iterator[Chrome]:
    browser = make_driver(tmp_path / "editor-profile")
    yield browser
    browser.quit()


def wait(driver: Chrome, condition, seconds: float = 15):
    return WebDriverWait(driver, seconds).until(condition)


def log_in(driver: Chrome, servers: Servers, name: str) -> None:
    driver.get(f"{servers.web_url}/inbox/inloggen")
    driver.find_element(By.ID, "naam").send_keys(name)
    password = driver.find_element(By.ID, "wachtwoord")
    password.send_keys(PASSWORD)
    password.send_keys(Keys.ENTER)
    wait(driver, ec.url_contains("/redactie/"))


def accessible(driver: Chrome, screenshot: Shot, name: str) -> None:
    for size, label in [(DESKTOP, "desktop"), (NARROW, "320px")]:
        set_viewport(driver, *size)
        violations = run_axe(driver)
        assert not violations, f"{name} at {label}:\n{format_violations(violations)}"
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), label
    set_viewport(driver, *DESKTOP)
    screenshot(driver, name)


def open_text(driver: Chrome, servers: Servers, usage: str) -> None:
    driver.get(f"{servers.web_url}/redactie/")
    driver.find_element(By.LINK_TEXT, usage).click()
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.text-form")))


def unconditioned_textareas(driver: Chrome) -> list:
    """The textareas of the variations every resident may get (not those for someone else)."""
    found = []
    for fieldset in driver.find_elements(By.CSS_SELECTOR, "fieldset.variation"):
        if "(" not in fieldset.find_element(By.TAG_NAME, "legend").text:
            found.append(fieldset.find_element(By.TAG_NAME, "textarea"))
    return found


def test_an_edit_is_in_the_next_chat_message_a_promise_is_refused_and_rollback_restores(
        driver: Chrome, editor_driver: Chrome, servers: Servers, naast_db: Engine, editor: str,
        screenshot: Shot) -> None:
    # The resident starts a conversation in the widget on the demo site.
    driver.get(servers.web_url.replace("127.0.0.1", "localhost") + "/demo")
    widget = ChatWidget(driver).wait_mounted()
    widget.find(".naast-launcher").click()
    widget.wait(widget.is_open, 10)
    widget.wait_for_bot("utter_ask_situation")
    widget.settle()

    # Meanwhile the editor logs in, finds the question among the texts grouped by where they are used.
    log_in(editor_driver, servers, editor)
    assert "2. Vragen van het gesprek" in editor_driver.find_element(By.TAG_NAME, "main").text
    accessible(editor_driver, screenshot, "editor-texts")
    open_text(editor_driver, servers, "Vraag 2: wat de bewoner belangrijk vindt")

    # A promise is refused: the check while typing says so, and publishing does not happen.
    first, second = unconditioned_textareas(editor_driver)
    first.clear()
    first.send_keys("Goed nieuws: u komt in aanmerking voor hulp. Wat vindt u belangrijk?")
    wait(editor_driver, ec.text_to_be_present_in_element((By.ID, "controle"), "moet anders"))
    assert "komt in aanmerking" in editor_driver.find_element(By.ID, "controle").text
    editor_driver.find_element(By.XPATH, "//button[normalize-space()='Publiceer']").click()
    error = wait(editor_driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".error-box[role=alert]")))
    assert "niet gepubliceerd" in error.text
    editor_driver.find_element(By.LINK_TEXT, "Naar het eerste punt").click()  # to the red finding
    accessible(editor_driver, screenshot, "editor-refused")
    assert not store.current(naast_db, QUESTION).edited

    # The real edit, with a preview first.
    first, second = unconditioned_textareas(editor_driver)
    for box in (first, second):
        box.clear()
        box.send_keys(NEW_QUESTION)
    old_form = editor_driver.find_element(By.CSS_SELECTOR, "form.text-form")
    editor_driver.find_element(By.XPATH, "//button[normalize-space()='Bekijk en controleer']").click()
    wait(editor_driver, ec.staleness_of(old_form))  # the refused page had a preview too
    wait(editor_driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "section.preview"), NEW_QUESTION))
    preview = editor_driver.find_element(By.CSS_SELECTOR, "section.preview")
    assert "Ik weet het niet" in preview.text
    accessible(editor_driver, screenshot, "editor-text")
    editor_driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", preview)
    screenshot(editor_driver, "editor-text-preview")
    editor_driver.find_element(By.XPATH, "//button[normalize-space()='Publiceer']").click()
    wait(editor_driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.message-ok"), "gepubliceerd"))
    assert editor in editor_driver.find_element(By.CSS_SELECTOR, "table.history").text
    time.sleep(live.CHECK_INTERVAL_S + 0.05)  # the contract: live everywhere within this (bot/texts/live.py)

    # The resident's next message: the new question, with its buttons, from the same trained model.
    widget.tab_to("textarea")
    before = widget.say(STORY)
    widget.wait(lambda: NEW_QUESTION in widget.bot_texts()[before:], message=f"bot said {widget.bot_texts()[-3:]}")
    asked = next(m for m in widget.messages() if m["who"] == "bot" and m["text"] == NEW_QUESTION)
    assert asked["buttons"] == ["Ik weet het niet", "Ik wil een mens spreken"]

    # Rollback: the shipped text is back.
    editor_driver.find_element(By.XPATH, "//button[normalize-space()='Zet de oorspronkelijke tekst terug']").click()
    wait(editor_driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.message-ok"), "teruggezet"))
    shipped = store.current(naast_db, QUESTION)
    assert shipped.variations == [dict(v) for v in shipped.base.variations]


def test_one_log_in_for_the_crisis_lines_and_what_naast_understands(
        editor_driver: Chrome, servers: Servers, editor: str, screenshot: Shot) -> None:
    log_in(editor_driver, servers, editor)
    editor_driver.find_element(By.LINK_TEXT, "Hulplijnen en gegevens").click()
    main = wait(editor_driver, ec.presence_of_element_located((By.CSS_SELECTOR, "section#veilig_thuis"))).text
    assert "Laatst nagekeken op" in main and "0800-2000" in editor_driver.find_element(
        By.ID, "veilig_thuis-phone").get_attribute("value")
    accessible(editor_driver, screenshot, "editor-resources")
    # The same session reaches what Naast understands, through the one menu; publishing is not offered.
    editor_driver.find_element(By.LINK_TEXT, "Wat Naast begrijpt").click()
    wait(editor_driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Wat Naast begrijpt"))
    assert editor_driver.current_url.endswith("/redactie/begrip")
    assert not editor_driver.find_elements(By.ID, "publiceren")
    assert not editor_driver.find_elements(By.LINK_TEXT, "Publiceren")
    accessible(editor_driver, screenshot, "editor-understanding")
    # An old bookmark of the former /editor area lands on the same page, still logged in.
    editor_driver.get(f"{servers.web_url}/editor/begrip/paden")
    wait(editor_driver, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Gesprekspaden"))
    assert "/redactie/begrip/paden" in editor_driver.current_url
