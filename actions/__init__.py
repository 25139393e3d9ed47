"""Naast's Rasa custom actions (run by the rasa-sdk action server on port 5055).

No resident-facing text lives here: actions choose responses from domain.yml and pass values.
"""
