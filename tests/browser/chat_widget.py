"""Drive Naast's chat widget in a real browser (it lives in a shadow root, so plain find_element can't)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.conversation import response_name

BOT_WAIT = 90  # seconds: Rasa's first answers after start-up can be slow on a busy machine

_MESSAGES_JS = """
const host = document.querySelector(arguments[0]);
if (!host || !host.shadowRoot) return null;
return [...host.shadowRoot.querySelectorAll('.naast-log .naast-msg')].map((m) => {
  const p = m.querySelector('p').cloneNode(true);
  p.querySelectorAll('.naast-sr').forEach((s) => s.remove());
  return {
    who: m.classList.contains('naast-msg-bot') ? 'bot' : m.classList.contains('naast-msg-user') ? 'user' : 'system',
    text: p.textContent,
    pending: m.classList.contains('naast-pending'),
    refused: m.classList.contains('naast-refused'),
    note: (m.querySelector('.naast-note') || {}).textContent || '',
    buttons: [...m.querySelectorAll('.naast-choices button')].map((b) => b.textContent),
  };
});
"""

_FOCUS_JS = """
const host = document.querySelector(arguments[0]);
const a = document.activeElement;
if (host && a === host && host.shadowRoot.activeElement) {
  const e = host.shadowRoot.activeElement;
  return {inside: true, matches: arguments[1] ? e.matches(arguments[1]) : false, tag: e.tagName, cls: e.className,
          text: (e.textContent || '').slice(0, 40)};
}
return {inside: false, matches: false, tag: a ? a.tagName : null, cls: a ? a.className : null,
        text: a ? (a.textContent || '').slice(0, 40) : ''};
"""


class ChatWidget:
    def __init__(self, driver: WebDriver, host: str = "#naast-widget") -> None:
        self.driver = driver
        self.host = host

    # ---------- finding ----------

    def wait_mounted(self, timeout: float = 20) -> ChatWidget:
        WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script(
                "const h = document.querySelector(arguments[0]); return !!(h && h.shadowRoot &&"
                " h.shadowRoot.querySelector('.naast') && !h.shadowRoot.querySelector('.naast').hidden);",
                self.host,
            )
        )
        return self

    def find(self, css: str) -> WebElement:
        return self.driver.find_element("css selector", self.host).shadow_root.find_element("css selector", css)

    def is_open(self) -> bool:
        return self.find(".naast-panel").is_displayed()

    def wait_open(self, timeout: float = 10) -> bool:
        """True once the panel shows (a reload restores it after the widget's config has loaded)."""
        try:
            WebDriverWait(self.driver, timeout).until(lambda _: self.is_open())
        except TimeoutException:
            return False
        return True

    def messages(self) -> list[dict[str, Any]]:
        return self.driver.execute_script(_MESSAGES_JS, self.host) or []

    def bot_texts(self) -> list[str]:
        return [m["text"] for m in self.messages() if m["who"] == "bot"]

    def text_of(self, css: str) -> str:
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]).shadowRoot.querySelector(arguments[1]);"
            " return e ? e.textContent : '';",
            self.host,
            css,
        )

    def storage(self, key: str) -> Any:
        return self.driver.execute_script("return JSON.parse(sessionStorage.getItem('naast.' + arguments[0]))", key)

    def focus(self, css: str | None = None) -> dict[str, Any]:
        return self.driver.execute_script(_FOCUS_JS, self.host, css)

    # ---------- waiting ----------

    def wait(self, condition: Callable[[], Any], timeout: float = BOT_WAIT, message: str = "") -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.25).until(
            lambda _: condition(), message or "condition not met"
        )

    def wait_for_bot(self, name: str, after: int = 0, timeout: float = BOT_WAIT) -> list[str]:
        """Wait until a bot message (beyond the first `after` ones) is domain.yml's response `name`."""

        def seen() -> list[str] | None:
            texts = self.bot_texts()
            names = [response_name(t) for t in texts[after:]]
            return names if name in names else None

        try:
            return self.wait(seen, timeout)
        except Exception as error:
            raise AssertionError(
                f"no {name} after bot message {after}; bot said: {[response_name(t) for t in self.bot_texts()]}"
                f"\nlast texts: {self.bot_texts()[-3:]}"
            ) from error

    # ---------- keyboard ----------

    def keys(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def tab_to(self, css: str, limit: int = 80, backwards: bool = False) -> None:
        """Press Tab until the focused element inside the widget matches `css`."""
        for _ in range(limit):
            if self.focus(css)["matches"]:
                return
            if backwards:
                ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                self.keys(Keys.TAB)
        raise AssertionError(f"Tab never reached {css}; focus is on {self.focus()}")

    def say(self, text: str) -> int:
        """Type `text` in the (focused) message box and press Enter; returns the bot count before it."""
        assert self.focus("textarea")["matches"], f"focus is not in the message box: {self.focus()}"
        before = len(self.bot_texts())
        users = len([m for m in self.messages() if m["who"] == "user"])
        self.keys(text)
        self.keys(Keys.ENTER)
        self.wait(lambda: len([m for m in self.messages() if m["who"] == "user"]) > users, 10, "message not shown")
        return before

    def answer(self, text: str, expect: str) -> None:
        """Say `text` and wait for the bot's response `expect` (a domain.yml response name)."""
        self.wait_for_bot(expect, after=self.say(text))

    def settle(self, seconds: float = 0.8) -> None:
        """Let the bot's burst of messages finish (Rasa sends a reply as several messages)."""
        time.sleep(seconds)
