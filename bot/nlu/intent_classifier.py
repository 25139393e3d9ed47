"""Rasa's logistic regression intent classifier, with its regularisation and class weights as settings.

Rasa 3.6's ``LogisticRegressionClassifier`` fixes scikit-learn's ``C`` at 1.0 and weighs every intent
equally (``class_weight="balanced"``). On Naast's data that leaves short, common answers ("niemand",
"'s middags na twee uur") below the fallback threshold: ``tell`` has many examples and is weighed
down, and a strongly regularised model spreads its probability thin. Both are chosen by
cross-validation in config.yml; training, prediction and the saved model are Rasa's own.

A message without features (only spaces or line breaks: no token) made Rasa's component fail the
whole parse (a server error for the resident); it gets no intent instead, so the FallbackClassifier
and the message screen treat it as the empty message it is.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "class_weight": "balanced"}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]), class_weight=self.config["class_weight"] or None)

    def process(self, messages: list[Message]) -> list[Message]:
        featured = [m for m in messages if _has_features(m)]
        for message in messages:
            if not _has_features(message):
                message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        if featured:
            super().process(featured)
        return messages


def _has_features(message: Message) -> bool:
    return message.get_sparse_features(TEXT)[1] is not None or message.get_dense_features(TEXT)[1] is not None
