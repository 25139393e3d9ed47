"""The Rasa helpers of the bench: the project copy and the one-sentence change (no training here)."""

from __future__ import annotations

import yaml

from bench import plain_rasa


def test_one_sentence_change_is_one_training_example(tmp_path) -> None:
    path = plain_rasa.add_one_sentence(tmp_path, "tell", "Ik red het niet meer met de boodschappen")
    data = yaml.safe_load(path.read_text("utf-8"))
    assert data["version"] == "3.1"
    assert data["nlu"] == [{"intent": "tell", "examples": "- Ik red het niet meer met de boodschappen\n"}]


def test_naast_project_copy_has_what_rasa_train_reads(tmp_path) -> None:
    project = plain_rasa.copy_naast_project(tmp_path / "p")
    assert (project / "config.yml").read_text("utf-8") == (plain_rasa.ROOT / "config.yml").read_text("utf-8")
    assert (project / "domain.yml").exists()
    assert sorted(p.name for p in (project / "data" / "nlu").glob("*.yml")) == sorted(
        p.name for p in (plain_rasa.ROOT / "data" / "nlu").glob("*.yml"))
    if (plain_rasa.ROOT / "models" / "spacy_nl").exists():
        assert (project / "models" / "spacy_nl").resolve() == (plain_rasa.ROOT / "models" / "spacy_nl").resolve()


def test_rasa_env_uses_a_project_cache_and_no_telemetry(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RASA_MAX_CACHE_SIZE", "0")  # as set by the cross-validation module
    env = plain_rasa.rasa_env(tmp_path)
    assert env["RASA_CACHE_DIRECTORY"] == str(tmp_path / ".rasa" / "cache")
    assert env["RASA_MAX_CACHE_SIZE"] != "0"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


def test_extra_sentences_are_new_training_data() -> None:
    from tests.bench.test_bench_data import norm, training_examples

    assert norm(plain_rasa.NAAST_EXTRA[1]) not in training_examples()
