"""Timer claims: a batch of due timers leased to one scheduler in one statement, and the
batch writes of the firing transaction (issue 20)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from incidents.messages import Audience, Message, MessageKind
from incidents.model import EntryKind
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import T0, declare, minutes, note, timer

LEASE = minutes(0.5)
A, B = "scheduler-a:1", "scheduler-b:1"


async def seed(store: AnyStore, count: int) -> None:
    """Incidents 1..count, each with one timer `t<n>` due at T0 + n seconds."""
    template = declare(1).incident
    async with store.transaction() as uow:
        for number in range(1, count + 1):
            await uow.save(replace(template, number=number))
            await uow.replace_timers(number, [timer(f"t{number}", T0 + minutes(number / 60))])


async def test_concurrent_claimers_get_disjoint_sets(store: AnyStore, backend: Backend) -> None:
    """Two schedulers claiming batches at once (on PostgreSQL, on two pools) take every due
    timer, most overdue first, and never the same one; a timer not due is not claimed."""
    await seed(store, 300)
    now = T0 + minutes(4)  # timers 1..240 are due
    other = await backend.open() if backend.name == "postgres" else store
    try:

        async def claimer(claiming: AnyStore, holder: str) -> list[tuple[int, str]]:
            taken: list[tuple[int, str]] = []
            while claims := await claiming.claim_due_timers(now, now + LEASE, 40, holder=holder):
                assert [c.due_at for c in claims] == sorted(c.due_at for c in claims)
                taken += [(claim.incident, claim.key) for claim in claims]
            return taken

        first, second = await asyncio.gather(claimer(store, A), claimer(other, B))
    finally:
        if other is not store:
            await other.close()
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted((n, f"t{n}") for n in range(1, 241))
    assert len(first + second) == 240
    async with store.transaction() as uow:
        held = await uow.claimed_timers(range(1, 301), A)
    assert sorted(held) == sorted(number for number, _ in first)


async def test_an_expired_lease_is_claimed_again_and_the_stale_holder_fires_nothing(
    store: AnyStore,
) -> None:
    """A claim holds its timer until the lease ends (the next due time is then the lease's
    end); after it, another scheduler claims the timer, and the first one's firing
    transaction finds nothing claimed by it any more."""
    await seed(store, 1)
    due = T0 + minutes(1 / 60)
    assert [
        c.key
        for c in await store.claim_due_timers(
            T0 + minutes(1), T0 + minutes(1) + LEASE, 10, holder=A
        )
    ] == ["t1"]
    assert await store.claim_due_timers(T0 + minutes(1.2), T0 + minutes(2), 10, holder=B) == []
    assert await store.next_timer_due() == T0 + minutes(1) + LEASE
    after = T0 + minutes(1) + LEASE
    retaken = await store.claim_due_timers(after, after + LEASE, 10, holder=B)
    assert [(c.incident, c.key, c.due_at) for c in retaken] == [(1, "t1", due)]
    async with store.transaction() as uow:
        assert await uow.claimed_timers([1], A) == {}  # the stale holder: refused
        assert await uow.claimed_timers([1], B) == {1: [("t1", due)]}
        await uow.replace_all_timers({1: [timer("t1", T0 + minutes(30))]})
    # Fired and re-scheduled: the new timer is nobody's, and due at its own time.
    assert await store.next_timer_due() == T0 + minutes(30)
    async with store.transaction() as uow:
        assert await uow.claimed_timers([1], B) == {}


async def test_released_claims_are_claimed_again_at_once(store: AnyStore) -> None:
    """A scheduler that gives its claims back (a firing that failed) leaves them due now."""
    await seed(store, 2)
    now = T0 + minutes(1)
    assert len(await store.claim_due_timers(now, now + LEASE, 10, holder=A)) == 2
    await store.release_timers([1], holder=B)  # not B's: nothing changes
    assert await store.claim_due_timers(now, now + LEASE, 10, holder=B) == []
    await store.release_timers([1], holder=A)
    assert [c.incident for c in await store.claim_due_timers(now, now + LEASE, 10, holder=B)] == [1]


async def test_the_batch_writes_match_the_one_by_one_writes(store: AnyStore) -> None:
    """load_all, save_all, enqueue_all and replace_all_timers leave what load, save, enqueue
    and replace_timers one incident at a time would: a superseding reminder replaces the
    unsent one before it, in the outbox and within the batch."""
    await seed(store, 3)

    def reminder(number: int, text: str) -> Message:
        return Message(
            kind=MessageKind.STATUS_REMINDER,
            audience=Audience.INCIDENT,
            text=(text,),
            incident=number,
        )

    async with store.transaction() as uow:
        await uow.enqueue([reminder(1, "old")], platform="slack", now=T0)
    async with store.transaction() as uow:
        incidents = await uow.load_all([3, 1, 2, 99])
        assert [incident.number for incident in incidents] == [1, 2, 3]
        noted = [
            replace(
                incident,
                timeline=(
                    *incident.timeline,
                    replace(incident.timeline[0], kind=EntryKind.NOTE, text=f"n{incident.number}"),
                ),
            )
            for incident in incidents
        ]
        await uow.save_all(noted)
        await uow.enqueue_all(
            [
                ("slack", reminder(1, "first")),
                ("slack", note(2, "two")),
                ("discord", reminder(1, "there")),
                ("slack", reminder(1, "last")),
            ],
            now=T0 + minutes(1),
        )
        await uow.replace_all_timers({1: [], 2: [timer("u2", T0 + minutes(9))]})
    async with store.transaction() as uow:
        for number in (1, 2, 3):
            loaded = await uow.load(number)
            assert loaded is not None
            assert loaded.timeline[-1].text == f"n{number}"
            assert len(loaded.timeline) == len(incidents[0].timeline) + 1
        assert await uow.due_timers(1, T0 + minutes(60)) == []
        assert await uow.due_timers(2, T0 + minutes(60)) == [("u2", T0 + minutes(9))]
        assert await uow.due_timers(3, T0 + minutes(60)) == [("t3", T0 + minutes(3 / 60))]
    items = await store.list_outbox(undelivered_only=True, limit=10)
    assert sorted((i.platform, i.message.plain_text()) for i in items) == [
        ("discord", "there"),
        ("slack", "last"),
        ("slack", "two"),
    ]
