"""Naast's Rasa custom actions (run by the rasa-sdk action server on port 5055).

No resident-facing text lives here: actions choose responses from domain.yml and pass values.
"""

from bot.nlp import load_pipeline

# rasa-sdk has no start-up hook, and importing this package is the action server's start: load the
# Dutch spaCy pipeline now, or the first resident to reach the read-back waits 2-3 s for its lookup tables.
load_pipeline()
