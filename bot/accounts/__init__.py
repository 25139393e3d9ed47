"""Accounts and the professionals' inbox: users, roles, teams, API tokens, audit log, retention.

``users`` (accounts, log-in, tokens), ``passwords`` (Argon2id), ``routing`` (notes to teams),
``inbox`` (what an account may see and do with notes), ``audit`` (who did what), ``retention`` (purge).
Tables: ``tables``; schema: ``migrations/versions/0002_accounts_inbox.py``.
"""
