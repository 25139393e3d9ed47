"""Naast's Rasa custom actions (run by the rasa-sdk action server on port 5055).

No resident-facing text lives here: actions choose responses from domain.yml and pass values.
"""

# The action server's shared-secret check (rasa_sdk_plugins): rasa-sdk skips a plugin package it cannot
# import without a word, so an action server that cannot import it must not start at all.
import rasa_sdk_plugins  # noqa: F401
from bot.nlp import load_pipeline

# rasa-sdk has no start-up hook, and importing this package is the action server's start: load the
# Dutch spaCy pipeline now, or the first resident to reach the read-back waits 2-3 s for its lookup tables.
load_pipeline()
