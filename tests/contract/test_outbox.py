"""The outbox: enqueued with the incident, leased to one sender, retried, given up, in order."""

from __future__ import annotations

from datetime import timedelta

from incidents.ports import OutboxItem
from tests.contract.backends import AnyStore
from tests.contract.builders import T0, declare, minutes, note

LEASE = minutes(1)


async def enqueue_notes(store: AnyStore, *notes: tuple[int, str]) -> None:
    """Enqueue one note per (incident, text), in order, at T0."""
    async with store.transaction() as uow:
        await uow.enqueue([note(number, text) for number, text in notes], platform="slack", now=T0)


def texts(items: list[OutboxItem]) -> list[str]:
    """The plain text of each item."""
    return [item.message.plain_text() for item in items]


async def test_messages_enqueued_with_the_incident_are_stored_with_it(store: AnyStore) -> None:
    """Messages enqueued in the save's transaction are listed newest first, as they were."""
    decision = declare(1)
    async with store.transaction() as uow:
        await uow.save(decision.incident)
        await uow.enqueue(decision.messages, platform="slack", now=T0)
    items = await store.list_outbox(undelivered_only=False, limit=10)
    assert [item.message for item in reversed(items)] == list(decision.messages)
    assert [item.id for item in items] == sorted((item.id for item in items), reverse=True)
    assert {
        (item.platform, item.attempts, item.created_at, item.next_attempt_at) for item in items
    } == {("slack", 0, T0, T0)}
    assert all(item.created_at.utcoffset() == timedelta(0) for item in items)
    assert [item.message for item in await store.list_outbox(undelivered_only=True, limit=1)] == [
        decision.messages[-1]
    ]
    assert await store.next_outbox_due() == T0
    assert await store.outbox_counts() == {"pending": len(decision.messages)}


async def test_a_claim_leases_items_until_the_lease_ends(store: AnyStore) -> None:
    """Claimed items are not claimed again before the lease ends, and are after it."""
    await enqueue_notes(store, (1, "one"), (2, "two"))
    claimed = await store.claim_outbox(T0, T0 + LEASE, 10)
    assert texts(claimed) == ["one", "two"]
    assert [(item.attempts, item.next_attempt_at) for item in claimed] == [(1, T0 + LEASE)] * 2
    assert await store.claim_outbox(T0 + LEASE / 2, T0 + LEASE * 2, 10) == []
    again = await store.claim_outbox(T0 + LEASE, T0 + LEASE * 2, 1)
    assert texts(again) == ["one"]
    assert again[0].attempts == 2


async def test_a_delivered_item_is_not_claimed_again(store: AnyStore) -> None:
    """mark_delivered takes the item out of the queue for good."""
    await enqueue_notes(store, (1, "one"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10)
    await store.mark_delivered(item.id, T0 + minutes(0.5))
    assert await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10) == []
    assert await store.list_outbox(undelivered_only=True, limit=10) == []
    [delivered] = await store.list_outbox(undelivered_only=False, limit=10)
    assert delivered.delivered_at == T0 + minutes(0.5)
    assert await store.next_outbox_due() is None
    assert await store.outbox_counts() == {"delivered": 1}


async def test_a_failed_attempt_waits_for_its_retry_time(store: AnyStore) -> None:
    """mark_failed with retry_at keeps the item back until then, with the error recorded."""
    await enqueue_notes(store, (1, "one"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10)
    await store.mark_failed(item.id, "rate limited", T0 + minutes(5), T0)
    assert await store.next_outbox_due() == T0 + minutes(5)
    assert await store.claim_outbox(T0 + minutes(4), T0 + minutes(5), 10) == []
    [retried] = await store.claim_outbox(T0 + minutes(5), T0 + minutes(6), 10)
    assert (retried.id, retried.attempts, retried.last_error) == (item.id, 2, "rate limited")


async def test_an_item_given_up_on_is_dead_but_still_listed(store: AnyStore) -> None:
    """mark_failed without retry_at marks the item dead: never claimed, listed with its error."""
    await enqueue_notes(store, (1, "one"), (1, "two"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10)
    await store.mark_failed(item.id, "channel_not_found", None, T0 + minutes(0.5))
    claimed = await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10)
    assert texts(claimed) == ["two"]  # a dead item no longer holds back later ones
    listed = await store.list_outbox(undelivered_only=True, limit=10)
    dead = next(each for each in listed if each.id == item.id)
    assert (dead.last_error, dead.dead_at, dead.delivered_at) == (
        "channel_not_found",
        T0 + minutes(0.5),
        None,
    )
    assert await store.outbox_counts() == {"dead": 1, "pending": 1}


async def test_a_later_message_waits_for_the_earlier_one_of_its_incident(store: AnyStore) -> None:
    """Per incident, messages go out in order; other incidents' messages are not held back."""
    await enqueue_notes(store, (1, "first"), (1, "second"), (2, "other"), (1, "third"))
    claimed = await store.claim_outbox(T0, T0 + LEASE, 10)
    assert texts(claimed) == ["first", "other"]
    after_lease = T0 + LEASE
    await store.mark_delivered(claimed[1].id, after_lease)
    [first] = await store.claim_outbox(after_lease, after_lease + LEASE, 10)
    assert texts([first]) == ["first"]  # retried, still ahead of "second"
    await store.mark_delivered(first.id, after_lease)
    assert texts(await store.claim_outbox(after_lease, after_lease + LEASE, 10)) == ["second"]


async def test_outbox_counts_by_state(store: AnyStore) -> None:
    """outbox_counts tells delivered, pending and dead apart and omits empty states."""
    assert await store.outbox_counts() == {}
    await enqueue_notes(store, (1, "delivered"), (2, "dead"), (3, "pending"), (4, "pending"))
    delivered, dead, *_ = await store.claim_outbox(T0, T0 + LEASE, 10)
    await store.mark_delivered(delivered.id, T0)
    await store.mark_failed(dead.id, "gone", None, T0)
    assert await store.outbox_counts() == {"delivered": 1, "dead": 1, "pending": 2}


async def test_backlog_and_pruning_of_delivered_messages(store: AnyStore) -> None:
    """The backlog counts only waiting items; pruning drops old delivered ones, nothing else."""
    from datetime import UTC, datetime, timedelta

    from incidents.messages import Audience, Message

    t0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    message = Message(kind="note", audience=Audience.INCIDENT, text=("hi",), incident=None)
    async with store.transaction() as uow:
        await uow.enqueue([message, message, message], platform="console", now=t0)
    claimed = await store.claim_outbox(t0, t0 + timedelta(seconds=15), 10)
    await store.mark_delivered(claimed[0].id, t0)
    await store.mark_delivered(claimed[1].id, t0 + timedelta(days=10))
    assert await store.outbox_backlog() == 1
    async with store.transaction() as uow:
        assert await uow.prune_outbox(t0 + timedelta(days=7)) == 1
    remaining = await store.list_outbox(undelivered_only=False, limit=10)
    assert sorted(item.id for item in remaining) == sorted([claimed[1].id, claimed[2].id])
