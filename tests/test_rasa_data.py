"""`rasa data validate` must pass without warnings, and the conversation tests without errors.

Rasa's validator cannot see responses sent from custom actions or asked by forms, and reports them
as "not used in any story or rule". Those are accepted here only after checking that the code really
uses each of them; any other warning fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import ROOT

RASA = str(Path(sys.executable).parent / "rasa")
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
NO_EXAMPLES = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training")
# Intents only the message screen sets (bot/nlu/message_screen.py); they have no training examples.
SCREEN_INTENTS = {"too_long"}


def _run(*args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _responses_used_by_code() -> set[str]:
    """Responses named in actions/ and bot/rasa_runtime/ (also through prefixes like utter_help_{slot})
    or asked by forms."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    sources = [*(ROOT / "actions").glob("*.py"), *(ROOT / "bot" / "rasa_runtime").glob("*.py")]
    code = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    named = set(re.findall(r'"(utter_\w+)"', code))
    prefixes = set(re.findall(r'f"(utter_\w+_)\{', code))
    used = set()
    for response in domain["responses"]:
        if response in named or any(response.startswith(prefix) for prefix in prefixes):
            used.add(response)
    for form in domain["forms"].values():
        used.update(f"utter_ask_{slot}" for slot in form["required_slots"])
    # Forms ask slots their required_slots() adds at run time (e.g. situation_more, contact_phone)
    # through utter_ask_<slot>; those slots are named as string literals in the form's code.
    quoted = set(re.findall(r'"(\w+)"', code))
    used.update(f"utter_ask_{slot}" for slot in domain["slots"] if slot in quoted)
    return used


def _explained(warning: str, used: set[str]) -> bool:
    unused, no_examples = UNUSED.search(warning), NO_EXAMPLES.search(warning)
    return bool(unused and unused.group(1) in used) or bool(no_examples and no_examples.group(1) in SCREEN_INTENTS)


def test_data_validates_without_unexplained_warnings() -> None:
    result = _run("data", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "UserWarning" in line or "WARNING" in line]
    used = _responses_used_by_code()
    unexplained = [w for w in warnings if not _explained(w, used)]
    assert unexplained == []


def test_every_response_is_used_somewhere() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules_and_stories = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "data").rglob("*.yml"))
    unused = [
        name for name in domain["responses"]
        if name not in _responses_used_by_code() and f"action: {name}" not in rules_and_stories
    ]
    assert unused == []


def test_conversations_follow_the_rules(tmp_path: Path) -> None:
    """Every test conversation under tests/conversations, end to end (`rasa test core --e2e`).

    Each user text is parsed by the trained NLU (the classifiers, the fallback classifier and the safety screen in
    bot/nlu/message_screen.py): its intent and entities must be the ones the story writes, and every
    action must follow as written. Without --e2e Rasa would take the written intent and test the policy
    only. All mismatches are listed at once (Rasa marks each with "# predicted:").
    """
    result = _run(
        "test", "core", "--model", "models/naast.tar.gz", "--stories", "tests/conversations", "--e2e",
        "--out", str(tmp_path), "--no-plot",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    stories = (yaml.safe_load(details) or {}).get("stories") or [] if details else []
    mismatches = [line.strip() for line in details.splitlines() if "# predicted" in line]
    assert not stories, f"{len(stories)} conversations fail:\n" + "\n".join(mismatches) + "\n\n" + details[:4000]
