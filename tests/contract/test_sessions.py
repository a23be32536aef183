"""Dashboard sessions on both stores: valid until they expire, revoked one by one or all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contract.backends import AnyStore, Backend

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def test_a_session_is_valid_until_it_expires(store: AnyStore) -> None:
    """A stored session is valid before its expiry and not at or after it; unknown keys never."""
    async with store.transaction() as uow:
        await uow.create_session("alpha", expires_at=T0 + 12 * HOUR, now=T0)
    async with store.transaction() as uow:
        assert await uow.session_valid("alpha", T0 + 11 * HOUR) is True
        assert await uow.session_valid("alpha", T0 + 12 * HOUR) is False
        assert await uow.session_valid("beta", T0) is False


async def test_revoke_one_and_revoke_all(store: AnyStore) -> None:
    """Revoking one session leaves the others; revoking all counts only the live ones."""
    async with store.transaction() as uow:
        await uow.create_session("old", expires_at=T0 + HOUR, now=T0)
        await uow.create_session("alpha", expires_at=T0 + 12 * HOUR, now=T0)
        await uow.create_session("beta", expires_at=T0 + 12 * HOUR, now=T0)
        await uow.create_session("gamma", expires_at=T0 + 12 * HOUR, now=T0)
    async with store.transaction() as uow:
        await uow.revoke_session("alpha")
        assert await uow.session_valid("alpha", T0) is False
        assert await uow.session_valid("beta", T0) is True
    async with store.transaction() as uow:
        assert await uow.revoke_all_sessions(T0 + 2 * HOUR) == 2
    async with store.transaction() as uow:
        assert await uow.session_valid("beta", T0) is False
        assert await uow.revoke_all_sessions(T0) == 0


async def test_creating_a_session_forgets_expired_ones(store: AnyStore, backend: Backend) -> None:
    """Expired sessions are deleted when a new one is stored, so the table does not grow."""
    async with store.transaction() as uow:
        await uow.create_session("old", expires_at=T0 + HOUR, now=T0)
        await uow.create_session("new", expires_at=T0 + 14 * HOUR, now=T0 + 2 * HOUR)
    rows = await backend.fetch("SELECT id FROM web_sessions ORDER BY id")
    assert rows == [("new",)]
