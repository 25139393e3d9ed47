"""Rasa's REST channel with its input checked: a malformed request is a 400, never a server error.

Rasa 3.6's ``RestInput`` reads ``request.json.get(...)`` without checking that the body is a JSON
object, so an empty body, a list or a number ends in an AttributeError and Sanic's 500 (found by
tests/e2e/test_input_fuzz.py). The REST channel is public (nginx routes it to residents' browsers), so
this subclass, named ``rest`` like Rasa's (the same URL, /webhooks/rest/webhook), is the one in
credentials.yml. Everything after the checks is Rasa's own.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

MAX_SENDER = 128


def _body(request: Request) -> dict[str, Any]:
    body = request.json  # Sanic answers 400 itself when the body is no JSON at all
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
    return body


class NaastRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER or not sender.isprintable():
            raise InvalidUsage(f"sender must be a printable string of 1 to {MAX_SENDER} characters")
        return sender

    def _extract_message(self, req: Request) -> str:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("message must be a string")
        if not message.strip():
            # As the web app's chat proxy does: an empty message mid-conversation sent Rasa round its
            # prediction limit and left the conversation answering nothing (tests/e2e/test_input_fuzz.py).
            raise InvalidUsage("message is empty")
        return message

    def _extract_input_channel(self, req: Request) -> str:
        channel = _body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel.isidentifier() else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
