"""The action server's reply is checked against a schema built once, not once per call.

Rasa 3.6 checks every reply of the action server with ``jsonschema.validate(result, schema)``
(``RemoteAction._validate_action_result`` in ``rasa/core/actions/action.py``). That function first checks
the schema itself and builds a new validator class, every call: about 20 ms for Rasa's event schema, which
``make bench``'s profile (bench/profile.py) showed as half of Rasa's busy time per message (46 ms of
about 95). A validator built once from the same schema (jsonschema's ``validator_for``, the class
``validate`` itself picks) checks the same reply in under 1 ms and raises the same ``ValidationError``,
so a malformed reply is refused exactly as before, with Rasa's own message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction

ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as validate() would on every call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
    except ValidationError:
        return ORIGINAL(self, result)  # Rasa's own error message for the log
    return True


def install() -> None:
    """Replace Rasa's per-call schema check; fails loudly if Rasa's code is not what this expects."""
    if RemoteAction._validate_action_result is _validate_action_result:
        return
    if not callable(getattr(RemoteAction, "action_response_format_spec", None)):
        raise RuntimeError("bot.rasa_runtime: RemoteAction has no action_response_format_spec; check the upgrade")
    RemoteAction._validate_action_result = _validate_action_result
