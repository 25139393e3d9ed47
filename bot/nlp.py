"""The Dutch spaCy pipeline, built only from what pip installs (no model download).

``spacy.blank("nl")`` gives Dutch tokenisation; a lookup lemmatizer initialised from
spacy-lookups-data gives lemmas ("geprobeerd" -> "proberen"); a sentencizer splits sentences.
Rasa's SpacyNLP loads the saved pipeline from ``models/spacy_nl`` (see config.yml).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

from bot.config import ROOT

PIPELINE_DIR = ROOT / "models" / "spacy_nl"


def build_pipeline() -> Language:
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    return nlp


def save_pipeline(path: Path = PIPELINE_DIR) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(path)
    return path


@lru_cache(maxsize=1)
def load_pipeline(path: Path = PIPELINE_DIR) -> Language:
    """The saved pipeline, or a freshly built one when it has not been saved yet."""
    return spacy.load(path) if path.exists() else build_pipeline()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PIPELINE_DIR
    print(f"Dutch spaCy pipeline saved to {save_pipeline(target)}")
