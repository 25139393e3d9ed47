"""When the action server cannot be reached, the resident gets a calm message instead of silence.

What Rasa 3.6 does by itself (``rasa/core/processor.py``, ``MessageProcessor._run_action``): a
``RemoteAction`` (``rasa/core/actions/action.py``) that cannot reach the action server raises
``RasaException("Failed to execute custom action … Couldn't connect …")``; ``_run_action`` catches every
exception, logs it, records the action as executed with no events and predicts on. The resident sees
nothing, and the tracker holds a half-done turn (the resident's message, an action that did nothing).

Where this is hooked, and why there: Rasa 3.6 has no configurable action executor (``action_endpoint`` is
a plain URL; its plugin manager only loads ``rasa_plus``). A custom channel cannot tell a failed action
from a quiet one, and an NLG server is never asked when an action fails. Actions reach the action server
from three places (``action_for_name_or_text``, a form's validation in ``forms.py``, custom slot
mappings), but the first two both end in ``_run_action``, the one place that sees every failure with the
conversation at hand. So ``NaastMessageProcessor`` overrides ``_run_action`` and nothing else: it runs
the action through a guard that recognises an unavailable action server (a connection error, a timeout
or a 5xx in the exception chain) and then

1. sends ``utter_action_server_down`` (domain.yml; the municipality's phone number from
   config/resources.yml, so it is right even when the session start never ran),
2. reverts the resident's message (``UserUtteranceReverted``, then the ``action_listen`` that Rasa's rewind
   also takes back), so the conversation stands exactly where it was before that message: slots, active
   form and requested slot unchanged,
3. ends the turn (no further predictions, so no second failure and no second message).

When the action server is back, the resident's next message is handled from that state: the
conversation continues where it was. ``install()`` puts the subclass in the one place Rasa builds its
processor (``rasa.core.agent.MessageProcessor``, used by ``Agent.load_model``, also after ``PUT /model``).
Custom slot-mapping actions (``ActionExtractSlots``) already catch their own failures in Rasa; Naast
uses none.

**The database away (PostgreSQL, Rasa's tracker store).** Rasa wraps every tracker store in
``FailSafeTrackerStore`` (``rasa/core/agent.py``): a failed ``retrieve`` returns no tracker, so the
resident's next message silently starts a *new* conversation (the opening again), kept in memory only.
``NaastMessageProcessor`` therefore uses the tracker store it wraps, and a database error during a turn
(``sqlalchemy.exc.SQLAlchemyError``) becomes the same calm message: nothing of the turn is saved, the
stored conversation stays where it was, and the resident's message is answered again once the database
is back (tests/ops/test_faults.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core.actions.action import Action, ActionExecutionRejection, create_bot_utterance
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    Event,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.utils.endpoints import ClientResponseError
from sqlalchemy.exc import SQLAlchemyError

from bot.rasa_runtime import payloads
from bot.texts.resources import current_resources

logger = logging.getLogger(__name__)

RESPONSE = "utter_action_server_down"


def action_server_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the action server could not be reached or failed."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ActionExecutionRejection):
            return False  # the action answered and rejected: a normal form flow
        if isinstance(current, (ClientResponseError, aiohttp.ClientResponseError)):
            return current.status >= 500
        if isinstance(current, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            return True
        current = current.__cause__ or current.__context__
    return False


class _Guarded:
    """The action, run so that an unavailable action server becomes the calm message."""

    def __init__(self, action: Action, processor: NaastMessageProcessor) -> None:
        self._action = action
        self._processor = processor
        self.unavailable = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._action, name)

    async def run(self, output_channel, nlg, tracker, domain) -> list[Event]:  # noqa: ANN001 - Rasa's types
        try:
            return await self._action.run(output_channel, nlg, tracker, domain)
        except Exception as error:
            if not action_server_unavailable(error):
                raise
            self.unavailable = True
            logger.error("action server unavailable while running %s (%s: %s); the resident gets %s",
                         self._action.name(), type(error).__name__, error, RESPONSE)
            # ActionExecutionRejected first: Rasa then logs no ActionExecuted for it (processor.py,
            # _log_action_on_tracker). That matters for a form: an ActionExecuted of the active loop makes
            # Rasa fold the loop's turns together (trackers.py, applied_events), and the rewind would then
            # take back far more than the resident's last message.
            rejected = ActionExecutionRejected(self._action.name())
            if self._action.name() == ACTION_SESSION_START_NAME:
                # The session start runs again with the next message: an expired session stays expired; a
                # new conversation listens as after a session start (so its first message is understood)
                # and is emptied again by the calm message (calm_events). The turn's next action sends it.
                if _never_started(tracker):
                    return [rejected, UserUtteranceReverted(), ActionExecuted(ACTION_LISTEN_NAME)]
                return [rejected]
            return [rejected, *await self._processor.calm_events(output_channel, nlg, tracker)]


def _never_started(tracker) -> bool:  # noqa: ANN001
    return not any(isinstance(event, SessionStarted) for event in tracker.events)


class NaastMessageProcessor(MessageProcessor):
    def __init__(self, model_path, tracker_store, *args: Any, **kwargs: Any) -> None:  # noqa: ANN001
        if isinstance(tracker_store, FailSafeTrackerStore):
            # Its fallback would start a new, in-memory conversation while the database is away.
            tracker_store = tracker_store._tracker_store  # noqa: SLF001 - checked in install()
        super().__init__(model_path, tracker_store, *args, **kwargs)

    async def handle_message(self, message: UserMessage) -> list[dict[str, Any]] | None:
        message.text = payloads.as_typed_or_button(message.text, self.domain)
        try:
            return await super().handle_message(message)
        except SQLAlchemyError as error:
            logger.error("tracker store unavailable for a message (%s: %s); the resident gets %s",
                         type(error).__name__, error, RESPONSE)
            channel = message.output_channel
            if isinstance(channel, CollectingOutputChannel):
                channel.messages.clear()  # replies of a turn that was not saved would mislead
            await channel.send_response(message.sender_id, self.calm_message())
            return channel.messages if isinstance(channel, CollectingOutputChannel) else None

    def calm_message(self) -> dict[str, Any]:
        """The calm message from the domain's text (no tracker, no NLG server needed)."""
        phone = str(current_resources()["municipality"]["phone"])
        return {"text": self.domain.responses[RESPONSE][0]["text"].replace("{municipality_phone}", phone)}

    async def _run_action(self, action, tracker, output_channel, nlg, prediction) -> bool:  # noqa: ANN001
        guarded = _Guarded(action, self)
        predict_more = await super()._run_action(guarded, tracker, output_channel, nlg, prediction)
        if guarded.unavailable and action.name() != ACTION_SESSION_START_NAME:
            return False  # the turn ends with the calm message
        return predict_more

    async def calm_events(self, output_channel, nlg, tracker) -> list[Event]:  # noqa: ANN001
        phone = str(current_resources()["municipality"]["phone"])
        message: dict[str, Any] | None = None
        try:
            message = await nlg.generate(RESPONSE, tracker, output_channel.name(), municipality_phone=phone)
        except Exception:  # noqa: BLE001 - an NLG server may be away too; the domain's text follows
            logger.exception("NLG failed for %s", RESPONSE)
        if not message:
            message = self.calm_message()
        message["utter_action"] = RESPONSE
        events: list[Event] = [create_bot_utterance(message)]
        applied = tracker.applied_events()
        users = [i for i, event in enumerate(applied) if isinstance(event, UserUttered)]
        if not users:  # no message to take back (an external event): end the turn listening
            return [*events, ActionExecuted(ACTION_LISTEN_NAME)]
        events.append(UserUtteranceReverted())
        # Rasa's rewind also takes back the action_listen before the message; put it back, so the tracker
        # stands exactly as it did while waiting for that message. A conversation whose session start never
        # ran is left empty instead, so the session start runs with the next message.
        if not _never_started(tracker) and any(isinstance(event, ActionExecuted) for event in applied[:users[-1]]):
            events.append(ActionExecuted(ACTION_LISTEN_NAME))
        return events


def install() -> None:
    """Make Rasa build ``NaastMessageProcessor``; fails loudly if Rasa's code is not what this expects."""
    import rasa.core.agent as agent

    current = agent.MessageProcessor
    if current is NaastMessageProcessor:
        return
    if current is not MessageProcessor or not hasattr(MessageProcessor, "_run_action") or \
            "_tracker_store" not in FailSafeTrackerStore.__init__.__code__.co_names:
        raise RuntimeError("bot.rasa_runtime: rasa.core.agent.MessageProcessor is not Rasa 3.6's; check the upgrade")
    agent.MessageProcessor = NaastMessageProcessor
    # Published models are switched to in a worker thread, not by PUT /model (bot/training/switch.py).
    from bot.training.switch import install as install_model_switch

    install_model_switch()
