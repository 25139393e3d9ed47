"""Slot names shared by the actions, the summariser and the notes (see docs/architecture.md)."""

SKIPPED = "__overgeslagen__"

# The free-text answers of the intake, in the order the bot asks them.
INTAKE_SLOTS = (
    "situation",
    "what_matters",
    "what_matters_effect",
    "what_was_tried",
    "what_would_help",
    "network",
    "network_load",
    "urgency_detail",
)
# The five sections other parts of Naast rely on.
CORE_SLOTS = ("situation", "what_matters", "what_was_tried", "what_would_help", "network")
