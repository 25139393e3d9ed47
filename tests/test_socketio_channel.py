"""Rasa 3.6's socket.io channel works only with the python-socketio it was written for.

With session persistence Rasa joins each socket to its session's room and sends the bot's replies to
that room. It calls ``AsyncServer.enter_room`` without ``await``; python-socketio 5.10 made that a
coroutine, so the room is never joined and the widget waits forever. pyproject.toml pins below 5.10;
this test says so plainly if a resolver ever picks a newer one.
"""

import inspect
import re
from pathlib import Path

import rasa.core.channels.socketio as rasa_socketio
from socketio import AsyncServer


def test_rasa_calls_enter_room_without_await() -> None:
    source = Path(rasa_socketio.__file__).read_text(encoding="utf-8")
    assert re.search(r"^\s+sio\.enter_room\(", source, re.MULTILINE), "Rasa's channel changed: re-check the pin"


def test_installed_python_socketio_has_a_plain_enter_room() -> None:
    assert not inspect.iscoroutinefunction(AsyncServer.enter_room), (
        "python-socketio >= 5.10 is installed: Rasa 3.6 never joins the session room, "
        "so socket.io clients get no replies. Reinstall with `make install` (constraints.txt)."
    )
