"""Run axe-core in a Selenium browser and return the WCAG 2.1 A/AA violations.

axe-core comes from npm (widget/package.json, pinned, installed by `npm ci --prefix widget`, which
`make test` runs); nothing is fetched at run time. Usage::

    from tests.browser.axe import format_violations, run_axe

    violations = run_axe(driver)                       # the whole page
    violations = run_axe(driver, "#naast-widget")      # one part (a CSS selector or an axe context)
    assert not violations, format_violations(violations)

axe sees into open shadow roots, so the widget (which lives in one) is scanned with the page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from bot.config import ROOT

AXE_JS = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source(path: Path = AXE_JS) -> str:
    if not path.exists():
        raise FileNotFoundError(f"axe-core is not installed at {path}: run `npm ci --prefix widget` (or `make test`).")
    return path.read_text(encoding="utf-8")


def run_axe(driver: WebDriver, context: Any = None, tags: list[str] | None = None) -> list[dict]:
    """Scan the current page (or `context`) and return axe's violations for WCAG 2.1 level A and AA.

    Each violation is axe's dict: id, impact, description, help, helpUrl, tags, nodes (target, html, ...).
    """
    if not driver.execute_script("return typeof window.axe === 'object'"):
        # WebDriver's script injection is not subject to the page's Content-Security-Policy.
        driver.execute_script(axe_source())
    options = {"runOnly": {"type": "tag", "values": tags or WCAG21_AA}, "resultTypes": ["violations"]}
    result = driver.execute_async_script(
        """
        const [context, options, done] = arguments;
        axe.run(context || document, options)
          .then((r) => done({violations: r.violations}))
          .catch((e) => done({error: String(e && e.stack || e)}));
        """,
        context,
        options,
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed: {result['error']}")
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    """A readable summary for assertion messages: rule, impact, help and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} — {v['helpUrl']}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {node.get('target')}: {node.get('failureSummary', '').strip()}")
            lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines) or "no violations"
