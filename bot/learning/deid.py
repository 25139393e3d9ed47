"""De-identify a resident's message before anything of it is stored for editors.

``deduce`` (PyPI; the de-identifier of Dutch text from UMC Utrecht) finds names, addresses, places,
phone numbers, e-mail addresses, dates, ages, URLs and BSN-like numbers and replaces each with a tag
such as ``[PERSOON-1]``. Naast adds two patterns of its own on top: a BSN (nine digits that pass the
11-proof, also with dots or spaces) and an IBAN (``NL91 ABNA 0417 1643 00`` in any spacing), which
are replaced before deduce runs. Why a library: deduce's lookup lists (first names, surnames, streets,
places) are far beyond what Naast could keep itself.

deduce 3.0.4's wheel lacks its ``base_config.json``; ``deduce_config.json`` here is that file from the
same release's source. Its lookup structures are built once (about a minute) into
``NAAST_DEDUCE_CACHE_DIR`` (default ``.naast/deduce``), never into site-packages.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).resolve().parent / "deduce_config.json"
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
NINE_DIGITS = re.compile(r"(?<![\d-])(\d[\s.]?){8}\d(?![\d-])")
_lock = threading.Lock()
_deduce: Any = None


def elf_proof(digits: str) -> bool:
    """The BSN 11-proof: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0 and total != 0


def _bsn(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[BSN]" if elf_proof(digits) else match.group(0)


def _iban(match: re.Match[str]) -> str:
    text = re.sub(r"\s", "", match.group(0)).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        return match.group(0)
    moved = text[4:] + text[:4]
    number = int("".join(str(int(c, 36)) for c in moved))
    return "[IBAN]" if number % 97 == 1 else match.group(0)


def own_patterns(text: str) -> str:
    return NINE_DIGITS.sub(_bsn, IBAN.sub(_iban, text))


def deducer(cache_dir: Path) -> Any:
    """The one Deduce instance of this process (loading takes seconds, building a minute)."""
    global _deduce
    with _lock:
        if _deduce is None:
            from deduce import Deduce

            cache_dir.mkdir(parents=True, exist_ok=True)
            _deduce = Deduce(load_base_config=False, config=json.loads(CONFIG.read_text(encoding="utf-8")),
                             cache_path=cache_dir)
        return _deduce


def deidentify(text: str, cache_dir: Path) -> str:
    """``text`` with every name, address, number and date replaced by a tag."""
    return deducer(cache_dir).deidentify(own_patterns(text)).deidentified_text
