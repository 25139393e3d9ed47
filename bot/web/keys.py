"""Typed keys for what the app keeps (aiohttp's AppKey: no globals, no string keys)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.web.message_ledger import MessageLedger
from bot.web.rasa_client import RasaClient

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
LEDGER = web.AppKey("message_ledger", MessageLedger)
# Naast's database (notes, accounts, audit); SQLAlchemy engine, used from worker threads.
DB = web.AppKey("db", Engine)
