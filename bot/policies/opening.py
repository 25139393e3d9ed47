"""OpeningPolicy: whatever the first message of a session is, the resident gets the opening.

Rules can only match named intents, and a first message can be anything: a story the classifier
calls ``dont_know`` ("Ik weet het allemaal niet meer"), a fallback, a bare "nee", an e-mail address.
Issue 10 saw such openings get "Dat snap ik niet helemaal" again and again. This policy predicts
``action_open`` for the first user message while the ``opened`` slot is false, so a rule
(data/rules/opening.yml) then starts the intake. ``action_open`` decides what the message was (a
story to build on, a question to answer first, a request for a person).

It stays out of the way for a crisis (the safety rules give the resources first, then open) and for
Rasa's own intents (restart, session start).
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

OPEN_ACTION = "action_open"
OPENED_SLOT = "opened"
# Intents another rule answers first: the crisis resources come before the opening.
LEFT_TO_RULES = {"crisis_suicide", "crisis_violence", "crisis_acute", "restart", "session_start", "back"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True)
class OpeningPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6): a rule for a first `greet` must not race this policy.
        return {"priority": 7}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if self._is_first_message(tracker) and OPEN_ACTION in domain.action_names_or_texts:
            probabilities[domain.index_for_action(OPEN_ACTION)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _is_first_message(tracker: DialogueStateTracker) -> bool:
        if tracker.get_slot(OPENED_SLOT) or tracker.active_loop_name:
            return False
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.latest_message is None:
            return False
        intent = tracker.latest_message.intent.get("name")
        return bool(tracker.latest_message.text or intent) and intent not in LEFT_TO_RULES
