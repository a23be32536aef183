"""The outbox: enqueued with the incident, leased to one sender, retried, given up, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidents.messages import Audience, Message, MessageKind
from incidents.ports import OutboxItem
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import T0, declare, minutes, note

LEASE = minutes(1)
A, B = "sender-a", "sender-b"


async def enqueue_notes(store: AnyStore, *notes: tuple[int, str], at: datetime = T0) -> None:
    """Enqueue one note per (incident, text), in order, at `at` (T0)."""
    async with store.transaction() as uow:
        await uow.enqueue([note(number, text) for number, text in notes], platform="slack", now=at)


async def enqueue_reminder(store: AnyStore, number: int, text: str, at: datetime) -> None:
    """Enqueue a status reminder for incident `number` saying `text`."""
    reminder = Message(
        kind=MessageKind.STATUS_REMINDER, audience=Audience.INCIDENT, text=(text,), incident=number
    )
    async with store.transaction() as uow:
        await uow.enqueue([reminder], platform="slack", now=at)


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
    claimed = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    assert texts(claimed) == ["one", "two"]
    assert [(item.attempts, item.next_attempt_at) for item in claimed] == [(1, T0 + LEASE)] * 2
    assert await store.claim_outbox(T0 + LEASE / 2, T0 + LEASE * 2, 10, sender=A) == []
    again = await store.claim_outbox(T0 + LEASE, T0 + LEASE * 2, 1, sender=A)
    assert texts(again) == ["one"]
    assert again[0].attempts == 2


async def test_a_delivered_item_is_not_claimed_again(store: AnyStore) -> None:
    """mark_delivered takes the item out of the queue for good."""
    await enqueue_notes(store, (1, "one"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    await store.mark_delivered(item.id, T0 + minutes(0.5))
    assert await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10, sender=A) == []
    assert await store.list_outbox(undelivered_only=True, limit=10) == []
    [delivered] = await store.list_outbox(undelivered_only=False, limit=10)
    assert delivered.delivered_at == T0 + minutes(0.5)
    assert await store.next_outbox_due() is None
    assert await store.outbox_counts() == {"delivered": 1}


async def test_a_failed_attempt_waits_for_its_retry_time(store: AnyStore) -> None:
    """mark_failed with retry_at keeps the item back until then, with the error recorded."""
    await enqueue_notes(store, (1, "one"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    await store.mark_failed(item.id, "rate limited", T0 + minutes(5), T0)
    assert await store.next_outbox_due() == T0 + minutes(5)
    assert await store.claim_outbox(T0 + minutes(4), T0 + minutes(5), 10, sender=A) == []
    [retried] = await store.claim_outbox(T0 + minutes(5), T0 + minutes(6), 10, sender=A)
    assert (retried.id, retried.attempts, retried.last_error) == (item.id, 2, "rate limited")


async def test_an_item_given_up_on_is_dead_but_still_listed(store: AnyStore) -> None:
    """mark_failed without retry_at marks the item dead: never claimed, listed with its error."""
    await enqueue_notes(store, (1, "one"), (1, "two"))
    [item] = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    await store.mark_failed(item.id, "channel_not_found", None, T0 + minutes(0.5))
    claimed = await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10, sender=A)
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
    claimed = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    assert texts(claimed) == ["first", "other"]
    after_lease = T0 + LEASE
    await store.mark_delivered(claimed[1].id, after_lease)
    [first] = await store.claim_outbox(after_lease, after_lease + LEASE, 10, sender=A)
    assert texts([first]) == ["first"]  # retried, still ahead of "second"
    await store.mark_delivered(first.id, after_lease)
    assert texts(await store.claim_outbox(after_lease, after_lease + LEASE, 10, sender=A)) == [
        "second"
    ]


async def test_outbox_counts_by_state(store: AnyStore) -> None:
    """outbox_counts tells delivered, pending and dead apart and omits empty states."""
    assert await store.outbox_counts() == {}
    await enqueue_notes(store, (1, "delivered"), (2, "dead"), (3, "pending"), (4, "pending"))
    delivered, dead, *_ = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
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
    claimed = await store.claim_outbox(t0, t0 + timedelta(seconds=15), 10, sender=A)
    await store.mark_delivered(claimed[0].id, t0)
    await store.mark_delivered(claimed[1].id, t0 + timedelta(days=10))
    assert await store.outbox_backlog() == 1
    async with store.transaction() as uow:
        assert await uow.prune_outbox(t0 + timedelta(days=7)) == 1
    remaining = await store.list_outbox(undelivered_only=False, limit=10)
    assert sorted(item.id for item in remaining) == sorted([claimed[1].id, claimed[2].id])


async def test_a_rate_limited_attempt_is_counted_apart(store: AnyStore) -> None:
    """mark_failed(rate_limited=True) keeps the attempt but counts it as a rate limit, so the
    failures that count (attempts minus rate limits) do not grow."""
    await enqueue_notes(store, (1, "one"))
    for round_ in range(3):
        at = T0 + minutes(round_)
        [item] = await store.claim_outbox(at, at + LEASE, 10, sender=A)
        await store.mark_failed(item.id, "429", at + minutes(1), at, rate_limited=True)
    [item] = await store.list_outbox(undelivered_only=True, limit=10)
    assert (item.attempts, item.rate_limits, item.failures, item.dead_at) == (3, 3, 0, None)
    [item] = await store.claim_outbox(T0 + minutes(3), T0 + minutes(4), 10, sender=A)
    await store.mark_failed(item.id, "503", T0 + minutes(5), T0 + minutes(3))
    [item] = await store.list_outbox(undelivered_only=True, limit=10)
    assert (item.attempts, item.rate_limits, item.failures) == (4, 3, 1)


async def test_a_clock_that_went_back_does_not_hold_an_incidents_messages(
    store: AnyStore,
) -> None:
    """Messages enqueued before the clock jumped back an hour are due at once, in id order,
    and a later message of the incident goes out right behind them."""
    await enqueue_notes(store, (1, "before the jump"), at=T0 + minutes(60))
    await enqueue_notes(store, (1, "after the jump"))
    [first] = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    assert texts([first]) == ["before the jump"]
    assert await store.claim_outbox(T0, T0 + LEASE, 10, sender=A) == []  # claimed: not again
    await store.mark_delivered(first.id, T0)
    assert texts(await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)) == ["after the jump"]


async def test_a_retry_scheduled_before_the_clock_went_back_is_due(store: AnyStore) -> None:
    """A retry set for 5 min after 15:00 is due at 14:00 once the clock is back at 14:00."""
    await enqueue_notes(store, (1, "one"), at=T0 + minutes(60))
    [item] = await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10, sender=A)
    await store.mark_failed(item.id, "503", T0 + minutes(65), T0 + minutes(60))
    assert texts(await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)) == ["one"]


async def test_a_claim_held_by_a_live_sender_stays_while_one_of_a_gone_sender_is_released(
    store: AnyStore,
) -> None:
    """renew_sender releases the claims of senders silent for `gone_after`, not of those
    beating, and never its own; the released item is due at once and claimed again."""
    gone = timedelta(seconds=4)
    await enqueue_notes(store, (1, "of a"), (2, "of b"))
    await store.renew_sender(A, T0, gone)
    await store.renew_sender(B, T0, gone)
    [of_a] = await store.claim_outbox(T0, T0 + LEASE, 1, sender=A)
    [of_b] = await store.claim_outbox(T0, T0 + LEASE, 1, sender=B)
    assert (of_a.claimed_by, of_b.claimed_by) == (A, B)
    later = T0 + timedelta(seconds=3)
    assert await store.renew_sender(B, later, gone) == 0  # A was seen 3 s ago: alive
    much_later = T0 + timedelta(seconds=5)
    assert await store.renew_sender(B, much_later, gone) == 1  # A silent for 5 s: gone
    listed = {item.id: item for item in await store.list_outbox(undelivered_only=True, limit=9)}
    assert (listed[of_a.id].claimed_by, listed[of_b.id].claimed_by) == (None, B)
    [again] = await store.claim_outbox(much_later, much_later + LEASE, 10, sender=B)
    assert (again.id, again.attempts) == (of_a.id, 2)


async def test_a_sender_seen_in_the_future_is_gone(store: AnyStore) -> None:
    """A heartbeat written before the clock went back an hour does not keep a claim alive."""
    gone = timedelta(seconds=4)
    await enqueue_notes(store, (1, "one"), at=T0 + minutes(60))
    await store.renew_sender(A, T0 + minutes(60), gone)
    await store.claim_outbox(T0 + minutes(60), T0 + minutes(61), 10, sender=A)
    assert await store.renew_sender(B, T0, gone) == 1


async def test_a_starting_sender_releases_every_claim_on_sqlite_only(
    store: AnyStore, backend: Backend
) -> None:
    """SQLite serves one process: a starting sender takes back every claim. PostgreSQL is
    shared by replicas: a starting sender leaves the others' claims to their heartbeats."""
    await enqueue_notes(store, (1, "one"), (2, "two"))
    await store.start_sender(A, T0)
    claimed = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    assert len(claimed) == 2
    released = await store.start_sender(B, T0 + timedelta(seconds=1))
    assert released == (2 if backend.name == "sqlite" else 0)
    again = await store.claim_outbox(T0 + timedelta(seconds=1), T0 + LEASE, 10, sender=B)
    assert len(again) == released


async def test_given_up_items_are_revived_by_id_or_all(store: AnyStore) -> None:
    """revive_outbox makes dead items due again with `retried_at` set; an id that is not dead
    is left alone; None revives every dead item."""
    await enqueue_notes(store, (1, "one"), (2, "two"), (3, "three"))
    one, two, three = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    for item in (one, two):
        await store.mark_failed(item.id, "channel_not_found", None, T0)
    await store.mark_delivered(three.id, T0)
    later = T0 + minutes(30)
    async with store.transaction() as uow:
        assert await uow.revive_outbox([one.id, three.id], later) == [one.id]
    [revived] = await store.claim_outbox(later, later + LEASE, 10, sender=A)
    assert (revived.id, revived.retried_at, revived.waiting_since) == (one.id, later, later)
    assert revived.last_error == "channel_not_found"  # the reason it died, until it is sent
    async with store.transaction() as uow:
        assert await uow.revive_outbox(None, later) == [two.id]
        assert await uow.revive_outbox(None, later) == []
    assert await store.outbox_counts() == {"pending": 2, "delivered": 1}


async def test_a_reminder_replaces_the_unsent_reminders_of_its_incident(store: AnyStore) -> None:
    """A new status reminder drops the same incident's reminders not sent yet (not one being
    sent, not another incident's, not other kinds): they would post as a stale burst."""
    await enqueue_notes(store, (1, "blocked head"))
    await enqueue_reminder(store, 1, "no update for 3 s", T0)
    await enqueue_reminder(store, 2, "other incident", T0)
    await enqueue_reminder(store, 1, "no update for 6 s", T0 + timedelta(seconds=3))
    await enqueue_reminder(store, 1, "no update for 9 s", T0 + timedelta(seconds=6))
    pending = await store.list_outbox(undelivered_only=True, limit=10)
    assert sorted(texts(pending)) == ["blocked head", "no update for 9 s", "other incident"]
    claimed = await store.claim_outbox(T0 + minutes(1), T0 + minutes(2), 10, sender=A)
    assert sorted(texts(claimed)) == ["blocked head", "other incident"]
    await enqueue_reminder(store, 2, "other incident, later", T0 + minutes(1))
    pending = await store.list_outbox(undelivered_only=True, limit=10)
    assert "other incident" in texts(pending)  # being sent: kept


async def test_waiting_behind_counts_what_queues_behind_each_incidents_oldest(
    store: AnyStore,
) -> None:
    """waiting_behind maps the oldest undelivered item of an incident to how many wait
    behind it; incidents with one item, dead items and delivered ones do not count."""
    await enqueue_notes(store, (1, "head"), (1, "b"), (1, "c"), (2, "alone"), (3, "dead"), (3, "x"))
    head, _alone, dead = await store.claim_outbox(T0, T0 + LEASE, 10, sender=A)
    await store.mark_failed(dead.id, "gone", None, T0)
    assert await store.waiting_behind() == {head.id: 2}
