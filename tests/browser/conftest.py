"""Browser fixtures: a real headless Chromium through Selenium, plus a folder for screenshots.

`driver` is a fresh browser (fresh profile, so fresh sessionStorage and cookies) for each test.
Chromium and chromedriver are the Debian packages (scripts/system-packages.sh); override their paths
with NAAST_CHROMIUM / NAAST_CHROMEDRIVER. Screenshots go to tests/artifacts/ (git-ignored) via
`screenshot(driver, "name")`.

Servers: `web_app` is the web app alone (fast; Rasa unreachable), `servers` (tests/conftest.py) the real servers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bot.config import ROOT, Settings
from bot.processes import free_port

ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP = (1280, 900)
NARROW = (320, 720)  # WCAG 1.4.10 reflow: 320 CSS px wide

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=nl-NL",
]


def _find(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def make_driver(profile: Path, size: tuple[int, int] = DESKTOP) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile in `profile`; the caller quits it."""
    chromium = _find("NAAST_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    chromedriver = _find("NAAST_CHROMEDRIVER", "chromedriver")
    if not chromium or not chromedriver:
        pytest.fail("Chromium and chromedriver are needed: run scripts/system-packages.sh (or `make test`).")
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a browser/driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    set_viewport(driver, *size)
    return driver


def set_viewport(driver: webdriver.Chrome, width: int, height: int) -> None:
    """Make the page's viewport (CSS px) exactly width x height, e.g. 320 for the reflow check."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    browser = make_driver(tmp_path / "chromium-profile")
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def screenshot(artifacts: Path) -> Callable[[webdriver.Chrome, str], Path]:
    """screenshot(driver, "widget-open-desktop") -> tests/artifacts/widget-open-desktop.png"""

    def take(browser: webdriver.Chrome, name: str) -> Path:
        path = artifacts / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return take


# ---------- servers ----------


class AppThread:
    """Naast's web app alone (no Rasa), served from a thread on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = str(settings.public_url).rstrip("/")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="naast-web", daemon=True)
        self._ready = threading.Event()

    def _run(self) -> None:
        from bot.web.app import create_app

        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(create_app(self.settings))
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.settings.web_port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> AppThread:
        self._thread.start()
        if not self._ready.wait(30):
            raise TimeoutError("the web app did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    """The web app without Rasa: Rasa's address points at a closed port (as if Rasa were down)."""
    workdir = tmp_path_factory.mktemp("web-only")
    port, closed = free_port(), free_port()
    settings = Settings.load(
        web_port=port,
        rasa_url=f"http://127.0.0.1:{closed}",
        public_url=f"http://127.0.0.1:{port}",
        database_url=f"sqlite:///{workdir / 'naast.db'}",
        tracker_db_url=f"sqlite:///{workdir / 'tracker.db'}",
    )
    with AppThread(settings) as app:
        yield app
