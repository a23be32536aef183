"""The replicated store: PostgreSQL through an asyncpg pool; row locks make replicas safe.

Several sevbot processes may share one database: the incident counter and incident rows are
locked with `FOR UPDATE`, timers and outbox items are claimed with `FOR UPDATE SKIP LOCKED`,
and migrations run under an advisory lock so replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from adapters.stores.dialect import POSTGRES, Connection, Row
from adapters.stores.migrate import SchemaTooNew, latest, migrations
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sql_queries import SqlQueries
from incidents.ports import OutboxItem

# Fixed key of the session-level advisory lock held while migrating ("sevbotmg" as 64 bits).
MIGRATION_LOCK = int.from_bytes(b"sevbotmg", "big")
COMMAND_TIMEOUT = 30.0  # seconds, for every ordinary statement
ACQUIRE_TIMEOUT = 30.0  # seconds to wait for a free pooled connection
MIGRATION_TIMEOUT = 600.0  # waiting for another replica's migration, or building an index
CLOSE_TIMEOUT = 10.0

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?")  # a quoted literal (kept as is) or a `?`


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as asyncpg's `$1..$n`, leaving question marks in quoted literals."""
    count = itertools.count(1)
    return _PLACEHOLDER.sub(
        lambda match: f"${next(count)}" if match.group(0) == "?" else match.group(0), sql
    )


class _Connection:
    """An asyncpg connection behind the shared `Connection` protocol."""

    def __init__(self, db: Any) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        rows = await self._db.fetch(numbered(sql), *args)
        return list(rows)

    async def execute(self, sql: str, *args: Any) -> None:
        await self._db.execute(numbered(sql), *args)


class _PooledConnection:
    """Each statement on whichever pooled connection is free, waiting for one at most so long."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            return await _Connection(raw).fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> None:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            await _Connection(raw).execute(sql, *args)


class PostgresStore:
    """See `incidents.ports.Store`. A pool of connections; each transaction takes one."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._conn = _PooledConnection(pool)
        self._queries = SqlQueries(POSTGRES)

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, schema: str | None = None, max_size: int = 10
    ) -> PostgresStore:
        """Connect to `url` (in `schema`, if given) and bring the schema up to date."""
        settings = {"TimeZone": "UTC", "application_name": "sevbot"}
        if schema is not None:
            settings["search_path"] = schema
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=max_size,
            command_timeout=COMMAND_TIMEOUT,
            timeout=COMMAND_TIMEOUT,
            server_settings=settings,
        )
        store = cls(pool)
        try:
            await store.migrate(apply=migrate)
        except BaseException:
            await store.close()
            raise
        return store

    async def schema_version(self) -> int:
        """The newest applied migration, 0 for an empty database."""
        return await self._version(self._conn)

    @staticmethod
    async def _version(db: Connection) -> int:
        rows = await db.fetch("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not rows[0][0]:
            return 0
        rows = await db.fetch("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    async def migrate(self, *, apply: bool = True) -> list[int]:
        """Apply missing migrations, each in its own transaction, under the advisory lock.

        Replicas that start together queue on the lock; each one that gets it after the first
        finds nothing left to do. A database migrated by a newer sevbot is refused untouched.
        """
        known = latest("postgres")
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            await raw.execute(
                "SELECT pg_advisory_lock($1)", MIGRATION_LOCK, timeout=MIGRATION_TIMEOUT
            )
            try:
                db = _Connection(raw)
                current = await self._version(db)
                if current > known:
                    raise SchemaTooNew(current, known)
                if not apply:
                    return []
                await raw.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                applied = []
                for version, name, sql in migrations("postgres"):
                    if version <= current:
                        continue
                    async with raw.transaction():
                        await raw.execute(sql, timeout=MIGRATION_TIMEOUT)
                        await db.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                            version,
                            name,
                        )
                    applied.append(version)
                return applied
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        """A transaction on one pooled connection: commits on success, rolls back on error."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw, raw.transaction():
            yield SqlUnitOfWork(_Connection(raw), POSTGRES)

    async def incidents_with_due_timers(self, now: datetime, limit: int) -> list[int]:
        """See `Store.incidents_with_due_timers`."""
        return await self._queries.incidents_with_due_timers(self._conn, now, limit)

    async def due_jobs(self, now: datetime, limit: int) -> list[str]:
        """See `Store.due_jobs`."""
        return await self._queries.due_jobs(self._conn, now, limit)

    async def next_timer_due(self) -> datetime | None:
        """See `Store.next_timer_due`."""
        return await self._queries.next_timer_due(self._conn)

    async def claim_outbox(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """See `Store.claim_outbox`; rows other replicas are claiming are skipped."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw, raw.transaction():
            return await self._queries.claim_outbox(_Connection(raw), now, lease_until, limit)

    async def mark_delivered(self, item_id: int, now: datetime) -> None:
        """See `Store.mark_delivered`."""
        await self._queries.mark_delivered(self._conn, item_id, now)

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        """See `Store.mark_failed`."""
        await self._queries.mark_failed(self._conn, item_id, error, retry_at, now)

    async def next_outbox_due(self) -> datetime | None:
        """See `Store.next_outbox_due`."""
        return await self._queries.next_outbox_due(self._conn)

    async def list_outbox(self, *, undelivered_only: bool, limit: int) -> list[OutboxItem]:
        """See `Store.list_outbox`."""
        return await self._queries.list_outbox(
            self._conn, undelivered_only=undelivered_only, limit=limit
        )

    async def outbox_backlog(self) -> int:
        """See `Store.outbox_backlog`."""
        return await self._queries.backlog(self._conn)

    async def outbox_counts(self) -> dict[str, int]:
        """See `Store.outbox_counts`."""
        return await self._queries.counts(self._conn)

    async def close(self) -> None:
        """Close the pool, waiting briefly for connections in use; then cut them off."""
        try:
            await asyncio.wait_for(self._pool.close(), timeout=CLOSE_TIMEOUT)
        except TimeoutError:
            self._pool.terminate()
