"""Cross-validation harness of `make bench`: same folds for every variant, same figures in parallel."""

from __future__ import annotations

from collections import Counter

from bench import nlu_crossval as cv

# A pipeline without TensorFlow, so the harness itself is tested in seconds, not the DIET it trains.
FAST = cv.Variant(
    "fast",
    {"language": "nl", "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "LogisticRegressionClassifier"},
    ]},
    "test",
)


def test_folds_are_stratified_and_repeatable() -> None:
    data = cv.load_training_data()
    first, second = cv.make_folds(data, 3), cv.make_folds(data, 3)
    assert [[m.get("text") for m in test] for _, test in first] == [[m.get("text") for m in test] for _, test in second]
    tested = [m.get("text") for _, test in first for m in test]
    assert sorted(tested) == sorted(m.get("text") for m in data.intent_examples)  # each example tested once
    per_fold = [Counter(m.get("intent") for m in test) for _, test in first]
    for intent in {m.get("intent") for m in data.intent_examples}:
        counts = [fold[intent] for fold in per_fold]
        assert max(counts) - min(counts) <= 1, intent  # stratified: each fold gets its share


def test_custom_components_are_left_out_of_the_comparison() -> None:
    screen, diet = {"name": "bot.nlu.message_screen.MessageScreen"}, {"name": "DIETClassifier"}
    config = {"language": "nl", "pipeline": [screen, diet]}
    assert cv.nlu_part(config)["pipeline"] == [diet]


def test_folds_in_worker_processes_give_the_same_figures_as_one_by_one() -> None:
    data = cv.load_training_data()
    one_by_one = cv.evaluate_all([FAST], data, 2, "test", jobs=1)[0]
    parallel = cv.evaluate_all([FAST], data, 2, "test", jobs=2)[0]
    assert one_by_one["examples"] == parallel["examples"] == len(data.intent_examples)
    for figure in ("macro_f1", "accuracy", "fallback_rate", "per_intent_f1", "crisis_recall"):
        assert parallel[figure] == one_by_one[figure], figure
    assert 0.2 < parallel["macro_f1"] <= 1.0  # it really classified something
