"""Durable jobs (handoffs, nags) on both stores: schedule, find due, claim, move, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contract.backends import AnyStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_schedule_claim_move_cancel(store: AnyStore) -> None:
    """A due job is listed and claimable; moving it hides it; cancelling removes it."""
    async with store.transaction() as uow:
        await uow.schedule_job("handoff:maintainers", T0)
        await uow.schedule_job("nag:weekly", T0 + timedelta(days=7))
    assert await store.due_jobs(T0, 10) == ["handoff:maintainers"]
    assert await store.next_timer_due() == T0
    async with store.transaction() as uow:
        assert await uow.claim_job("handoff:maintainers") == T0
        await uow.schedule_job("handoff:maintainers", T0 + timedelta(days=7))
    assert await store.due_jobs(T0, 10) == []
    async with store.transaction() as uow:
        await uow.cancel_job("nag:weekly")
        assert await uow.job_due("nag:weekly") is None
        assert await uow.claim_job("nag:weekly") is None
    assert await store.due_jobs(T0 + timedelta(days=8), 10) == ["handoff:maintainers"]
