"""The bench's own data stays honest: held-out messages are not training data, key statements are quotes."""

from __future__ import annotations

import re

import yaml

from bench import run
from bot.config import ROOT

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", ANNOTATION.sub(r"\1", text).lower()).strip()


def training_examples() -> set[str]:
    examples = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    examples.add(norm(line.strip()[2:]))
    return examples


def test_out_of_domain_messages_are_not_training_data() -> None:
    categories = run.load_out_of_domain()
    messages = [m for texts in categories.values() for m in texts]
    assert len(messages) >= 40
    assert len({norm(m) for m in messages}) == len(messages), "duplicates"
    known = training_examples()
    assert len(known) > 500
    leaked = [m for m in messages if norm(m) in known]
    assert not leaked, f"in data/nlu, so not out-of-domain for the benchmark: {leaked}"


def test_key_statements_are_the_residents_own_words() -> None:
    conversations = {c["id"]: c for c in yaml.safe_load(
        (ROOT / "tests" / "notes" / "conversations.yml").read_text("utf-8"))["conversations"]}
    keys = yaml.safe_load((ROOT / "bench" / "data" / "key_statements.yml").read_text("utf-8"))["conversations"]
    assert set(keys) == set(conversations), "one entry per test conversation"
    for conversation_id, statements in keys.items():
        slots = conversations[conversation_id]["slots"]
        answers = [str(v) for k, v in slots.items() if k in run.FREE_TEXT_SLOTS or k == "additions"]
        answers += [str(a) for a in slots.get("additions") or []]
        assert statements, conversation_id
        for statement in statements:
            assert run.kept(statement, answers), (conversation_id, statement)


def test_kept_ignores_case_and_spacing() -> None:
    assert run.kept("ik  drink te veel", ["En Ik drink te\nveel, dat durfde ik niet."])
    assert not run.kept("ik drink veel", ["En ik drink te veel."])


def test_out_of_domain_figures() -> None:
    categories = {"nonsense": ["a", "b"], "world": ["c", "d"]}
    parsed = [{"text": "a", "intent": "nlu_fallback"}, {"text": "b", "intent": "tell"},
              {"text": "c", "intent": "out_of_scope"}, {"text": "d", "intent": "nlu_fallback"}]
    figures = run.out_of_domain_figures(parsed, categories)
    assert figures["messages"] == 4
    assert figures["fallback_share"] == 0.5 and figures["out_of_scope_share"] == 0.25
    assert figures["handled_share"] == 0.75
    assert figures["per_category"] == {"nonsense": {"messages": 2, "handled_share": 0.5},
                                       "world": {"messages": 2, "handled_share": 1.0}}
    assert figures["misses"] == [{"text": "b", "intent": "tell"}]


def test_quick_plan_is_smaller_than_the_full_one() -> None:
    quick, full = run.Plan.make(True), run.Plan.make(False)
    assert quick.concurrent_workers == 2 and full.concurrent_workers == 20
    assert quick.single_messages < full.single_messages
    assert "--quick" in full.crossval_argv  # nlu_crossval --quick: Naast vs rasa_init, 5 folds
