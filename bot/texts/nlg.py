"""Rasa's response generator over the text store: published edits live for the next message, no retrain.

Configured in endpoints.yml (``nlg: type: bot.texts.nlg.TextStoreNLG``). Rasa builds it with the
endpoint config and gives it the trained domain's responses (``Agent.load_model`` sets ``responses``
on every ``TemplatedNaturalLanguageGenerator``). For a response name in the trained domain with a
published edit, the edit's variations are used; otherwise (no edit, or the text database unavailable)
the trained domain's. Picking a variation (conditions, channel), filling ``{slots}`` and keeping
buttons is Rasa's own code, so an edited text behaves exactly like a trained one.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.texts import live

logger = logging.getLogger(__name__)


class TextStoreNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__(domain.responses if domain else {})
        url = (endpoint_config.kwargs.get("database_url") if endpoint_config else None) or live.database_url()
        self.texts = live.shared(str(url))

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        if utter_action not in self.responses:  # only names of the trained domain, like Rasa itself
            return None
        snapshot = await self.texts.snapshot_async()
        edited = snapshot.texts.get(utter_action) if snapshot is not None else None
        filled_slots = tracker.current_slot_values()
        if not edited:
            return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        return self._from_variations(utter_action, edited, filled_slots, output_channel, **kwargs)

    def _from_variations(self, utter_action: str, variations: list[dict[str, Any]], filled_slots: dict[str, Any],
                         output_channel: str, **kwargs: Any) -> dict[str, Any] | None:
        import numpy as np

        suitable = ResponseVariationFilter({utter_action: variations}).responses_for_utter_action(
            utter_action, output_channel, filled_slots)
        if not suitable:
            # An edit whose conditions fit nobody here: the trained text rather than silence.
            return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        chosen = copy.deepcopy(suitable[np.random.randint(len(suitable))])
        return self._fill_response(chosen, filled_slots, **kwargs)
