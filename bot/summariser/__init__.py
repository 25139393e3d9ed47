"""Extractive summariser: the resident's slots -> a handover ``Note`` (see core.py)."""

from bot.summariser.answers import IntakeAnswers
from bot.summariser.core import load_themes, summarise
from bot.summariser.scrub import scrub

__all__ = ["IntakeAnswers", "load_themes", "scrub", "summarise"]
