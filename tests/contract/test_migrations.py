"""Migrations and row locks: applied once, refused when newer, safe with replicas starting."""

from __future__ import annotations

import asyncio

import pytest

from adapters.stores.migrate import SchemaTooNew, latest
from tests.contract.backends import AnyStore, Backend, only_postgres
from tests.contract.builders import declare


async def recorded_versions(backend: Backend) -> list[int]:
    """Every version in schema_migrations, duplicates included."""
    rows = await backend.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [int(row[0]) for row in rows]


async def test_migrations_apply_once(backend: Backend) -> None:
    """A fresh database migrates to the latest version; migrating or opening again adds nothing."""
    known = latest(backend.name)
    fresh = await backend.open(migrate=False)
    try:
        assert await fresh.schema_version() == 0
        assert await fresh.migrate() == list(range(1, known + 1))
        assert await fresh.migrate() == []
    finally:
        await fresh.close()
    again = await backend.open()
    try:
        assert await again.schema_version() == known
        assert await again.migrate() == []
    finally:
        await again.close()
    assert await recorded_versions(backend) == list(range(1, known + 1))


async def test_a_newer_schema_is_refused(store: AnyStore, backend: Backend) -> None:
    """A database migrated by a newer sevbot makes open() raise SchemaTooNew naming both."""
    known = latest(backend.name)
    assert await store.schema_version() == known
    await backend.fetch(
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES (?, 'from_the_future', CURRENT_TIMESTAMP)",
        known + 1,
    )
    with pytest.raises(SchemaTooNew) as refused:
        await backend.open()
    assert (refused.value.found, refused.value.known) == (known + 1, known)
    assert f"version {known + 1}" in str(refused.value)
    assert f"up to {known}" in str(refused.value)
    assert await recorded_versions(backend) == [*range(1, known + 1), known + 1]


async def test_replicas_starting_together_migrate_once(backend: Backend) -> None:
    """Five stores opened at once on an empty schema all succeed; each version is applied once."""
    only_postgres(backend)
    opened = await asyncio.gather(*(backend.open() for _ in range(5)), return_exceptions=True)
    try:
        assert [type(each).__name__ for each in opened] == ["PostgresStore"] * 5
        assert await recorded_versions(backend) == list(range(1, latest("postgres") + 1))
    finally:
        for each in opened:
            if not isinstance(each, BaseException):
                await each.close()


async def test_a_locked_incident_is_skipped_by_another_transaction(
    store: AnyStore, backend: Backend
) -> None:
    """While one transaction holds an incident, lock_incident in another says False at once."""
    only_postgres(backend)
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
    async with store.transaction() as holder:
        assert await holder.lock_incident(1) is True
        async with store.transaction() as other:
            assert await other.lock_incident(1) is False
    async with store.transaction() as after:
        assert await after.lock_incident(1) is True
