"""The embedded store: SQLite through aiosqlite, WAL mode, foreign keys on, one writer."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from adapters.stores.dialect import SQLITE, Connection, Row
from adapters.stores.faults import NoDatabase, sqlite_path, sqlite_where
from adapters.stores.migrate import SchemaTooNew, latest, migrations, split_statements
from adapters.stores.run_lock import RunLock
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sql_queries import SqlQueries
from adapters.stores.sql_reads import Decoded, SqlReads
from adapters.stores.sqlite_faults import sqlite_faults
from adapters.stores.sqlite_inbox import BUSY_MS, Opener, SqliteInbox, inbox_path
from incidents.ports import InboxEntry, OutboxItem, StoreUnavailable, TimerClaim


class _Connection:
    """aiosqlite behind the shared `Connection` protocol; the file's faults (read-only, full,
    I/O, busy) come out as `StoreUnavailable` naming the file."""

    def __init__(self, db: aiosqlite.Connection | _InlineDb, where: str = "SQLite") -> None:
        self._db = db
        self._where = where

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        # One hop to aiosqlite's thread (execute and fetch there), not three (execute, fetch,
        # close the cursor): each hop wakes the thread and the loop once more.
        with sqlite_faults(self._where):
            return list(await self._db.execute_fetchall(sql, args))

    async def execute(self, sql: str, *args: Any) -> None:
        with sqlite_faults(self._where):
            await self._db.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with sqlite_faults(self._where):
            await self._db.executemany(sql, rows)


class _InlineDb:
    """aiosqlite's interface over sqlite3 on the event loop's own thread: every call blocks.

    Only for a process that does nothing else meanwhile (`sevbot simulate`, the demo): it saves
    the thread hop aiosqlite makes per statement, which is most of a rehearsal's time.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, args: Any = ()) -> None:
        self._db.execute(sql, args)

    async def execute_fetchall(self, sql: str, args: Any = ()) -> list[Row]:
        return self._db.execute(sql, args).fetchall()

    async def executemany(self, sql: str, rows: Any) -> None:
        self._db.executemany(sql, rows)

    async def close(self) -> None:
        self._db.close()


def _try_open(path: str, uri: bool) -> None:
    """Open and close the file: raises what opening it would raise."""
    sqlite3.connect(path, timeout=30, uri=uri).close()


def _make_folder(path: str, where: str) -> None:
    """Create the database's folder (and its parents) if need be."""
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        reason = f"{error.filename} is a file, not a folder"
        raise StoreUnavailable(where, reason, lasting=True) from error
    except OSError as error:
        reason = f"cannot create its folder {folder.absolute()}: {error.strerror}"
        raise StoreUnavailable(where, reason, lasting=True) from error


def _existing(path: str, where: str) -> str:
    """The URI that opens the database at `path` only if it exists (`mode=rw`): a read-only
    verb never creates a file or a folder, so a typo in the URL is an error, not an empty
    world. A missing file raises `StoreUnavailable` saying so."""
    file = Path(path).absolute()
    if not file.exists():
        ancestor = next(parent for parent in file.parents if parent.exists())
        if not ancestor.is_dir():
            raise StoreUnavailable(where, f"{ancestor} is a file, not a folder", lasting=True)
        missing = "no such file" if ancestor == file.parent else f"no folder {file.parent}"
        raise NoDatabase(
            where,
            f"{missing}; nothing was created: check SEVBOT_DATABASE_URL, or create the "
            "database with `sevbot migrate`",
        )
    return f"{file.as_uri()}?mode=rw"


def _inbox_opener(path: str, where: str) -> Opener:
    """How the inbox file at `path` is opened on first use: inline on the loop's thread (see
    `sqlite_inbox.py`), WAL as the database, the schema made only in a new file (so opening
    it to read never takes its write lock)."""

    async def open_inbox(schema: Sequence[str]) -> tuple[Connection, Callable[[], Awaitable[None]]]:
        with sqlite_faults(where):
            raw = sqlite3.connect(path, isolation_level=None, timeout=BUSY_MS / 1000)
            db = _InlineDb(raw)
            try:
                raw.execute("PRAGMA journal_mode = WAL")
                raw.execute("PRAGMA synchronous = NORMAL")
                if raw.execute("PRAGMA user_version").fetchone()[0] == 0:
                    for statement in schema:
                        raw.execute(statement)
            except BaseException:
                raw.close()
                raise
        return _Connection(db, where), db.close

    return open_inbox


class SqliteStore:
    """See `incidents.ports.Store`. One connection; every use is serialized by one lock. The
    command inbox has a file and a connection of its own (`sqlite_inbox.py`)."""

    def __init__(
        self, db: aiosqlite.Connection | _InlineDb, where: str = "SQLite", inbox: str = ":memory:"
    ) -> None:
        self._db = db
        self._where = where  # `SQLite file /abs/path.db`, for fault messages
        self._conn = _Connection(db, where)
        self._run_lock: RunLock | None = None
        self._lock = asyncio.Lock()
        self._queries = SqlQueries(SQLITE)
        self._decoded: Decoded = {}  # open incidents as `reading` last decoded them
        # The command inbox, in a file of its own: acknowledgements never wait for a transaction.
        self._inbox = SqliteInbox(_inbox_opener(inbox, sqlite_where(inbox)))

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        inline: bool = False,
        serving: bool = False,
        create: bool = True,
    ) -> SqliteStore:
        """Open (creating if needed) the database at `url` and bring its schema up to date.
        `inline`: run SQLite on the event loop's thread (see `_InlineDb`: rehearsals only).
        `serving`: this is `sevbot run`; warn when another one already runs on the file.
        `create=False`: never create the file or its folder (read-only verbs); a missing file
        raises `StoreUnavailable`. A file that cannot be created, opened or written raises
        `StoreUnavailable` naming it."""
        path = sqlite_path(url)
        where = sqlite_where(path)
        target, uri = path, False
        if path != ":memory:" and create:
            _make_folder(path, where)
        elif path != ":memory:":
            target, uri = _existing(path, where), True
        db: aiosqlite.Connection | _InlineDb
        with sqlite_faults(where):
            if inline:
                raw = sqlite3.connect(target, isolation_level=None, timeout=30, uri=uri)
                db = _InlineDb(raw)
            else:
                # aiosqlite leaves its worker thread behind when the file cannot be opened (it
                # later trips over the closed event loop), so a plain open tries first.
                await asyncio.to_thread(_try_open, target, uri)
                db = await aiosqlite.connect(target, isolation_level=None, timeout=30, uri=uri)
            store = cls(db, where, inbox_path(path))
            try:
                if create:  # sevbot made an existing file WAL; an empty one stays untouched
                    await db.execute("PRAGMA journal_mode = WAL")
                await db.execute("PRAGMA foreign_keys = ON")
                await db.execute("PRAGMA synchronous = NORMAL")
                await db.execute("PRAGMA busy_timeout = 30000")
                await store.migrate(apply=migrate)
                if serving:  # one process serves the file: the claims of a killed one are void
                    await store._conn.execute(
                        "UPDATE timers SET claimed_by = NULL, claimed_until = NULL "
                        "WHERE claimed_by IS NOT NULL"
                    )
            except BaseException:
                await db.close()
                raise
        if serving and path != ":memory:":
            store._run_lock = RunLock.take(path)
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
        if not apply:  # only refuse a newer schema: checking writes nothing
            current = await self.schema_version()
            if current > known:
                raise SchemaTooNew(current, known)
            return []
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
                    if version <= current:
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
                await self._rollback()
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error.
        A COMMIT the disk refuses (full, read-only) is rolled back: nothing of it is kept."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqlUnitOfWork(self._conn, SQLITE)
            except BaseException:
                await self._rollback()
                raise
            try:
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    # -- reads for queries (issue 20: CPU per `/incident list`) -------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlReads]:
        """See `Store.reading`: the statements run between transactions (the lock keeps them
        out of one in progress), each its own: no BEGIN and COMMIT, two fewer hops to
        aiosqlite's thread."""
        async with self._lock:
            yield SqlReads(self._conn, SQLITE, self._decoded)

    # -- end of reads for queries ---------------------------------------------------------

    async def _rollback(self) -> None:
        """Roll back, if SQLite has not already (it does by itself on a full disk or an I/O
        error, and then ROLLBACK says there is no transaction)."""
        with contextlib.suppress(sqlite3.Error):
            await self._db.execute("ROLLBACK")

    async def incidents_with_due_timers(self, now: datetime, limit: int) -> list[int]:
        """See `Store.incidents_with_due_timers`."""
        async with self._lock:
            return await self._queries.incidents_with_due_timers(self._conn, now, limit)

    async def claim_due_timers(
        self, now: datetime, lease_until: datetime, limit: int, *, holder: str
    ) -> list[TimerClaim]:
        """See `Store.claim_due_timers`."""
        async with self.transaction():
            return await self._queries.claim_due_timers(self._conn, now, lease_until, limit, holder)

    async def release_timers(self, numbers: Sequence[int], *, holder: str) -> None:
        """See `Store.release_timers`."""
        async with self._lock:
            await self._queries.release_timers(self._conn, numbers, holder)

    async def due_jobs(self, now: datetime, limit: int) -> list[str]:
        """See `Store.due_jobs`."""
        async with self._lock:
            return await self._queries.due_jobs(self._conn, now, limit)

    async def next_timer_due(self) -> datetime | None:
        """See `Store.next_timer_due`."""
        async with self._lock:
            return await self._queries.next_timer_due(self._conn)

    async def claim_outbox(
        self, now: datetime, lease_until: datetime, limit: int, *, sender: str
    ) -> list[OutboxItem]:
        """See `Store.claim_outbox`."""
        async with self.transaction():
            return await self._queries.claim_outbox(self._conn, now, lease_until, limit, sender)

    async def mark_delivered(self, item_id: int, now: datetime) -> None:
        """See `Store.mark_delivered`."""
        async with self._lock:
            await self._queries.mark_delivered(self._conn, item_id, now)

    async def mark_failed(
        self,
        item_id: int,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        *,
        rate_limited: bool = False,
    ) -> None:
        """See `Store.mark_failed`."""
        async with self._lock:
            await self._queries.mark_failed(
                self._conn, item_id, error, retry_at, now, rate_limited=rate_limited
            )

    async def start_sender(self, sender: str, now: datetime) -> int:
        """See `Store.start_sender`: SQLite serves one process, so every claim is released."""
        async with self.transaction():
            return await self._queries.start_sender(self._conn, sender, now, only=True)

    async def renew_sender(self, sender: str, now: datetime, gone_after: timedelta) -> int:
        """See `Store.renew_sender`."""
        async with self.transaction():
            return await self._queries.renew_sender(self._conn, sender, now, gone_after)

    async def waiting_behind(self) -> dict[int, int]:
        """See `Store.waiting_behind`."""
        async with self._lock:
            return await self._queries.waiting_behind(self._conn)

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

    async def record_command(self, entry: InboxEntry) -> bool:
        """See `CommandInbox.record_command`: one INSERT in the inbox file, shared by the
        commands that arrive meanwhile; it never waits for an incident's transaction."""
        return await self._inbox.record(entry)

    async def pending_commands(self, platform: str, limit: int) -> list[InboxEntry]:
        """See `CommandInbox.pending_commands`."""
        return await self._inbox.pending(platform, limit)

    async def command_done(self, key: str, now: datetime) -> None:
        """See `CommandInbox.command_done`."""
        await self._inbox.done(key, now)

    async def prune_commands(self, done_before: datetime) -> int:
        """See `CommandInbox.prune_commands`."""
        return await self._inbox.prune(done_before)

    async def close(self) -> None:
        """Close the connection (and let go of the file's run lock, if this process held it)."""
        with contextlib.suppress(sqlite3.ProgrammingError, ValueError):  # already closed
            await self._inbox.close()
        with contextlib.suppress(sqlite3.ProgrammingError, ValueError):  # already closed
            await self._db.close()
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None
