"""Events resolve to their class through a table built once, as Rasa's own walk would resolve them."""

from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.rasa_runtime import events


def test_install_replaces_rasas_walk() -> None:
    events.install()
    assert Event.resolve_by_type is events.resolve_by_type


@pytest.mark.parametrize("cls", sorted(rasa.shared.utils.common.all_subclasses(Event), key=lambda c: c.__name__))
def test_every_event_name_resolves_to_the_class_rasas_walk_finds(cls: type) -> None:
    events.install()
    assert Event.resolve_by_type(cls.type_name) is events.ORIGINAL(cls.type_name)


def test_stored_events_come_back_as_their_classes() -> None:
    events.install()
    assert isinstance(Event.from_parameters({"event": "slot", "name": "situation", "value": "x"}), SlotSet)
    user = {"event": "user", "text": "hallo", "parse_data": {"intent": {"name": "greet"}}}
    assert isinstance(Event.from_parameters(user), UserUttered)


def test_an_unknown_name_behaves_as_in_rasa() -> None:
    events.install()
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
