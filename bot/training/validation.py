"""Every change is checked with Rasa's own validation before it is saved, findings in Dutch.

The project with the drafts applied (``bot.training.project``) goes through Rasa's
``TrainingDataImporter`` and ``rasa.validator.Validator`` (the checks of ``rasa data validate``). The
repository's own data already gives warnings Naast accepts (responses that actions and forms send,
see ``make validate``), so only findings the drafts add count: the base run's findings are subtracted.
Loading takes about a second, so it runs in a worker thread (the web app's ``asyncio.to_thread``).
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import ROOT
from bot.texts import live
from bot.training.drafts import Draft
from bot.training.project import base_examples, write_project


@dataclass(frozen=True)
class Finding:
    intent: str | None  # the place it is about (shown beside that intent), None: the whole project
    message: str  # Dutch, for the editor
    detail: str = ""  # Rasa's own words (English), for whoever helps the editor


# Rasa's message -> the name of its Dutch text in the store (its placeholders: the pattern's groups).
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"The example '(?P<text>.*)' was found labeled with multiple different intents.*labeled with: "
                r"(?P<intents>.*)", re.S),
     "editor.validation.example_elsewhere"),
    (re.compile(r"The intent '(?P<intent>.*)' is not used in any story or rule"),
     "editor.validation.no_path"),
    (re.compile(r"The utterance '(?P<response>.*)' is not used in any story or rule"),
     "editor.validation.answer_unused"),
    (re.compile(r"'(?P<response>.*)' is used in the stories, but is not a valid utterance"),
     "editor.validation.answer_missing"),
    (re.compile(r"The intent '(?P<intent>.*)' is listed in the domain file, but is not found in the NLU training data"),
     "editor.validation.no_examples"),
]


def dutch(message: str) -> str:
    for pattern, name in _PATTERNS:
        match = pattern.search(message)
        if match:
            return live.text(name, **{k: v.strip().rstrip(".") for k, v in match.groupdict().items()})
    return live.text("editor.validation.other")


def _intent_of(message: str, drafts: Iterable[Draft]) -> str | None:
    for draft in drafts:
        if f"'{draft.intent}'" in message or f"'{draft.response_name}'" in message:
            return draft.intent
        if any(f"'{text}'" in message for text in draft.examples):
            return draft.intent
    return None


def _rasa_findings(folder: Path) -> list[str]:
    """Rasa's validator on the project in ``folder``: its warnings and errors, as Rasa words them."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            importer = TrainingDataImporter.load_from_config(str(folder / "config.yml"), str(folder / "domain.yml"),
                                                             [str(folder / "data")])
            validator = Validator.from_importer(importer)
            validator.verify_domain_validity()
            validator.verify_example_repetition_in_intents(False)
            validator.verify_intents_in_stories(False)
            validator.verify_utterances_in_stories(False)
            validator.verify_forms_in_stories_rules()
            validator.verify_actions_in_stories_rules()
            validator.verify_story_structure(False)
        except Exception as error:  # noqa: BLE001 - any load error is a finding, not a crash
            found.append(f"{type(error).__name__}: {error}")
    found += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return found


@lru_cache(maxsize=2)
def _baseline(root: Path) -> frozenset[str]:
    with tempfile.TemporaryDirectory(prefix="naast-validate-") as folder:
        write_project(Path(folder) / "p", [], root)
        return frozenset(_rasa_findings(Path(folder) / "p"))


def own_checks(drafts: Iterable[Draft], root: Path = ROOT) -> list[Finding]:
    """What Rasa does not check: an example the intent already has, a topic without answer or examples."""
    findings = []
    base = base_examples(root)
    for draft in drafts:
        for text in draft.examples:
            if text in base.get(draft.intent, ()):
                findings.append(Finding(draft.intent, live.text("editor.validation.example_known", text=text)))
        if draft.new and not draft.response.strip():
            findings.append(Finding(draft.intent, live.text("editor.validation.no_answer")))
        if draft.new and not draft.examples:
            findings.append(Finding(draft.intent, live.text("editor.validation.new_without_examples")))
    return findings


def validate(drafts: list[Draft], root: Path = ROOT) -> list[Finding]:
    """Findings the drafts add to the project (empty: the change may be saved)."""
    findings = own_checks(drafts, root)
    if findings:
        return findings
    baseline = _baseline(root)
    with tempfile.TemporaryDirectory(prefix="naast-validate-") as folder:
        project = write_project(Path(folder) / "p", drafts, root)
        new = [m for m in _rasa_findings(project.folder) if m not in baseline]
    return [Finding(_intent_of(m, drafts), dutch(m), m) for m in new]
