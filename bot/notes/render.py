"""Plain-text and HTML renderings of a note (Jinja2; HTML autoescaped, print-friendly)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.notes.model import Note
from bot.notes.texts import load_texts

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
# Rendering order of the text sections (domain guide, "The handover note").
SECTION_ORDER = ("situation", "what_matters", "what_goes_well", "what_was_tried", "network",
                 "what_would_help", "own_ideas", "additions")


@lru_cache(maxsize=2)
def _environment(html: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=html,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["local_datetime"] = lambda value: _local(value).strftime("%d-%m-%Y %H:%M")
    env.filters["local_date"] = lambda value: _local(value).strftime("%d-%m-%Y")
    return env


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LOCAL_TZ)


def privacy_lines(note: Note) -> list[str]:
    all_texts = load_texts()
    texts, markers = all_texts["privacy"], all_texts["scrub_markers"]
    scrubbed = note.privacy.scrubbed
    lines = [texts[f"scrubbed_{kind}"].format(count=count, marker=markers[kind])
             for kind, count in scrubbed.items() if count]
    lines = lines or [texts["scrubbed_none"]]
    date = _local(note.retention_until).strftime("%d-%m-%Y")
    return [*lines, texts["retention"].format(date=date)]


def _context(note: Note) -> dict[str, Any]:
    return {
        "note": note,
        "t": load_texts(),
        "sections": [(name, getattr(note.sections, name)) for name in SECTION_ORDER],
        "privacy_lines": privacy_lines(note),
    }


def render_text(note: Note) -> str:
    return _environment(False).get_template("note.txt.j2").render(_context(note))


def render_html(note: Note) -> str:
    return _environment(True).get_template("note.html.j2").render(_context(note))
