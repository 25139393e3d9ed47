"""Naast's own Rasa dialogue policy (named in config.yml by module path)."""
