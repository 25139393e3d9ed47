"""An event's class found by its name through a table, not by walking every Event subclass.

Rasa 3.6 turns every stored or received event into its class with ``Event.resolve_by_type``, which
walks ``all_subclasses(Event)`` (recursively, with an ``inspect.isabstract`` check per class) on
every call: once per event when a tracker is read from the store and once per event in each reply
of the action server. ``make bench``'s profile showed that walk as 5.6% of a Rasa process's busy
time with 20 conversations at once. The classes are all defined when Rasa has been imported, so
the table is built once, from the same walk, on first use; a name not in it goes to Rasa's own
lookup (which then raises or returns the default as before).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.shared.core.events import Event

ORIGINAL = Event.resolve_by_type


@lru_cache(maxsize=1)
def _by_name() -> dict[str, type]:
    import rasa.shared.utils.common

    table: dict[str, type] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa's loop
    return table


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    found = _by_name().get(type_name)
    return found if found is not None else ORIGINAL(type_name, default)


def install() -> None:
    if Event.resolve_by_type is resolve_by_type:
        return
    Event.resolve_by_type = staticmethod(resolve_by_type)
