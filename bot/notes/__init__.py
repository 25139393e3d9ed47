"""The handover note: typed object and renderings (model.py), tables, store and references.

``bot.notes.handover.hand_over`` is the one call the Rasa action makes after the resident's yes.
"""

from bot.notes.model import STATUS_NEW, STATUS_QUEUED, Note

__all__ = ["STATUS_NEW", "STATUS_QUEUED", "Note"]
