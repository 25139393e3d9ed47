"""Short note references for residents and professionals: ``NST-7K3Q``."""

from __future__ import annotations

import re
import secrets

PREFIX = "NST-"
# No 0/O, 1/I/L: a reference is read aloud on the phone and typed from a screen.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
_PATTERN = re.compile(r"NST-?([" + ALPHABET + r"]{" + str(LENGTH) + r"})")


def new_reference() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(text: str) -> str | None:
    """``" nst 7k3q "`` -> ``"NST-7K3Q"``; None when it cannot be a reference."""
    compact = re.sub(r"\s", "", text).upper()
    match = _PATTERN.fullmatch(compact)
    return PREFIX + match.group(1) if match else None
