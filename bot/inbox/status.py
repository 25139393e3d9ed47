"""The statuses a professional sees, the list filters, and the errors of the inbox's operations.

The status words are a note's (bot/notes/model.py, their one definition); a note still ``wachtrij``
(not yet delivered) is not in the inbox. Their names are texts of the text store (``inbox.status.*``).
"""

from __future__ import annotations

import re

from bot.notes.model import STATUS_DONE, STATUS_NEW, STATUS_PICKED_UP

STATUSES = (STATUS_NEW, STATUS_PICKED_UP, STATUS_DONE)
OPEN_STATUSES = (STATUS_NEW, STATUS_PICKED_UP)
# Filter values besides the statuses themselves.
OPEN = "open"  # nieuw and opgepakt
ALL = "alle"
FILTER_STATUSES = (OPEN, ALL, *STATUSES)

NOTE_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
MAX_REMARK = 500
MAX_SEARCH = 40


class Refused(Exception):
    """The account may not do this (the web answers 403)."""


class NotFound(Exception):
    """No such note, or not one this account may see (the web answers 404)."""


class Conflict(Exception):
    """The note is not in a state that allows this; ``reason`` is a key for a Dutch message."""

    def __init__(self, reason: str, who: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.who = who


__all__ = ["ALL", "FILTER_STATUSES", "MAX_REMARK", "MAX_SEARCH", "NOTE_ID", "OPEN", "OPEN_STATUSES", "STATUSES",
           "STATUS_DONE", "STATUS_NEW", "STATUS_PICKED_UP", "Conflict", "NotFound",
           "Refused"]
