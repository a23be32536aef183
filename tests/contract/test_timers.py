"""Durable timers in the store: replacing, what is due, and claiming them across replicas."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from tests.contract.backends import AnyStore, Backend, only_postgres
from tests.contract.builders import T0, declare, minutes, timer


async def test_due_timers_follow_the_stored_rows(store: AnyStore) -> None:
    """replace_timers sets exactly the given timers; due queries see due_at <= now."""
    assert await store.next_timer_due() is None
    async with store.transaction() as uow:
        for number in (1, 2, 3):
            await uow.save(declare(number).incident)
        await uow.replace_timers(1, [timer("a", T0 + minutes(10)), timer("b", T0 + minutes(20))])
        await uow.replace_timers(2, [timer("c", T0 + minutes(5))])
        await uow.replace_timers(3, [timer("d", T0 + minutes(60))])
    first = await store.next_timer_due()
    assert first == T0 + minutes(5)
    assert first is not None
    assert first.utcoffset() == timedelta(0)
    assert await store.incidents_with_due_timers(T0 + minutes(4), 10) == []
    assert await store.incidents_with_due_timers(T0 + minutes(15), 10) == [2, 1]
    assert await store.incidents_with_due_timers(T0 + minutes(15), 1) == [2]
    async with store.transaction() as uow:
        assert await uow.due_timers(1, T0 + minutes(15)) == [("a", T0 + minutes(10))]
        assert await uow.due_timers(1, T0 + minutes(20)) == [
            ("a", T0 + minutes(10)),
            ("b", T0 + minutes(20)),
        ]
        await uow.replace_timers(1, [timer("b", T0 + minutes(20))])
        await uow.replace_timers(2, [])
    async with store.transaction() as uow:
        assert await uow.due_timers(1, T0 + minutes(60)) == [("b", T0 + minutes(20))]
        assert await uow.due_timers(2, T0 + minutes(60)) == []
    assert await store.incidents_with_due_timers(T0 + minutes(60), 10) == [1, 3]
    assert await store.next_timer_due() == T0 + minutes(20)


async def test_replicas_claim_each_due_timer_exactly_once(
    store: AnyStore, backend: Backend
) -> None:
    """Three replicas sweeping 1,000 due timers at once fire every one of them exactly once."""
    only_postgres(backend)
    template = declare(1).incident
    async with store.transaction() as uow:
        for number in range(1, 1001):
            await uow.save(replace(template, number=number))
            await uow.replace_timers(number, [timer(f"t{number}", T0 + minutes(number % 7))])
    now = T0 + minutes(10)

    async def replica(replica_store: AnyStore) -> list[tuple[int, str]]:
        claimed: list[tuple[int, str]] = []
        while numbers := await replica_store.incidents_with_due_timers(now, 50):
            for number in numbers:
                async with replica_store.transaction() as uow:
                    if await uow.lock_incident(number):
                        claimed += [(number, key) for key, _ in await uow.due_timers(number, now)]
                        await uow.replace_timers(number, [])
        return claimed

    replicas = [await backend.open() for _ in range(3)]
    try:
        results = await asyncio.gather(*(replica(each) for each in replicas))
    finally:
        for each in replicas:
            await each.close()
    counts = Counter(pair for claimed in results for pair in claimed)
    assert set(counts) == {(number, f"t{number}") for number in range(1, 1001)}
    assert max(counts.values()) == 1
    assert sum(1 for claimed in results if claimed) >= 2  # the sweep really was concurrent
    assert await store.next_timer_due() is None
