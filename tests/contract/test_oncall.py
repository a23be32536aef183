"""On-call edits and cover requests on both stores: stored, filtered, cancelled, taken once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from incidents.oncall.rotation import OnCallRole
from incidents.oncall.schedule import CoverRequest, Override, Swap
from tests.contract.backends import AnyStore, Backend, only_postgres

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def override(days: int) -> Override:
    """Dana covers primary from T0 for `days` days."""
    return Override(
        person="slack:UDANA",
        start=T0,
        end=T0 + days * DAY,
        created_by="slack:UALICE",
        created_at=T0 - DAY,
    )


def cover(requester: str = "slack:UALICE") -> CoverRequest:
    """Alice asks for cover for two days from T0."""
    return CoverRequest(
        id=0,
        rotation="maintainers",
        requester=requester,
        start=T0,
        end=T0 + 2 * DAY,
        created_at=T0 - DAY,
    )


async def test_edits_round_trip_in_order(store: AnyStore) -> None:
    """Overrides and swaps come back as stored, oldest first, with ids."""
    swap = Swap(first=T0, second=T0 + 14 * DAY, created_by="slack:UBOB", created_at=T0)
    backup = replace(override(3), role=OnCallRole.BACKUP, replaces="slack:UALICE", cover_request=7)
    async with store.transaction() as uow:
        first = await uow.add_oncall_edit("maintainers", override(3))
        second = await uow.add_oncall_edit("maintainers", swap)
        third = await uow.add_oncall_edit("maintainers", backup)
        await uow.add_oncall_edit("sre", override(1))
    async with store.transaction() as uow:
        edits = await uow.oncall_edits("maintainers", T0 - DAY)
    assert [e.id for e in edits] == [first, second, third]
    assert first < second < third
    assert edits[0] == replace(override(3), id=first)
    assert isinstance(edits[1], Swap)
    assert (edits[1].first, edits[1].second, edits[1].created_by) == (
        swap.first,
        swap.second,
        "slack:UBOB",
    )
    assert isinstance(edits[2], Override)
    assert (edits[2].role, edits[2].replaces, edits[2].cover_request) == (
        OnCallRole.BACKUP,
        "slack:UALICE",
        7,
    )


async def test_old_overrides_are_left_out_but_swaps_stay(store: AnyStore) -> None:
    """Overrides that ended before `since` are not loaded; swaps always are (they compose)."""
    swap = Swap(first=T0, second=T0 + 7 * DAY, created_by="slack:UBOB", created_at=T0)
    async with store.transaction() as uow:
        await uow.add_oncall_edit("maintainers", override(1))
        await uow.add_oncall_edit("maintainers", swap)
    async with store.transaction() as uow:
        later = await uow.oncall_edits("maintainers", T0 + 30 * DAY)
    assert [type(e).__name__ for e in later] == ["Swap"]


async def test_a_cancelled_edit_is_gone_and_cancels_once(store: AnyStore) -> None:
    """Cancelling returns the edit; it is no longer in force; cancelling again returns None."""
    async with store.transaction() as uow:
        edit_id = await uow.add_oncall_edit("maintainers", override(2))
    async with store.transaction() as uow:
        cancelled = await uow.cancel_oncall_edit("maintainers", edit_id, T0)
        assert await uow.cancel_oncall_edit("sre", edit_id, T0) is None
    assert isinstance(cancelled, Override)
    assert cancelled.id == edit_id
    async with store.transaction() as uow:
        assert await uow.oncall_edits("maintainers", T0 - DAY) == []
        assert await uow.cancel_oncall_edit("maintainers", edit_id, T0) is None


async def test_cover_requests_are_taken_once(store: AnyStore) -> None:
    """An open request lists; taking it records the taker; a second taker gets None."""
    async with store.transaction() as uow:
        request_id = await uow.add_cover_request(cover())
    async with store.transaction() as uow:
        listed = await uow.open_cover_requests("maintainers")
        assert [r.id for r in listed] == [request_id]
        assert listed[0].is_open
        taken = await uow.close_cover_request(
            "maintainers", request_id, taken_by="slack:UDANA", now=T0
        )
        assert (
            await uow.close_cover_request("maintainers", request_id, taken_by="slack:UBOB", now=T0)
            is None
        )
    assert taken is not None
    assert (taken.taken_by, taken.taken_at) == ("slack:UDANA", T0)
    async with store.transaction() as uow:
        assert await uow.open_cover_requests("maintainers") == []
        stored = await uow.cover_request("maintainers", request_id)
    assert stored == taken


async def test_a_cancelled_cover_request_cannot_be_taken(store: AnyStore) -> None:
    """Cancelling closes the request; taking it afterwards gets None."""
    async with store.transaction() as uow:
        request_id = await uow.add_cover_request(cover())
        cancelled = await uow.close_cover_request("maintainers", request_id, taken_by=None, now=T0)
        assert cancelled is not None
        assert cancelled.cancelled_at == T0
        assert (
            await uow.close_cover_request("maintainers", request_id, taken_by="slack:UDANA", now=T0)
            is None
        )
        assert await uow.cover_request("maintainers", request_id + 1) is None


async def test_two_replicas_taking_one_request_give_it_to_one(
    store: AnyStore, backend: Backend
) -> None:
    """Two stores on one PostgreSQL database take the same request at once: one wins."""
    only_postgres(backend)
    async with store.transaction() as uow:
        request_id = await uow.add_cover_request(cover())
    other = await backend.open()

    async def take(on: AnyStore, who: str) -> CoverRequest | None:
        async with on.transaction() as uow:
            return await uow.close_cover_request("maintainers", request_id, taken_by=who, now=T0)

    try:
        results = await asyncio.gather(take(store, "slack:UDANA"), take(other, "slack:UBOB"))
    finally:
        await other.close()
    assert sum(r is not None for r in results) == 1
