"""The professionals' inbox under ``/inbox``: ``setup(app)`` adds its routes and template filters.

Needs the app's database (``keys.DB``) and the session middleware with ``bot.web.auth.staff_guard``
(both set up by ``bot.web.app.create_app``). Log-in and log-out are ``bot.web.auth``'s, shared with the
editors' area.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.db import utcnow
from bot.inbox.routing import label_name
from bot.texts import live
from bot.web import auth
from bot.web.inbox import views
from bot.web.keys import DB

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def local_datetime(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M") if value else ""


def local_date(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%d-%m-%Y") if value else ""


def age(value: dt.datetime | None, now: dt.datetime | None = None, source: live.Source = None) -> str:
    """How long ago, in plain Dutch (``inbox.age.*`` texts): "net binnen", "25 minuten geleden", "1 dag geleden"."""
    if value is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    if seconds < 120:
        return live.text("inbox.age.just_now", source)
    minutes = seconds // 60
    if minutes < 60:
        return live.text("inbox.age.minutes", source, count=minutes)
    hours = minutes // 60
    if hours < 24:
        return live.text("inbox.age.hours", source, count=hours)
    days = hours // 24
    return live.text("inbox.age.one_day", source) if days == 1 else live.text("inbox.age.days", source, count=days)


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.get_env(app)
    env.filters.update(local_datetime=local_datetime, local_date=local_date, label_name=label_name,
                       age=lambda value: age(value, source=app[DB]),  # the texts of the app's database
                       status_name=lambda status: views.status_name(app[DB], status))
    router = app.router
    router.add_get("/inbox", views.inbox_root)
    router.add_get("/inbox/", views.note_list, name="inbox")
    auth.setup_login(router, auth.INBOX, "inbox")
    router.add_get("/inbox/notities/{note_id}", views.note_page, name="inbox_note")
    router.add_get("/inbox/notities/{note_id}/afdrukken", views.print_page, name="inbox_print")
    router.add_get("/inbox/notities/{note_id}/tekst", views.export_text, name="inbox_export")
    router.add_post("/inbox/notities/{note_id}/oppakken", views.pick_up)
    router.add_post("/inbox/notities/{note_id}/teruggeven", views.hand_back)
    router.add_post("/inbox/notities/{note_id}/afronden", views.mark_done)
    router.add_get("/inbox/logboek", views.audit_page, name="inbox_audit")
