"""Cross-validation of Naast's Dutch NLU pipeline against alternatives (issue 2, "Dutch NLU").

Every variant is trained and tested on the *same* stratified folds of ``data/nlu`` (fixed seed,
fixed DIET ``random_seed``), so differences come from the pipeline and not from the split.

* ``naast`` is the ``pipeline:`` of ``config.yml`` (custom components such as MessageScreen left
  out: they screen messages, they do not classify them).
* the alternatives are the files in ``bench/configs/`` (tokenizer, n-gram range, epochs, and
  Rasa's default ``rasa init`` pipeline).

Figures per variant: intent macro-F1, weighted F1, accuracy (with the FallbackClassifier's
``nlu_fallback`` counted as a wrong answer, as the resident meets it), the fallback rate, the
same without fallback, a sweep of fallback thresholds, per-intent F1, recall of the three crisis
intents, how often a ``tell`` answer is routed to a side path, entity F1 and training time.

Usage::

    python -m bench.nlu_crossval            # explore all variants (3 folds), then naast and
                                            # rasa_init again with 5 folds
    python -m bench.nlu_crossval --quick    # only naast vs rasa_init, 5 folds
    python -m bench.nlu_crossval --only naast spacy_c36_e100 --folds 3 --final-folds 0

Writes ``bench/results/nlu_crossval.json`` and prints a table. ``main()`` and the functions are
importable for ``make bench``.
"""

from __future__ import annotations

import os

# Before Rasa is imported: no training cache (it would hide training time on repeated runs),
# no progress bars, no TensorFlow chatter.
os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAAST_CONFIG = ROOT / "config.yml"
CONFIG_DIR = ROOT / "bench" / "configs"
DATA_DIR = ROOT / "data" / "nlu"
RESULTS_FILE = ROOT / "bench" / "results" / "nlu_crossval.json"

NAAST = "naast"
BASELINE = "rasa_init"
SEED = 2024
FALLBACK = "nlu_fallback"
CRISIS_INTENTS = ("crisis_suicide", "crisis_violence", "crisis_acute")
# An answer to an intake question that lands here is taken away from the story.
NOT_SIDE_PATHS = ("tell", FALLBACK)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)

logger = logging.getLogger("bench.nlu_crossval")

Entity = tuple[str, str]


@dataclass
class Variant:
    name: str
    config: dict[str, Any]
    source: str
    description: str = ""


@dataclass
class Prediction:
    text: str
    target: str
    predicted: str  # after the FallbackClassifier
    raw: str  # DIET's best intent, fallback ignored
    confidence: float  # DIET's confidence in `raw`
    target_entities: set[Entity] = field(default_factory=set)
    predicted_entities: set[Entity] = field(default_factory=set)


@dataclass
class FoldRun:
    train_seconds: float
    parse_ms: float
    predictions: list[Prediction]


# ------------------------------------------------------------------ variants
def description_of(path: Path) -> str:
    """The first comment line of a config file."""
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


SCREEN = "bot.nlu.message_screen.MessageScreen"


def is_custom(component: dict[str, Any]) -> bool:
    """Naast's message screen overrides intents on its lexicon; it is not part of the test."""
    return str(component.get("name", "")) == SCREEN


def nlu_part(config: dict[str, Any]) -> dict[str, Any]:
    pipeline = [c for c in config.get("pipeline") or [] if not is_custom(c)]
    return {"language": config.get("language", "nl"), "pipeline": pipeline}


def naast_variant(path: Path = NAAST_CONFIG) -> Variant:
    config = nlu_part(yaml.safe_load(path.read_text("utf-8")))
    return Variant(NAAST, config, str(path.relative_to(ROOT)), "Naast's pipeline in config.yml")


def file_variants(directory: Path = CONFIG_DIR) -> list[Variant]:
    return [
        Variant(p.stem, nlu_part(yaml.safe_load(p.read_text("utf-8"))), str(p.relative_to(ROOT)),
                description_of(p))
        for p in sorted(directory.glob("*.yml"))
    ]


def same_as_naast(variant: Variant, naast: Variant) -> bool:
    return variant.name != NAAST and variant.config == naast.config


def select_variants(names: Sequence[str] | None) -> list[Variant]:
    """Naast first, then the files; a file identical to config.yml is left out (same figures)."""
    naast = naast_variant()
    variants = [naast] + [v for v in file_variants() if not same_as_naast(v, naast)]
    if names:
        unknown = set(names) - {v.name for v in variants}
        if unknown:
            raise SystemExit(f"unknown variant(s): {', '.join(sorted(unknown))}")
        variants = [v for v in variants if v.name in names]
    return variants


def seeded(config: dict[str, Any], seed: int = SEED) -> dict[str, Any]:
    """A copy with a fixed DIET seed, so two runs of one variant give the same figures."""
    config = copy.deepcopy(config)
    for component in config["pipeline"]:
        if component.get("name") == "DIETClassifier":
            component.setdefault("random_seed", seed)
    return config


# ------------------------------------------------------------------ data and folds
def load_training_data(path: Path = DATA_DIR):
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def make_folds(data, n_folds: int, seed: int = SEED) -> list[tuple[Any, list[Any]]]:
    """Stratified folds (train TrainingData, test messages), the same for every variant."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    labels = [m.get("intent") for m in examples]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = []
    for train_idx, test_idx in splitter.split(examples, labels):
        train = TrainingData(
            training_examples=[examples[i] for i in train_idx],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
        )
        folds.append((train, [examples[i] for i in test_idx]))
    return folds


def canonical(entities: Iterable[dict[str, Any]], synonyms: dict[str, str]) -> set[Entity]:
    return {(e["entity"], synonyms.get(str(e["value"]).lower(), str(e["value"]))) for e in entities}


# ------------------------------------------------------------------ one fold
@contextlib.contextmanager
def quiet():
    """Rasa prints training chatter on stdout and warnings on stderr; keep the table readable."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def train(config: dict[str, Any], train_data, workdir: Path) -> tuple[str, float]:
    import rasa.model_training
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    config_path, data_path = workdir / "config.yml", workdir / "nlu.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    RasaYAMLWriter().dump(data_path, train_data)
    start = time.perf_counter()
    with quiet():
        model = rasa.model_training.train_nlu(str(config_path), str(data_path), str(workdir))
    if not model:
        raise RuntimeError(f"training failed for {config_path}")
    return model, time.perf_counter() - start


def read_result(result: dict[str, Any]) -> tuple[str, str, float]:
    """(intent after fallback, DIET's best intent, its confidence)."""
    predicted = (result.get("intent") or {}).get("name") or FALLBACK
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    best = ranking[0] if ranking else {"name": predicted, "confidence": 0.0}
    return predicted, best["name"], float(best["confidence"])


async def predict(model_path: str, messages: list[Any], synonyms: dict[str, str]) -> tuple[list[Prediction], float]:
    from rasa.core.agent import Agent

    with quiet():
        agent = Agent.load(model_path)
    predictions, start = [], time.perf_counter()
    for message in messages:
        result = await agent.parse_message(message.get("text"))
        predicted, raw, confidence = read_result(result)
        predictions.append(Prediction(
            text=message.get("text"), target=message.get("intent"), predicted=predicted, raw=raw,
            confidence=confidence,
            target_entities=canonical(message.get("entities") or [], synonyms),
            predicted_entities=canonical(result.get("entities") or [], synonyms),
        ))
    parse_ms = 1000 * (time.perf_counter() - start) / max(len(messages), 1)
    return predictions, parse_ms


def run_fold(config: dict[str, Any], train_data, test: list[Any], synonyms: dict[str, str]) -> FoldRun:
    with tempfile.TemporaryDirectory(prefix="naast-cv-") as tmp:
        model, seconds = train(config, train_data, Path(tmp))
        predictions, parse_ms = asyncio.run(predict(model, test, synonyms))
    reset_tensorflow()
    return FoldRun(seconds, parse_ms, predictions)


def reset_tensorflow() -> None:
    with contextlib.suppress(Exception):
        import tensorflow as tf

        tf.keras.backend.clear_session()


# ------------------------------------------------------------------ scores
def intent_scores(targets: list[str], predicted: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(targets))  # nlu_fallback is never a target: it only costs recall
    per_intent = f1_score(targets, predicted, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": float(f1_score(targets, predicted, labels=labels, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(targets, predicted, labels=labels, average="weighted", zero_division=0)),
        "accuracy": float(accuracy_score(targets, predicted)),
        "per_intent_f1": {label: round(float(f), 4) for label, f in zip(labels, per_intent, strict=True)},
    }


def with_threshold(predictions: list[Prediction], threshold: float) -> list[str]:
    return [p.raw if p.confidence >= threshold else FALLBACK for p in predictions]


def threshold_sweep(predictions: list[Prediction]) -> dict[str, dict[str, float]]:
    """What a plain confidence threshold would give (the ambiguity rule left out)."""
    targets = [p.target for p in predictions]
    sweep = {}
    for threshold in THRESHOLDS:
        predicted = with_threshold(predictions, threshold)
        scores = intent_scores(targets, predicted)
        sweep[f"{threshold:.1f}"] = {
            "macro_f1": round(scores["macro_f1"], 4),
            "fallback_rate": round(predicted.count(FALLBACK) / len(predicted), 4),
        }
    return sweep


def crisis_recall(predictions: list[Prediction]) -> dict[str, float]:
    """Exact crisis intent, and 'any crisis intent' (the resident still sees crisis resources)."""
    crisis = [p for p in predictions if p.target in CRISIS_INTENTS]
    recall = {
        intent: ratio(sum(p.predicted == intent for p in crisis if p.target == intent),
                      sum(p.target == intent for p in crisis))
        for intent in CRISIS_INTENTS
    }
    recall["any_crisis"] = ratio(sum(p.predicted in CRISIS_INTENTS for p in crisis), len(crisis))
    non_crisis = [p for p in predictions if p.target not in CRISIS_INTENTS]
    recall["false_alarm_rate"] = ratio(sum(p.predicted in CRISIS_INTENTS for p in non_crisis), len(non_crisis))
    return recall


def tell_to_side_path(predictions: list[Prediction]) -> float:
    tell = [p for p in predictions if p.target == "tell"]
    return ratio(sum(p.predicted not in NOT_SIDE_PATHS for p in tell), len(tell))


def entity_f1(predictions: list[Prediction]) -> dict[str, float]:
    """Micro precision/recall/F1 over (entity, value after synonyms) per message."""
    hits = sum(len(p.target_entities & p.predicted_entities) for p in predictions)
    predicted = sum(len(p.predicted_entities) for p in predictions)
    wanted = sum(len(p.target_entities) for p in predictions)
    precision, recall = ratio(hits, predicted), ratio(hits, wanted)
    f1 = ratio(2 * precision * recall, precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1}


def ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def confusions(predictions: list[Prediction], top: int = 12) -> list[dict[str, Any]]:
    pairs: dict[tuple[str, str], list[str]] = {}
    for p in predictions:
        if p.predicted != p.target:
            pairs.setdefault((p.target, p.predicted), []).append(p.text)
    ranked = sorted(pairs.items(), key=lambda item: -len(item[1]))[:top]
    return [{"target": t, "predicted": pr, "count": len(texts), "examples": texts[:3]} for (t, pr), texts in ranked]


def summarise(variant: Variant, folds: list[FoldRun], n_folds: int) -> dict[str, Any]:
    predictions = [p for fold in folds for p in fold.predictions]
    targets = [p.target for p in predictions]
    scores = intent_scores(targets, [p.predicted for p in predictions])
    raw = intent_scores(targets, [p.raw for p in predictions])
    seconds = [fold.train_seconds for fold in folds]
    return {
        "name": variant.name,
        "source": variant.source,
        "description": variant.description,
        "folds": n_folds,
        "examples": len(predictions),
        **{k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()},
        "fallback_rate": ratio(sum(p.predicted == FALLBACK for p in predictions), len(predictions)),
        "raw_macro_f1": round(raw["macro_f1"], 4),
        "raw_accuracy": round(raw["accuracy"], 4),
        "threshold_sweep": threshold_sweep(predictions),
        "crisis_recall": crisis_recall(predictions),
        "tell_to_side_path": tell_to_side_path(predictions),
        "entities": entity_f1(predictions),
        "train_seconds_mean": round(statistics.mean(seconds), 1),
        "train_seconds_per_fold": [round(s, 1) for s in seconds],
        "parse_ms_mean": round(statistics.mean(f.parse_ms for f in folds), 1),
        "top_confusions": confusions(predictions),
        "config": variant.config,
    }


# ------------------------------------------------------------------ running
def fold_task(config: dict[str, Any], n_folds: int, index: int) -> FoldRun:
    """One fold in a worker process: it rebuilds the (deterministic) folds instead of receiving them."""
    data = load_training_data()
    train_data, test = make_folds(data, n_folds)[index]
    return run_fold(config, train_data, test, data.entity_synonyms)


def evaluate_all(variants: list[Variant], data, n_folds: int, stage: str, jobs: int = 1) -> list[dict[str, Any]]:
    """Every fold of every variant; with ``jobs`` > 1 folds train side by side in worker processes.

    DIET training keeps about one core busy, so on this 2-core machine two folds at once nearly halve
    the wall time. Training seconds per fold are then measured with the other core loaded too.
    """
    # Rasa's default pipeline trains about 5x longer per fold: start it first, so that the short folds
    # fill the gaps at the end instead of one long fold running alone.
    slow_first = sorted(variants, key=lambda v: v.name != BASELINE)
    tasks = [(variant, i) for variant in slow_first for i in range(n_folds)]
    print(f"[{stage}] {', '.join(v.name for v in variants)} ({n_folds} folds, {jobs} at a time)", file=sys.stderr)
    if jobs <= 1:
        folds = make_folds(data, n_folds)
        runs = [run_fold(seeded(v.config), *folds[i], data.entity_synonyms) for v, i in tasks]
    else:
        runs = run_in_workers(tasks, n_folds, jobs)
    results = []
    for variant in variants:
        mine = [run for (v, _), run in zip(tasks, runs, strict=True) if v is variant]
        result = summarise(variant, mine, n_folds)
        result["stage"] = stage
        results.append(result)
    return results


def run_in_workers(tasks: list[tuple[Variant, int]], n_folds: int, jobs: int) -> list[FoldRun]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: TensorFlow is not fork-safe once imported.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(fold_task, seeded(v.config), n_folds, i) for v, i in tasks]
        runs = []
        for (variant, i), future in zip(tasks, futures, strict=True):
            runs.append(run := future.result())
            print(f"  {variant.name}: fold {i + 1}/{n_folds} trained in {run.train_seconds:.0f} s", file=sys.stderr)
        return runs


def format_table(results: list[dict[str, Any]]) -> str:
    header = (f"{'stage':<8}{'variant':<22}{'folds':>5}{'macroF1':>9}{'wF1':>7}{'acc':>7}{'fallb':>7}"
              f"{'rawF1':>7}{'crisis':>8}{'tell->side':>11}{'entF1':>7}{'train s':>9}{'ms/msg':>8}")
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.get('stage', ''):<8}{r['name']:<22}{r['folds']:>5}{r['macro_f1']:>9.3f}{r['weighted_f1']:>7.3f}"
            f"{r['accuracy']:>7.3f}{r['fallback_rate']:>7.3f}{r['raw_macro_f1']:>7.3f}"
            f"{r['crisis_recall']['any_crisis']:>8.3f}{r['tell_to_side_path']:>11.3f}{r['entities']['f1']:>7.3f}"
            f"{r['train_seconds_mean']:>9.1f}{r['parse_ms_mean']:>8.1f}"
        )
    return "\n".join(lines)


def format_per_intent(results: list[dict[str, Any]]) -> str:
    names = [r["name"] for r in results]
    intents = sorted({i for r in results for i in r["per_intent_f1"]})
    lines = [f"{'intent':<17}" + "".join(f"{n[:14]:>15}" for n in names)]
    for intent in intents:
        lines.append(f"{intent:<17}" + "".join(f"{r['per_intent_f1'].get(intent, 0):>15.3f}" for r in results))
    return "\n".join(lines)


def write_results(results: list[dict[str, Any]], args: argparse.Namespace, seconds: float, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data": str(DATA_DIR.relative_to(ROOT)),
        "seed": SEED,
        "mode": "quick" if args.quick else "full",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "wall_seconds": round(seconds),
        "jobs": args.jobs,
        "note": ("macro/weighted F1 and accuracy count nlu_fallback as wrong; raw_* ignore the fallback; "
                 "crisis any_crisis = a crisis message got some crisis intent; tell_to_side_path = share "
                 "of tell examples classified as another contract intent"),
        "results": results,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False), "utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only naast vs rasa_init")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="variants to explore (default: all)")
    parser.add_argument("--folds", type=int, default=3, help="folds for the exploration (default 3)")
    parser.add_argument("--final-folds", type=int, default=5,
                        help="folds for the final naast vs rasa_init run (default 5; 0 = skip)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="folds trained at the same time, each in its own process (default: 2 or the cores)")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    data = load_training_data()
    final = select_variants([NAAST, BASELINE])
    if args.quick:
        return evaluate_all(final, data, args.final_folds or 5, "final", args.jobs)
    results = evaluate_all(select_variants(args.only), data, args.folds, "explore", args.jobs)
    if args.final_folds:
        results += evaluate_all(final, data, args.final_folds, "final", args.jobs)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = parse_args(argv)
    start = time.perf_counter()
    results = run(args)
    write_results(results, args, time.perf_counter() - start, args.out)
    print(format_table(results))
    print()
    print(format_per_intent([r for r in results if r["stage"] == results[-1]["stage"]]))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
