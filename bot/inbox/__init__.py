"""The professionals' inbox: which team a delivered note goes to, what an account may see and do with
it, and how long it is kept.

Data flows one way (docs/architecture.md): notes store -> delivery -> inbox. The delivery worker hands
each note to ``index.index_delivered`` once, in the transaction that delivers it; the web app's inbox
pages and JSON API only read (``notes``) and move notes (``machine``).

- ``status``: the statuses a professional sees (the words themselves: bot/notes/model.py), filters, errors
- ``routing``: notes to teams by their life-domain labels (``config/routing.yml``)
- ``index``: the inbox's facts about a note (team, labels), made once at delivery; re-routing
- ``notes``: lists with filters, one note, counts (read-only)
- ``machine``: status changes (pick up, hand back, done), compare-and-set, audited
- ``retention``: the purge, run once per interval per deployment (a row in ``jobs``), and ``naast purge``
- ``tables``: the inbox's rows; schema in migrations 0002 and 0003

Imports go one way: ``bot.inbox`` uses ``bot.notes`` and ``bot.accounts`` (users, audit); neither
imports the inbox.
"""
