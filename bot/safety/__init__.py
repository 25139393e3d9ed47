"""Safety screen: the Dutch crisis lexicon and ``screen(text) -> list[str]`` (see screen.py)."""

from bot.safety.screen import SIGNALS, Hit, ScreenResult, evaluate, load_lexicon, screen, screen_message

__all__ = ["SIGNALS", "Hit", "ScreenResult", "evaluate", "load_lexicon", "screen", "screen_message"]
