"""Learn from what residents really type (issue 12, part 5).

Messages Naast did not understand are recorded at the moment Rasa handles them (the tracker store,
``bot.privacy.tracker_store``, ``collect``), and de-identified by the web app within seconds (``deid``:
the ``deduce`` package plus BSN and IBAN); the raw text is never shown and is replaced, not kept.
Editors see them grouped by similarity (``store.grouped``) and can
turn one into an example of an intent (a draft, ``bot.training.drafts``). The rows follow the
conversations' retention (``store.purge``, called by ``bot.inbox.retention.purge``).
"""
