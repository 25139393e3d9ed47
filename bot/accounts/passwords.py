"""Password hashing with Argon2id (memory-hard), cost from the settings; tokens with SHA-256.

Hashing is slow on purpose (tens of milliseconds, 64 MiB): the web app calls it in a worker thread.
API tokens are 256-bit random strings, so a plain SHA-256 of them is enough to store.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "naast_"


@lru_cache(maxsize=8)
def hasher(time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
                          hash_len=32, salt_len=16, type=Type.ID)


def hasher_for(settings: object) -> PasswordHasher:
    return hasher(getattr(settings, "password_time_cost", 3), getattr(settings, "password_memory_kib", 65536),
                  getattr(settings, "password_parallelism", 4))


def hash_password(ph: PasswordHasher, password: str) -> str:
    return ph.hash(password)


def verify_password(ph: PasswordHasher, stored: str | None, password: str) -> bool:
    """True when ``password`` matches; an account without a password never matches."""
    if not stored:
        # Spend the same time as a real check, so a missing account or password is not visible.
        _dummy_check(ph, password)
        return False
    try:
        return ph.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy_check(ph: PasswordHasher, password: str) -> None:
    try:
        ph.verify(_dummy_hash(ph), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


@lru_cache(maxsize=8)
def _dummy_hash_cached(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return hasher(time_cost, memory_cost, parallelism).hash(secrets.token_urlsafe(16))


def _dummy_hash(ph: PasswordHasher) -> str:
    return _dummy_hash_cached(ph.time_cost, ph.memory_cost, ph.parallelism)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
