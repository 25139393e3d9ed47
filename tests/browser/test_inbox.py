"""The professionals' inbox in a real headless Chromium: log in, list, open, pick up, print, mark done,
keyboard use, reflow at 320 px, escaping, roles, and axe-core with zero WCAG 2.1 A/AA violations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.accounts import users
from bot.db import init_db
from bot.inbox.routing import load_routing
from bot.notes.model import Note
from bot.processes import free_port
from bot.web.app import create_app
from tests.browser.axe import format_violations, run_axe
from tests.browser.conftest import set_viewport
from tests.inbox.conftest import PASSWORD, make_settings
from tests.inbox.factory import store_note
from tests.inbox.live import LiveServer

EVIL = '<img src=x onerror="window.__xss=1">'


@dataclass
class Inbox:
    url: str
    urgent: Note
    plain: Note
    evil: Note


@pytest.fixture(scope="module")
def inbox_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    tmp: Path = tmp_path_factory.mktemp("inbox-browser")
    port = free_port()
    settings = make_settings(tmp, public_url=f"http://127.0.0.1:{port}")
    engine = init_db(settings.database_url)
    teams = set(load_routing(settings.routing_file).teams)
    users.add_user(engine, settings, "anna", "professional", PASSWORD, ("schuldhulp", "wijkteam"), teams)
    users.add_user(engine, settings, "eva", "editor", PASSWORD)
    users.add_user(engine, settings, "beheer", "admin", PASSWORD)
    plain = store_note(engine, labels=("finances", "social_network"))
    evil = store_note(engine, situation=f"Mijn buurman schreef {EVIL} op de deur.", labels=("housing",))
    urgent = store_note(engine, urgent=True, labels=("housing",), signals=("violence",), phone=None, anonymous=True)
    with LiveServer(create_app(settings, engine, background=False), port) as server:
        yield Inbox(server.url, urgent, plain, evil)
    engine.dispose()


def _wait(driver: WebDriver, condition, seconds: float = 10):
    return WebDriverWait(driver, seconds).until(condition)


def _login(driver: WebDriver, app: Inbox, name: str) -> None:
    driver.get(f"{app.url}/inbox/")
    _wait(driver, ec.url_contains("/inbox/inloggen"))
    driver.find_element(By.ID, "naam").send_keys(name)
    password = driver.find_element(By.ID, "wachtwoord")
    password.send_keys(PASSWORD)
    password.send_keys(Keys.ENTER)  # by keyboard
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "form.logout")))


def _assert_accessible(driver: WebDriver, page: str) -> None:
    violations = run_axe(driver)
    assert not violations, f"{page}:\n{format_violations(violations)}"


def _no_horizontal_scroll(driver: WebDriver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_professional_logs_in_opens_picks_up_prints_and_marks_done(driver: WebDriver, inbox_app: Inbox,
                                                                   screenshot) -> None:
    app = inbox_app
    driver.get(f"{app.url}/inbox/inloggen")
    _assert_accessible(driver, "log-in page")
    _login(driver, app, "anna")

    # The list: urgent first, then newest; status, age, labels, urgency, contact.
    assert driver.find_element(By.TAG_NAME, "h1").text == "Notities"
    rows = driver.find_elements(By.CSS_SELECTOR, "table.notes tbody tr")
    assert [row.find_element(By.CSS_SELECTOR, "th a").text for row in rows] == [
        app.urgent.reference, app.evil.reference, app.plain.reference]
    first = rows[0].text
    assert "Urgent" in first and "Nieuw" in first and "net binnen" in first and "anoniem" in first
    assert "Financiën" in rows[2].text and "Sociaal netwerk" in rows[2].text
    _assert_accessible(driver, "list")
    screenshot(driver, "inbox-list")

    # Keyboard: the skip link comes first and jumps to the content.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert driver.switch_to.active_element.text == "Naar de inhoud"

    # Open a note by keyboard.
    link = driver.find_element(By.LINK_TEXT, app.plain.reference)
    link.send_keys(Keys.ENTER)
    _wait(driver, ec.title_contains(app.plain.reference))
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "main h2")]
    assert headings.index("Urgentie en veiligheid") < headings.index("De vraag in eigen woorden")
    quotes = driver.find_elements(By.CSS_SELECTOR, "blockquote.quote")
    assert any("Ik loop achter met de huur" in quote.text for quote in quotes)
    _assert_accessible(driver, "note page")

    # Pick it up.
    driver.find_element(By.XPATH, "//button[normalize-space()='Oppakken']").click()
    _wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.message"), "opgepakt"))
    assert "Opgepakt" in driver.find_element(By.CSS_SELECTOR, "dl.note-facts").text
    _assert_accessible(driver, "note page, picked up")
    screenshot(driver, "inbox-note-picked-up")

    # Print view: the note without the site's chrome; the print stylesheet hides the controls.
    driver.find_element(By.LINK_TEXT, "Afdrukken").click()
    _wait(driver, ec.title_contains("Afdrukken"))
    button = driver.find_element(By.CSS_SELECTOR, "[data-print]")
    assert button.is_displayed()  # inbox.js shows it
    assert driver.find_elements(By.CSS_SELECTOR, ".site-header") == []
    _assert_accessible(driver, "print view")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element(By.CSS_SELECTOR, ".print-controls").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, "blockquote.quote").is_displayed()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    screenshot(driver, "inbox-print")

    # Mark it done with a short remark.
    driver.find_element(By.LINK_TEXT, "Terug naar de notitie").click()
    remark = _wait(driver, ec.presence_of_element_located((By.ID, "opmerking")))
    remark.send_keys("Gebeld, afspraak gemaakt voor dinsdag.")
    driver.find_element(By.XPATH, "//button[normalize-space()='Afronden']").click()
    _wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.message"), "afgerond"))
    assert "Gebeld, afspraak gemaakt voor dinsdag." in driver.find_element(By.ID, "acties").text
    _assert_accessible(driver, "note page, done")

    # The done note leaves the default list and shows under "Afgerond".
    driver.get(f"{app.url}/inbox/")
    assert app.plain.reference not in driver.find_element(By.TAG_NAME, "main").text
    driver.get(f"{app.url}/inbox/?status=afgerond")
    assert app.plain.reference in driver.find_element(By.TAG_NAME, "main").text


def test_reflow_at_320_px_and_escaping(driver: WebDriver, inbox_app: Inbox, screenshot) -> None:
    app = inbox_app
    _login(driver, app, "anna")
    set_viewport(driver, 320, 720)
    driver.get(f"{app.url}/inbox/?status=alle")
    assert _no_horizontal_scroll(driver), "the list needs horizontal scrolling at 320 px"
    _assert_accessible(driver, "list at 320 px")
    screenshot(driver, "inbox-list-320")
    driver.get(f"{app.url}/inbox/notities/{app.evil.id}")
    assert _no_horizontal_scroll(driver), "the note needs horizontal scrolling at 320 px"
    # The resident's markup is shown as text and never runs.
    assert EVIL in driver.find_element(By.ID, "deel-situation").text
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []
    assert driver.execute_script("return window.__xss === undefined")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when there is no alert


def test_editor_cannot_open_notes_and_admin_sees_the_log(driver: WebDriver, inbox_app: Inbox) -> None:
    app = inbox_app
    _login(driver, app, "eva")
    # An editor lands on the editors' pages (the texts), never on notes.
    assert driver.find_element(By.TAG_NAME, "h1").text == "Teksten van Naast"
    driver.get(f"{app.url}/inbox/notities/{app.plain.id}")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Geen toegang"
    assert "redacteur" in driver.find_element(By.TAG_NAME, "main").text
    assert "Ik loop achter" not in driver.page_source
    _assert_accessible(driver, "no access page")
    driver.find_element(By.XPATH, "//button[normalize-space()='Uitloggen']").click()
    _wait(driver, ec.url_contains("uitgelogd"))
    _login(driver, app, "beheer")
    _wait(driver, ec.title_contains("Logboek"))
    assert "notitie bekeken" in driver.find_element(By.TAG_NAME, "main").text
    _assert_accessible(driver, "audit log")
