"""Accounts of the professionals: users, roles, teams, API tokens, passwords, audit log.

``users`` (accounts, log-in, tokens), ``passwords`` (Argon2id), ``audit`` (who did what). Tables:
``tables``; schema: ``migrations/versions/0002_accounts_inbox.py``. The inbox itself (routing, status,
retention, the admin CLI) is ``bot/inbox``, which uses this package; this package never imports it.
"""
