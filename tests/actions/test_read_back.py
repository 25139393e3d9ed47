"""Pointing at a part of the read-back: the new text is taken only when the resident gave it."""

from __future__ import annotations

import pytest

from actions.read_back import ActionStartCorrection, section_in, text_after_pointer
from tests.actions.support import run, slot_events, tracker


@pytest.mark.parametrize(
    ("text", "section", "new_text"),
    [
        ("nee, bij wat zou helpen bedoel ik een maatje om mee te wandelen", "what_would_help",
         "een maatje om mee te wandelen"),
        # Seen in a real conversation: this says a change is coming, it is not the change.
        ("nee, bij wat zou helpen wil ik iets anders zeggen", "what_would_help", None),
        ("bij wat er speelt klopt niet helemaal", "situation", None),
        ("bij wat zou helpen", "what_would_help", None),
    ],
)
def test_new_text_only_when_given(text: str, section: str, new_text: str | None) -> None:
    found, end = section_in({"text": text, "entities": []})
    assert found == section
    end = end or text.lower().index(next(w for w in ("helpen", "speelt") if w in text)) + len(
        "helpen" if "helpen" in text else "speelt")
    assert text_after_pointer(text, end) == new_text


async def test_start_correction_asks_for_the_text_when_none_was_given() -> None:
    text = "nee, bij wat zou helpen wil ik iets anders zeggen"
    entity = {"entity": "section", "value": "what_would_help", "start": 8, "end": 23}
    _, _, events = await run(ActionStartCorrection(), tracker(text, intent="correct", entities=[entity]))
    assert slot_events(events) == {"correct_section": "what_would_help", "correction_text": None}
