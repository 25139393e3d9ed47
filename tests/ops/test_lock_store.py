"""Naast's Redis lock store for Rasa (bot/rasa_runtime/lock_store.py) against a real redis-server: the
lock a killed replica left behind is given up when it expires, and while Redis is away the locks live
in memory, back in Redis once it answers."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

from bot.processes import free_port
from bot.prod import redis_binary
from bot.rasa_runtime import lock_store
from bot.rasa_runtime.lock_store import FailoverRedisLockStore


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen([redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.StrictRedis(port=self.port, db=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def server() -> Iterator[RedisServer]:
    if redis_binary() is None:
        pytest.skip("needs redis-server: run scripts/system-packages.sh")
    running = RedisServer().start()
    yield running
    running.stop()


def _store(server: RedisServer) -> FailoverRedisLockStore:
    return FailoverRedisLockStore(EndpointConfig(url="127.0.0.1", port=server.port, db=1, key_prefix="naast"))


def test_a_lock_left_by_a_killed_replica_is_given_up_when_it_expires(server: RedisServer) -> None:
    store = _store(server)
    # What a replica killed while handling a message leaves: its ticket, no one to remove it. The next
    # message's ticket is issued a moment later with the same lifetime (Rasa would wait for ever here).
    left = TicketLock("c1")
    left.issue_ticket(1.5)
    store.save_lock(left)

    async def message() -> str:
        async with store.lock("c1", lock_lifetime=1.5, wait_time_in_seconds=0.2):
            return "handled"

    assert asyncio.run(asyncio.wait_for(message(), 60)) == "handled"
    assert store.get_lock("c1") is None  # cleaned up


def test_messages_of_one_conversation_still_go_one_after_another(server: RedisServer) -> None:
    store = _store(server)
    order: list[str] = []

    async def message(name: str, seconds: float) -> None:
        async with store.lock("c2", wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    async def both() -> None:
        first = asyncio.create_task(message("first", 0.5))
        await asyncio.sleep(0.1)
        await asyncio.gather(first, message("second", 0))

    asyncio.run(both())
    assert order == ["first in", "first out", "second in", "second out"]


def test_while_redis_is_away_locks_are_kept_in_memory_and_go_back(server: RedisServer, monkeypatch) -> None:
    monkeypatch.setattr(lock_store, "RETRY_SECONDS", 0.2)
    store = _store(server)
    server.stop()

    async def message() -> str:
        async with store.lock("c3", wait_time_in_seconds=0.05):
            assert store.degraded
            return "handled"

    assert asyncio.run(message()) == "handled"
    assert store.memory.conversation_locks == {}  # released
    server.start()
    time.sleep(0.3)
    assert store.get_lock("c3") is None and not store.degraded  # Redis again
    store.save_lock(TicketLock("c4"))
    assert redis.StrictRedis(port=server.port, db=1).get("naast:lock:c4") is not None
