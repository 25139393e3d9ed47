"""What Naast keeps of a conversation in Rasa's tracker store, and for how long.

- A conversation that ends without a note (the resident stopped, said goodbye, or said no to sending)
  is deleted when it ends: ``action_close_conversation`` sets the slot ``conversation_closed`` and the
  tracker store (``tracker_store.PrivacyTrackerStore``) deletes its rows instead of saving the turn.
- "Wis dit gesprek" closes it with reason ``wiped`` (through the web app), which deletes it whatever it holds.
- Abandoned conversations without a note go after ``NAAST_ABANDONED_CONVERSATION_HOURS``; conversations
  that led to a note after ``NAAST_CONVERSATION_RETENTION_DAYS`` (``conversations.purge``, run by the
  retention job in ``bot/inbox/retention.py``).
"""

CLOSED_SLOT = "conversation_closed"
STOPPED, GOODBYE, NO_CONSENT, WIPED = "stopped", "goodbye", "no_consent", "wiped"
REASONS = (STOPPED, GOODBYE, NO_CONSENT, WIPED)
# The slot a stored note leaves in the conversation (set by action_submit_note).
NOTE_SLOT = "note_reference"
