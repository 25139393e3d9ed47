"""The widget in a real Chromium against the web app alone (Rasa is unreachable here).

Accessibility in closed and open state at desktop size and at 320 px, keyboard open/close, the
length limit, and what the resident sees when Naast cannot be reached. The demo page is opened on
"localhost" while the widget comes from "127.0.0.1": a real cross-origin embed under a strict CSP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.keys import Keys

from tests.browser.axe import format_violations, run_axe
from tests.browser.chat_widget import ChatWidget
from tests.browser.conftest import DESKTOP, NARROW, AppThread, set_viewport

Shot = Callable[[Chrome, str], Path]


def demo_url(app: AppThread, path: str = "/demo", query: str = "") -> str:
    # "localhost" is another origin than the widget's "127.0.0.1": the embed is cross-origin.
    return app.url.replace("127.0.0.1", "localhost") + path + (f"?{query}" if query else "")


def no_horizontal_scroll(driver: Chrome) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "desktop"), (NARROW, "320px")])
def test_closed_and_open_widget_have_no_wcag_violations(
    driver: Chrome, web_app: AppThread, screenshot: Shot, size: tuple[int, int], label: str
) -> None:
    set_viewport(driver, *size)
    driver.get(demo_url(web_app))
    widget = ChatWidget(driver).wait_mounted()
    assert driver.find_element("css selector", "html").get_attribute("lang") == "nl"

    launcher = widget.find(".naast-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert not widget.is_open()
    violations = run_axe(driver)
    assert not violations, format_violations(violations)
    assert no_horizontal_scroll(driver)
    screenshot(driver, f"widget-closed-{label}")

    # Open with the keyboard: Tab to the opening button, Enter; focus lands in the message box.
    widget.tab_to(".naast-launcher")
    widget.keys(Keys.ENTER)
    widget.wait(widget.is_open, 5)
    assert widget.focus("textarea")["matches"]
    panel = widget.find(".naast-panel")
    assert panel.get_attribute("role") == "dialog"
    assert widget.text_of("#naast-title") == "Digitale hulp van Gemeente Voorbeeld"
    assert widget.find(".naast-log").get_attribute("role") == "log"
    # Rasa is down here: the calm message with the phone number appears.
    widget.wait(lambda: "verbinding is even weg" in widget.text_of(".naast-status"), 30)
    assert widget.find(".naast-status a").get_attribute("href") == "tel:14020"
    violations = run_axe(driver)
    assert not violations, format_violations(violations)
    assert no_horizontal_scroll(driver)
    screenshot(driver, f"widget-open-offline-{label}")

    # Escape closes and gives focus back to the opening button (no focus trap, nothing lost).
    widget.keys(Keys.ESCAPE)
    widget.wait(lambda: not widget.is_open(), 5)
    assert widget.focus(".naast-launcher")["matches"]


def test_too_long_message_is_refused_in_the_widget(driver: Chrome, web_app: AppThread, screenshot: Shot) -> None:
    driver.get(demo_url(web_app, query="max-chars=120"))
    widget = ChatWidget(driver).wait_mounted()
    widget.tab_to(".naast-launcher")
    widget.keys(Keys.ENTER)
    widget.wait(widget.is_open, 5)
    text = "Ik heb hulp nodig in huis want ik kan niet meer goed lopen. " * 3  # 183 characters
    widget.keys(text.strip())
    assert "Nog 0 tekens over." in widget.text_of(".naast-hint")
    widget.keys(Keys.ENTER)
    error = widget.text_of(".naast-error")
    assert "Uw bericht is te lang. Het mag 120 tekens zijn." in error
    box = widget.find("textarea")
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("value") == text.strip()  # nothing the resident typed is thrown away
    assert not [m for m in widget.messages() if m["who"] == "user"]
    assert widget.storage("outbox") in (None, [{"id": widget.storage("outbox")[0]["id"], "message": "/greet"}])
    violations = run_axe(driver)
    assert not violations, format_violations(violations)
    screenshot(driver, "widget-too-long")


def test_message_typed_while_offline_is_kept_and_survives_a_reload(driver: Chrome, web_app: AppThread) -> None:
    driver.get(demo_url(web_app))
    widget = ChatWidget(driver).wait_mounted()
    widget.tab_to(".naast-launcher")
    widget.keys(Keys.ENTER)
    widget.say("Ik kan het huishouden niet meer doen")
    [mine] = [m for m in widget.messages() if m["who"] == "user"]
    assert mine["pending"] and "Nog niet verstuurd" in mine["note"]
    assert [i["message"] for i in widget.storage("outbox")] == ["/greet", "Ik kan het huishouden niet meer doen"]

    driver.refresh()
    widget.wait_mounted()
    assert widget.wait_open()  # the window stays open across pages of the site
    [mine] = [m for m in widget.messages() if m["who"] == "user"]
    assert mine["text"] == "Ik kan het huishouden niet meer doen" and mine["pending"]
    assert len(widget.storage("outbox")) == 2
    assert driver.get_cookies() == []  # sessionStorage only, no cookies


def test_reduced_motion_turns_off_animation(driver: Chrome, web_app: AppThread) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    )
    driver.get(demo_url(web_app))
    widget = ChatWidget(driver).wait_mounted()
    widget.find(".naast-launcher").click()
    widget.wait(widget.is_open, 5)
    animation = driver.execute_script(
        "return getComputedStyle(document.querySelector('#naast-widget').shadowRoot"
        ".querySelector('.naast-panel')).animationName"
    )
    assert animation == "none"


def test_full_page_chat_is_the_same_widget(driver: Chrome, web_app: AppThread, screenshot: Shot) -> None:
    driver.get(web_app.url + "/")
    widget = ChatWidget(driver, host="#naast-chat").wait_mounted()
    assert widget.is_open()
    assert widget.find(".naast-panel").get_attribute("role") == "region"
    assert not widget.driver.execute_script(
        "return document.querySelector('#naast-chat').shadowRoot.querySelector('.naast-launcher, .naast-close')"
    )
    widget.wait(lambda: "verbinding is even weg" in widget.text_of(".naast-status"), 30)
    for size, label in [(DESKTOP, "desktop"), (NARROW, "320px")]:
        set_viewport(driver, *size)
        violations = run_axe(driver)
        assert not violations, format_violations(violations)
        assert no_horizontal_scroll(driver)
        screenshot(driver, f"chat-page-offline-{label}")
