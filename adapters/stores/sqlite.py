"""The embedded store: SQLite through aiosqlite, WAL mode, foreign keys on, one writer."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from adapters.stores.dialect import SQLITE, Row
from adapters.stores.migrate import SchemaTooNew, latest, migrations, split_statements
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sql_queries import SqlQueries
from incidents.ports import OutboxItem


class _Connection:
    """aiosqlite behind the shared `Connection` protocol."""

    def __init__(self, db: aiosqlite.Connection | _InlineDb) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._db.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, *args: Any) -> None:
        await self._db.execute(sql, args)


class _Result:
    """What `_InlineDb.execute` returns: awaited, the cursor; entered, the cursor too."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = _InlineCursor(cursor)

    def __await__(self) -> Any:
        yield from ()
        return self._cursor

    async def __aenter__(self) -> _InlineCursor:
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        return None


class _InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()


class _InlineDb:
    """aiosqlite's interface over sqlite3 on the event loop's own thread: every call blocks.

    Only for a process that does nothing else meanwhile (`sevbot simulate`, the demo): it saves
    the thread hop aiosqlite makes per statement, which is most of a rehearsal's time.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, args: Any = ()) -> _Result:
        return _Result(self._db.execute(sql, args))

    async def close(self) -> None:
        self._db.close()


def sqlite_path(url: str) -> str:
    """`sqlite:///sevbot.db` → `sevbot.db`; `sqlite:////abs/x.db` → `/abs/x.db`."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return url.removeprefix("sqlite:///") or ":memory:"


class SqliteStore:
    """See `incidents.ports.Store`. One connection; every use is serialized by one lock."""

    def __init__(self, db: aiosqlite.Connection | _InlineDb) -> None:
        self._db = db
        self._conn = _Connection(db)
        self._lock = asyncio.Lock()
        self._queries = SqlQueries(SQLITE)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, inline: bool = False) -> SqliteStore:
        """Open (creating if needed) the database at `url` and bring its schema up to date.
        `inline`: run SQLite on the event loop's thread (see `_InlineDb`: rehearsals only)."""
        path = sqlite_path(url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db: aiosqlite.Connection | _InlineDb
        if inline:
            db = _InlineDb(sqlite3.connect(path, isolation_level=None, timeout=30))
        else:
            db = await aiosqlite.connect(path, isolation_level=None, timeout=30)
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA busy_timeout = 30000")
        store = cls(db)
        try:
            await store.migrate(apply=migrate)
        except BaseException:
            await db.close()
            raise
        return store

    async def schema_version(self) -> int:
        """The newest applied migration, 0 for an empty database."""
        rows = await self._conn.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not rows:
            return 0
        rows = await self._conn.fetch("SELECT MAX(version) FROM schema_migrations")
        return int(rows[0][0] or 0)

    async def migrate(self, *, apply: bool = True) -> list[int]:
        """Apply missing migrations in one write transaction; refuse a newer schema."""
        known = latest("sqlite")
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                current = await self.schema_version()
                if current > known:
                    raise SchemaTooNew(current, known)
                applied = []
                for version, name, sql in migrations("sqlite"):
                    if version <= current or not apply:
                        continue
                    for statement in split_statements(sql):
                        await self._db.execute(statement)
                    await self._db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, CURRENT_TIMESTAMP)",
                        (version, name),
                    )
                    applied.append(version)
                await self._db.execute("COMMIT")
                return applied
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield SqlUnitOfWork(self._conn, SQLITE)
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def incidents_with_due_timers(self, now: datetime, limit: int) -> list[int]:
        """See `Store.incidents_with_due_timers`."""
        async with self._lock:
            return await self._queries.incidents_with_due_timers(self._conn, now, limit)

    async def due_jobs(self, now: datetime, limit: int) -> list[str]:
        """See `Store.due_jobs`."""
        async with self._lock:
            return await self._queries.due_jobs(self._conn, now, limit)

    async def next_timer_due(self) -> datetime | None:
        """See `Store.next_timer_due`."""
        async with self._lock:
            return await self._queries.next_timer_due(self._conn)

    async def claim_outbox(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """See `Store.claim_outbox`."""
        async with self.transaction():
            return await self._queries.claim_outbox(self._conn, now, lease_until, limit)

    async def mark_delivered(self, item_id: int, now: datetime) -> None:
        """See `Store.mark_delivered`."""
        async with self._lock:
            await self._queries.mark_delivered(self._conn, item_id, now)

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        """See `Store.mark_failed`."""
        async with self._lock:
            await self._queries.mark_failed(self._conn, item_id, error, retry_at, now)

    async def next_outbox_due(self) -> datetime | None:
        """See `Store.next_outbox_due`."""
        async with self._lock:
            return await self._queries.next_outbox_due(self._conn)

    async def list_outbox(self, *, undelivered_only: bool, limit: int) -> list[OutboxItem]:
        """See `Store.list_outbox`."""
        async with self._lock:
            return await self._queries.list_outbox(
                self._conn, undelivered_only=undelivered_only, limit=limit
            )

    async def outbox_backlog(self) -> int:
        """See `Store.outbox_backlog`."""
        async with self._lock:
            return await self._queries.backlog(self._conn)

    async def outbox_counts(self) -> dict[str, int]:
        """See `Store.outbox_counts`."""
        async with self._lock:
            return await self._queries.counts(self._conn)

    async def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(sqlite3.ProgrammingError, ValueError):  # already closed
            await self._db.close()
