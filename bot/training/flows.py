"""The conversation paths (``data/rules``, ``data/stories`` and editors' new topics) as readable flows.

Each rule or story becomes a list of steps an editor can read: what the resident says (the intent's
Dutch label and an example sentence), what Naast says (the response's first text), what Naast does
(an action, a question list starting or stopping), what it remembers (slots), and a rule's
conditions ("Alleen als ..."). No YAML is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT
from bot.training.drafts import Draft
from bot.training.project import base_domain, base_examples

# Dutch names of the intents editors meet most (docs/architecture.md, "NLU contract").
INTENT_LABELS = {
    "greet": "groet", "goodbye": "neemt afscheid", "thank": "bedankt", "affirm": "zegt ja", "deny": "zegt nee",
    "dont_know": "weet het niet", "skip": "slaat de vraag over", "request_human": "wil een mens spreken",
    "stop": "wil stoppen", "resume": "wil verder", "out_of_scope": "vraagt iets buiten Naast",
    "bot_challenge": "vraagt of Naast een robot is", "ask_privacy": "vraagt wat er met het verhaal gebeurt",
    "ask_duration": "vraagt hoe lang het duurt", "ask_what_next": "vraagt wat er daarna gebeurt",
    "too_long": "stuurt een heel lang bericht", "insult": "is boos of scheldt",
    "other_language": "schrijft in een andere taal", "tell": "vertelt over de eigen situatie",
    "correct": "verbetert iets", "add_info": "wil iets toevoegen", "crisis_suicide": "denkt aan zelfdoding",
    "crisis_violence": "is niet veilig thuis", "crisis_acute": "is in acuut gevaar",
    "nlu_fallback": "zegt iets wat Naast niet begrijpt",
}


# What Naast's custom actions (actions/) do, in the editor's words.
ACTION_LABELS = {
    "action_safety_response": "geeft de hulplijnen die bij de crisis passen",
    "action_consent_unclear": "legt de vraag om toestemming nog eens uit",
    "action_close_conversation": "sluit het gesprek af en wist het",
    "action_deactivate_loop": "stopt met de vragenlijst",
    "action_keep_summary": "geeft de samenvatting om zelf te bewaren",
    "action_open": "opent het gesprek",
    "action_start_correction": "vraagt wat er verbeterd moet worden",
    "action_human_contact": "vertelt hoe de inwoner een mens spreekt",
    "action_help_question": "legt de vraag uit",
    "action_stop": "stopt het gesprek",
    "action_skip_question": "slaat de vraag over",
    "action_read_back": "leest voor wat de inwoner vertelde",
    "action_other_language": "antwoordt dat Naast alleen Nederlands spreekt",
    "action_record_consent": "legt het antwoord op de toestemmingsvraag vast",
    "action_submit_note": "stuurt de notitie naar de gemeente",
    "action_start_addition": "vraagt wat de inwoner wil toevoegen",
    "action_confirm_read_back": "bevestigt dat het verhaal klopt",
    "action_fallback": "zegt dat het de inwoner niet begreep",
    "action_apply_correction": "verwerkt de verbetering",
}


@dataclass(frozen=True)
class Step:
    kind: str  # resident, naast, action, form, memory, condition
    label: str
    text: str = ""


@dataclass
class Flow:
    name: str
    kind: str  # rule or story
    source: str  # file, or "nieuw onderwerp"
    steps: list[Step] = field(default_factory=list)
    conditions: list[Step] = field(default_factory=list)

    @property
    def intents(self) -> set[str]:
        return {s.text for s in self.steps if s.kind == "resident"}


def intent_label(intent: str) -> str:
    return INTENT_LABELS.get(intent, intent.removeprefix("vraag_").replace("_", " "))


def _response_text(responses: dict[str, Any], name: str) -> str:
    variations = responses.get(name) or []
    return str(variations[0].get("text", "")) if variations and isinstance(variations[0], dict) else ""


def _slot_steps(value: Any, kind: str) -> list[Step]:
    items = value if isinstance(value, list) else [value]
    steps = []
    for item in items:
        pairs = item.items() if isinstance(item, dict) else [(item, "ingevuld")]
        for slot, slot_value in pairs:
            shown = "leeg" if slot_value is None else str(slot_value)
            steps.append(Step(kind, f"{slot} = {shown}"))
    return steps


def _steps(raw: Iterable[dict[str, Any]], responses: dict[str, Any],
           examples: dict[str, tuple[str, ...]]) -> list[Step]:
    steps: list[Step] = []
    for step in raw or []:
        if "intent" in step:
            intent = step["intent"]
            example = (examples.get(intent) or ("",))[0]
            steps.append(Step("resident", f"Inwoner {intent_label(intent)}", intent))
            if example:
                steps.append(Step("example", f"bijvoorbeeld: “{example}”"))
        elif "action" in step:
            name = step["action"]
            if name.startswith("utter_"):
                steps.append(Step("naast", "Naast zegt", _response_text(responses, name) or name))
            elif name.endswith("_form"):
                steps.append(Step("form", "Naast stelt de vragen van de vragenlijst", name))
            else:
                steps.append(Step("action", "Naast " + ACTION_LABELS.get(name, "doet"), "" if name in ACTION_LABELS
                                  else name))
        elif "active_loop" in step:
            loop = step["active_loop"]
            label = "De vragenlijst is klaar" if loop is None else "De vragenlijst loopt"
            steps.append(Step("form", label, loop or ""))
        elif "slot_was_set" in step:
            steps += _slot_steps(step["slot_was_set"], "memory")
        elif "or" in step:
            options = [intent_label(o["intent"]) for o in step["or"] if "intent" in o]
            steps.append(Step("resident", "Inwoner " + " of ".join(options)))
        elif "checkpoint" in step:
            steps.append(Step("action", "Gaat verder bij", step["checkpoint"]))
    return steps


def flows(drafts: Iterable[Draft] = (), root: Path = ROOT) -> list[Flow]:
    domain = base_domain(root)
    responses = dict(domain.get("responses", {}))
    examples = dict(base_examples(root))
    drafts = list(drafts)
    for draft in drafts:
        examples[draft.intent] = tuple(examples.get(draft.intent, ())) + tuple(draft.examples)
        if draft.new:
            responses[draft.response_name] = [{"text": draft.response}]
    result: list[Flow] = []
    for folder, key in (("rules", "rules"), ("stories", "stories")):
        for path in sorted((root / "data" / folder).glob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for item in content.get(key) or []:
                flow = Flow(str(item.get("rule") or item.get("story")), key[:-1], f"{folder}/{path.name}",
                            _steps(item.get("steps"), responses, examples))
                for condition in item.get("condition") or []:
                    if "active_loop" in condition:
                        flow.conditions.append(Step("condition", "geen vragenlijst actief" if condition["active_loop"]
                                                    is None else f"vragenlijst {condition['active_loop']} loopt"))
                    elif "slot_was_set" in condition:
                        flow.conditions += _slot_steps(condition["slot_was_set"], "condition")
                result.append(flow)
    for draft in drafts:
        if draft.new:
            result.append(Flow(f"nieuw onderwerp: {draft.title or draft.intent}", "rule", "nieuw onderwerp",
                               _steps([{"intent": draft.intent}, {"action": draft.response_name}], responses,
                                      examples)))
    return result
