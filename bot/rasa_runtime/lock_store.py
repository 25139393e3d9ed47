"""Rasa's Redis lock store that keeps answering while Redis is away (``endpoints.prod.yml``).

Why: in the production topology nginx routes each conversation to one Rasa replica (bot/prod.py), so
the lock that matters day to day is the one inside the replica; Redis only serialises a conversation
while it moves to another replica (one died). Rasa's own ``RedisLockStore`` raises ``LockError`` on
every message while Redis is down, and the resident gets no answer at all. This subclass then falls
back to Rasa's ``InMemoryLockStore`` (the embedded default's lock) for as long as Redis fails, and goes
back to Redis once it answers again and no conversation holds an in-memory lock (switching stores
under a held lock would make Rasa think that lock had expired).

What is lost while Redis is down: only the serialisation of a conversation whose replica died during
the outage (two messages sent at that moment could interleave). Logged as a warning once per outage.

**A waiter whose own ticket expired.** Rasa 3.6's ``LockStore._acquire_lock`` waits until the first
live ticket is its own. When the ticket in front of it belongs to a replica that was killed, and its
own ticket expires too before it looks again (both were issued within a second of each other, with the
same lifetime), no ticket is left, ``now_serving`` is 0, and it waits for ever: the conversation is
silent until the resident's browser gives up, and every later message of it queues behind (found by
tests/ops/test_faults.py). Here a message goes ahead as soon as no live ticket is *in front of* it,
whether its own is still there or not; the order of the live tickets is Rasa's.
"""

from __future__ import annotations

import asyncio
import logging
import time

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
if not hasattr(RedisLockStore, "_acquire_lock"):  # the one private method overridden below
    raise RuntimeError("bot.rasa_runtime.lock_store: Rasa's LockStore is not 3.6's; check the upgrade")
# While in memory, Redis is tried again at most this often (each try costs a connect timeout).
RETRY_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 2.0


class FailoverRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with an in-memory fallback while Redis is unavailable."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        kwargs = dict(endpoint_config.kwargs)
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        super().__init__(host=endpoint_config.url, **kwargs)
        self.memory = InMemoryLockStore()
        self._down_since: float | None = None
        self._next_try = 0.0

    @property
    def degraded(self) -> bool:
        """True while locks are kept in this process's memory (Redis failed)."""
        return self._down_since is not None

    def _use_memory(self) -> bool:
        if self._down_since is None:
            return False
        if self.memory.conversation_locks or time.monotonic() < self._next_try:
            return True
        try:
            self.red.ping()
        except RedisError:
            self._next_try = time.monotonic() + RETRY_SECONDS
            return True
        logger.warning("Redis answers again after %.0f s: conversation locks are in Redis again",
                       time.monotonic() - self._down_since)
        self._down_since = None
        return False

    def _failed(self, error: RedisError) -> None:
        if self._down_since is None:
            logger.warning("Redis is unavailable (%s): conversation locks are kept in this replica's memory "
                           "until it is back", error)
            self._down_since = time.monotonic()
        self._next_try = time.monotonic() + RETRY_SECONDS

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        if not self._use_memory():
            try:
                return super().get_lock(conversation_id)
            except RedisError as error:
                self._failed(error)
        return self.memory.get_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        if not self._use_memory():
            try:
                super().save_lock(lock)
                return
            except RedisError as error:
                self._failed(error)
        self.memory.save_lock(lock)

    def delete_lock(self, conversation_id: str) -> None:
        if not self._use_memory():
            try:
                super().delete_lock(conversation_id)
                return
            except RedisError as error:
                self._failed(error)
        self.memory.delete_lock(conversation_id)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:  # deleted meanwhile: nobody is in front
                return TicketLock(conversation_id)
            if not any(other.number < ticket and not other.has_expired() for other in lock.tickets):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
