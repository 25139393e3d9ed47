"""A message that starts with "/" is a button's payload only when a button sends it.

Rasa reads every "/name" message as that intent, and "/restart", "/session_start", "/back" and
"/nlu_fallback" are its own commands: typed by a resident (in the widget, over REST or socket.io)
they restarted or silenced the conversation without a word back. Naast's buttons send "/intent"
for an intent of the domain, or an exact payload with entities ("/correct{"section": ...}"). Anything
else that starts with "/" was typed, and is read as the words typed, without the slash.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.core.nlg.interpolator import interpolate_text

RASA_COMMANDS = {"restart", "session_start", "back", "nlu_fallback"}
_BARE = re.compile(r"^/(\w+)$")
_cache: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _allowed(domain: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The intents a bare "/intent" may name, and the exact payloads with entities the buttons send."""
    key = id(domain)
    if key not in _cache:
        # As the widget gets them: Rasa's response generator fills the payload ("{{" becomes "{").
        payloads = {interpolate_text(str(button.get("payload", "")), {}) for variations in domain.responses.values()
                    for variation in variations for button in variation.get("buttons") or []}
        _cache.clear()  # one domain at a time (a published model brings its own)
        _cache[key] = (frozenset(set(domain.intents) - RASA_COMMANDS),
                       frozenset(p for p in payloads if "{" in p))
    return _cache[key]


def as_typed_or_button(text: str | None, domain: Any) -> str | None:
    if not text or not text.startswith("/"):
        return text
    intents, with_entities = _allowed(domain)
    bare = _BARE.match(text.strip())
    if (bare and bare.group(1) in intents) or text.strip() in with_entities:
        return text
    return text.lstrip("/").strip() or text
