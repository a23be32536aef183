"""Incidents in the store: round trips, queries, numbering, rollback, request keys, channels."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from incidents import commands as c
from incidents.timers import pending_timers
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import POLICY, T0, act, closed, declare, eventful, minutes


async def test_save_then_load_gives_back_the_same_incident(store: AnyStore) -> None:
    """Every field survives a round trip: roles, on-call, updates, action items, fired timers."""
    incident = eventful(1)
    assert incident.fired_timers
    assert incident.oncall is not None
    assert incident.communications_lead is not None
    assert len(incident.status_updates) == 2
    assert incident.action_items[0].done_at is not None
    async with store.transaction() as uow:
        await uow.save(incident)
    async with store.transaction() as uow:
        loaded = await uow.load(1)
    assert loaded == incident
    assert loaded is not None
    assert all(entry.at.utcoffset() == timedelta(0) for entry in loaded.timeline)


async def test_saving_again_appends_only_the_new_timeline_entries(
    store: AnyStore, backend: Backend
) -> None:
    """A second save adds the new entries and rewrites none of the stored ones."""
    incident = declare(1).incident
    async with store.transaction() as uow:
        await uow.save(incident)
    later = act(incident, c.AddNote(text="Paused the batch"), at=T0 + minutes(5))
    later = act(later, c.Acknowledge(), at=T0 + minutes(6))
    async with store.transaction() as uow:
        await uow.save(later)
        await uow.save(later)  # saving an unchanged incident appends nothing
    rows = await backend.fetch("SELECT seq, kind FROM timeline WHERE incident = 1 ORDER BY seq")
    assert len(incident.timeline) == 2
    assert rows == [(seq, entry.kind.value) for seq, entry in enumerate(later.timeline)]
    async with store.transaction() as uow:
        assert await uow.load(1) == later


async def test_load_of_an_unknown_number_is_none(store: AnyStore) -> None:
    """Loading a number never saved gives None."""
    async with store.transaction() as uow:
        assert await uow.load(404) is None


async def test_open_incidents_excludes_closed_ones(store: AnyStore) -> None:
    """open_incidents lists every incident not closed, by number."""
    async with store.transaction() as uow:
        await uow.save(eventful(3))
        await uow.save(closed(1))
        await uow.save(declare(2).incident)
    async with store.transaction() as uow:
        found = await uow.open_incidents()
    assert [incident.number for incident in found] == [2, 3]
    assert found[1] == eventful(3)


async def test_incidents_since_includes_the_boundary(store: AnyStore) -> None:
    """incidents_since lists those declared at or after the instant, closed ones included."""
    async with store.transaction() as uow:
        await uow.save(closed(1, at=T0))
        await uow.save(closed(2, at=T0 + minutes(60)))
        await uow.save(declare(3, at=T0 + minutes(120)).incident)
    async with store.transaction() as uow:
        since = await uow.incidents_since(T0 + minutes(60))
        everything = await uow.incidents_since(T0 - minutes(1))
        nothing = await uow.incidents_since(T0 + minutes(121))
    assert [incident.number for incident in since] == [2, 3]
    assert [incident.number for incident in everything] == [1, 2, 3]
    assert nothing == []


async def test_concurrent_transactions_allocate_distinct_numbers(store: AnyStore) -> None:
    """100 transactions allocating at once get 1..100, each exactly once."""

    async def allocate() -> int:
        async with store.transaction() as uow:
            return await uow.allocate_number()

    numbers = await asyncio.gather(*(allocate() for _ in range(100)))
    assert sorted(numbers) == list(range(1, 101))


class Boom(Exception):
    """A failure in the middle of a transaction."""


async def open_then_fail(store: AnyStore) -> None:
    """Do everything opening an incident does in one transaction, then raise."""
    async with store.transaction() as uow:
        number = await uow.allocate_number()
        decision = declare(number)
        await uow.save(decision.incident)
        await uow.enqueue(decision.messages, platform="console", now=T0)
        await uow.replace_timers(number, pending_timers(decision.incident, POLICY))
        await uow.remember_request("slack:trigger-1", T0)
        await uow.bind_channel(number, "console", "incident-1")
        raise Boom


async def test_a_transaction_that_raises_leaves_nothing_behind(store: AnyStore) -> None:
    """Incident, number, outbox, timers, request key and channel all roll back together."""
    with pytest.raises(Boom):
        await open_then_fail(store)
    async with store.transaction() as uow:
        assert await uow.load(1) is None
        assert await uow.channel_of(1, "console") is None
        assert await uow.remember_request("slack:trigger-1", T0)
        assert await uow.allocate_number() == 1
    assert await store.list_outbox(undelivered_only=False, limit=10) == []
    assert await store.outbox_counts() == {}
    assert await store.next_timer_due() is None


async def test_remember_request_is_true_once(store: AnyStore) -> None:
    """A request key is new the first time only, across transactions; other keys stay new."""
    async with store.transaction() as uow:
        assert await uow.remember_request("slack:trigger-1", T0) is True
        assert await uow.remember_request("slack:trigger-1", T0) is False
    async with store.transaction() as uow:
        assert await uow.remember_request("slack:trigger-1", T0 + minutes(1)) is False
        assert await uow.remember_request("slack:trigger-2", T0 + minutes(1)) is True


async def test_channels_map_both_ways(store: AnyStore) -> None:
    """A bound channel is found from the incident and the incident from the channel."""
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
        await uow.save(declare(2).incident)
        await uow.bind_channel(1, "slack", "C111")
        await uow.bind_channel(2, "slack", "C222")
        await uow.bind_channel(1, "discord", "42")
        await uow.bind_channel(1, "slack", "C111")  # a retried bind is harmless
    async with store.transaction() as uow:
        assert await uow.channel_of(1, "slack") == "C111"
        assert await uow.channel_of(1, "discord") == "42"
        assert await uow.channel_of(2, "discord") is None
        assert await uow.incident_in_channel("slack", "C222") == 2
        assert await uow.incident_in_channel("discord", "42") == 1
        assert await uow.incident_in_channel("discord", "C111") is None


async def test_lock_incident_is_false_for_an_unknown_incident(store: AnyStore) -> None:
    """Locking succeeds for a stored incident and fails for a number never saved."""
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
    async with store.transaction() as uow:
        assert await uow.lock_incident(1) is True
        assert await uow.lock_incident(2) is False
