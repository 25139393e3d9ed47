"""Scrub BSN and IBAN numbers from the resident's text before anything else sees it.

A BSN is 9 digits (spaces or dots allowed between them) that pass the "elfproef"; an IBAN is a Dutch
one (NL, 2 digits, 4 letters, 10 digits, spaces and any case allowed; scrubbed even when mistyped) or
any other country's IBAN that passes the mod-97 check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.notes.texts import load_texts

_SEP = r"[ .\u00a0]?"
_BSN = re.compile(r"(?<![\w€.,])(?<!€ )\d(?:" + _SEP + r"\d){8}(?![\w]|[.,]\d)")
_NL_IBAN = re.compile(
    r"(?<![A-Za-z0-9])NL\s?\d{2}\s?(?:[A-Z]\s?){4}(?:\d\s?){9}\d(?![A-Za-z0-9])", re.IGNORECASE
)
_ANY_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}", re.IGNORECASE)
_SHORTEST_IBAN = 15  # Norway


@dataclass
class ScrubResult:
    text: str
    counts: dict[str, int] = field(default_factory=lambda: {"bsn": 0, "iban": 0})


def is_bsn(digits: str) -> bool:
    """The Dutch "elfproef" for a 9-digit BSN."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def is_iban(compact: str) -> bool:
    """The ISO 13616 mod-97 check on an IBAN without spaces."""
    compact = compact.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def scrub(text: str) -> ScrubResult:
    """Replace BSN and IBAN numbers by markers; count what was replaced."""
    result = ScrubResult(text)
    result.text = _replace(result, "iban", _NL_IBAN, lambda m: m.group(0), result.text)
    result.text = _replace(result, "iban", _ANY_IBAN, _valid_iban_prefix, result.text)
    result.text = _replace(result, "bsn", _BSN, _valid_bsn, result.text)
    return result


def _replace(result: ScrubResult, kind: str, pattern: re.Pattern[str],
             accept: Callable[[re.Match[str]], str | None], text: str) -> str:
    mark = load_texts()["scrub_markers"][kind]

    def substitute(match: re.Match[str]) -> str:
        found = accept(match)
        if not found:
            return match.group(0)
        result.counts[kind] += 1
        return mark + match.group(0)[len(found) :]  # give back what the pattern ate after the number

    return pattern.sub(substitute, text)


def _valid_bsn(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    return match.group(0) if is_bsn(digits) else None


def _valid_iban_prefix(match: re.Match[str]) -> str | None:
    """The longest leading part of the match that is a valid IBAN (the pattern may eat a word)."""
    raw = match.group(0)
    ends = [i + 1 for i, ch in enumerate(raw) if not ch.isspace()]
    for end in reversed(ends):
        compact = re.sub(r"\s", "", raw[:end])
        if len(compact) < _SHORTEST_IBAN:
            break
        if is_iban(compact):
            return raw[:end]
    return None
