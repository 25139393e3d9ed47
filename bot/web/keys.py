"""Typed keys for what the app keeps (aiohttp's AppKey: no globals, no string keys)."""

from __future__ import annotations

from aiohttp import web

from bot.config import Settings
from bot.web.rasa_client import RasaClient

SETTINGS = web.AppKey("settings", Settings)
RASA = web.AppKey("rasa", RasaClient)
