"""The replicated store: PostgreSQL through an asyncpg pool; row locks make replicas safe.

Several sevbot processes may share one database: the incident counter and incident rows are
locked with `FOR UPDATE`, timers and outbox items are claimed with `FOR UPDATE SKIP LOCKED`,
and migrations run under an advisory lock so replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from adapters.stores.dialect import POSTGRES, Connection, Row
from adapters.stores.faults import postgres_where
from adapters.stores.migrate import SchemaTooNew, latest, migrations
from adapters.stores.pg_warm import WARM_AT, WARM_KEY, WARM_PLATFORM, rehearse
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sql_inbox import InboxQueries
from adapters.stores.sql_queries import SqlQueries
from adapters.stores.sql_reads import Decoded, SqlReads
from incidents.ports import InboxEntry, OutboxItem, StoreUnavailable, TimerClaim

log = logging.getLogger(__name__)

# Fixed key of the session-level advisory lock held while migrating ("sevbotmg" as 64 bits).
MIGRATION_LOCK = int.from_bytes(b"sevbotmg", "big")
COMMAND_TIMEOUT = 30.0  # seconds, for every ordinary statement
ACQUIRE_TIMEOUT = 30.0  # seconds to wait for a free pooled connection
MIGRATION_TIMEOUT = 600.0  # waiting for another replica's migration, or building an index
CLOSE_TIMEOUT = 10.0
# Connections a serving process opens and warms at start (`pg_warm`): as many as the first
# incident uses at once (its transaction, then the delivery beside the scheduler's round).
WARM_CONNECTIONS = 3

_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?")  # a quoted literal (kept as is) or a `?`


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as asyncpg's `$1..$n`, leaving question marks in quoted literals."""
    count = itertools.count(1)
    return _PLACEHOLDER.sub(
        lambda match: f"${next(count)}" if match.group(0) == "?" else match.group(0), sql
    )


# Server errors that say the server, not the statement, is the trouble: shutting down or
# starting (57P0x), out of disk, memory or connections (53xxx), a read-only standby (25006).
_SERVER_FAULTS = (
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    asyncpg.PostgresConnectionError,
)
# What waiting will not cure: no such database, credentials refused.
_LASTING = (
    asyncpg.exceptions.InvalidCatalogNameError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
)
# The connection died under a statement: a fresh one may well work (a failover, a pgbouncer
# restart, `pg_terminate_backend`). An idle pooled connection whose backend was terminated
# can fail with InternalClientError ("cannot switch to state …", MagicStack/asyncpg#1069)
# instead, without being marked closed: it is poisoned, and cut off before it goes back.
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InternalClientError,
)


async def _keep_session(connection: Any) -> None:
    """The pool's reset on release, beyond asyncpg's own (which rolls back a transaction left
    open): nothing. The default reset is a round trip per release (`RESET ALL`, `UNLISTEN *`,
    …) for session state sevbot never sets (the migration's advisory lock is released by
    the migration itself), and each pooled statement releases its connection."""


class _ConnectionLost(StoreUnavailable):
    """A connection died under a statement; a read may be run again on a fresh one."""


def store_fault(error: BaseException, where: str) -> StoreUnavailable | None:
    """`error` as a `StoreUnavailable` naming `where` when it is the server's or the network's
    fault; None when it is the statement's (a bug, a constraint, a lock conflict)."""
    if isinstance(error, StoreUnavailable):
        return error
    if isinstance(error, _LOST) or (
        isinstance(error, asyncpg.InterfaceError) and "closed" in str(error)
    ):
        return _ConnectionLost(where, f"connection lost: {error} ({type(error).__name__})")
    if isinstance(error, _LASTING):
        hint = "; fix SEVBOT_DATABASE_URL (or create the database)"
        return StoreUnavailable(where, f"{error}{hint}", lasting=True)
    if isinstance(error, _SERVER_FAULTS):
        return StoreUnavailable(where, f"{error} ({type(error).__name__})")
    if isinstance(error, TimeoutError):
        return StoreUnavailable(where, "no answer in time (timed out)")
    if isinstance(error, OSError):
        # The same words whatever the event loop: `Connection refused`, not the call's repr.
        words = os.strerror(error.errno) if error.errno else str(error)
        return StoreUnavailable(where, f"cannot connect: {words}")
    return None


class _Pool:
    """The asyncpg pool, with its faults in words: acquiring a connection, and whatever is
    done with it, raise `StoreUnavailable` naming the server when the server or the network
    is the trouble. A connection that died is dropped by asyncpg and replaced on the next
    acquire, so the store heals once the server answers again."""

    def __init__(self, pool: Any, where: str) -> None:
        self.raw = pool
        self.where = where

    @asynccontextmanager
    async def acquire(self, *, timeout: float) -> AsyncIterator[Any]:  # noqa: ASYNC109 -- asyncpg's `acquire(timeout=…)`, which callers already use
        """A pooled connection for the block (see the class)."""
        try:
            async with self.raw.acquire(timeout=timeout) as connection:
                try:
                    yield connection
                except Exception as error:
                    if isinstance(store_fault(error, self.where), _ConnectionLost):
                        # Cut off (unless closed and so already detached from the pool): the
                        # pool replaces it on the next acquire. Its idle siblings most likely
                        # died with it (a failover, a restart): they are replaced too.
                        with contextlib.suppress(Exception):
                            connection.terminate()
                        await self.raw.expire_connections()
                    raise
        except Exception as error:
            fault = store_fault(error, self.where)
            if fault is None or fault is error:
                raise
            raise fault from error

    async def close(self) -> None:
        """Close every connection, waiting for those in use."""
        await self.raw.close()

    def terminate(self) -> None:
        """Cut every connection off now."""
        self.raw.terminate()


class _Connection:
    """An asyncpg connection behind the shared `Connection` protocol."""

    def __init__(self, db: Any) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        rows = await self._db.fetch(numbered(sql), *args)
        return list(rows)

    async def execute(self, sql: str, *args: Any) -> None:
        await self._db.execute(numbered(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:  # asyncpg pipelines the rows: one round trip, not one per row
            await self._db.executemany(numbered(sql), rows)


class _PooledConnection:
    """Each statement on whichever pooled connection is free, waiting for one at most so long."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        try:
            async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
                return await _Connection(raw).fetch(sql, *args)
        except _ConnectionLost:
            if not sql.lstrip().upper().startswith("SELECT"):
                raise  # a write may have happened: the caller decides
        # A read on a connection that died (its server restarted, or it was terminated): once
        # more, on a fresh connection.
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            return await _Connection(raw).fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> None:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            await _Connection(raw).execute(sql, *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            await _Connection(raw).executemany(sql, rows)


# One statement text for any number of commands (one prepared statement, not one per count).
_RECORD_COMMANDS = (
    "INSERT INTO inbox (key, platform, command, received_at, done_at) "
    "SELECT key, platform, command, received_at, NULL FROM "
    "unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) "
    "AS recorded (key, platform, command, received_at) "
    "ON CONFLICT (key) DO NOTHING RETURNING key"
)
INBOX_BATCH = 500  # commands per INSERT at most
GATHER_TURNS = 4  # turns of the loop the writer of a burst's rest waits for it, at most


class _InboxWriter:
    """A group commit for the inbox. A burst of commands (twenty people running `/incident
    open` at once) would be twenty INSERTs and twenty commits, each holding a connection
    and queueing the burst's later acknowledgements behind them. Here a command arriving
    while nothing is being written is written at once, by its caller, alone: after a quiet
    spell that first round trip is the slow one (the server's process and its disk wake up),
    and it runs while the rest of the burst is read. Those arriving meanwhile are written by
    one writer task, beside it on another connection: it lets the loop run while commands
    keep arriving (`GATHER_TURNS`), then writes them in one INSERT, and so on while any
    wait. Each caller is answered when the statement holding its command has committed
    (acknowledged means durable), or gets its error."""

    def __init__(self, db: _PooledConnection) -> None:
        self._db = db
        self._waiting: list[tuple[InboxEntry, asyncio.Future[bool]]] = []
        self._busy = False  # a first command's INSERT is under way
        self._writer: asyncio.Task[None] | None = None

    async def record(self, entry: InboxEntry) -> bool:
        """Write `entry`; True if it was new (False: its key was there, a redelivery)."""
        if self._busy or self._writer is not None:
            written = asyncio.get_running_loop().create_future()
            self._waiting.append((entry, written))
            if self._writer is None:
                self._writer = asyncio.create_task(self._write(), name="inbox-writer")
            return await asyncio.shield(written)  # a caller that gives up does not stop it
        self._busy = True
        try:
            return entry.key in await self._insert([entry])
        finally:
            self._busy = False

    async def _gather(self) -> None:
        """Let the loop run while commands keep arriving, `GATHER_TURNS` turns at most: the
        rest of a burst already read from the socket reaches `record` within a few turns."""
        for _ in range(GATHER_TURNS):
            arrived = len(self._waiting)
            await asyncio.sleep(0)
            if len(self._waiting) == arrived:
                return

    async def _answer(self, batch: list[tuple[InboxEntry, asyncio.Future[bool]]]) -> None:
        """INSERT `batch` and answer each of its callers: new or not, or the error."""
        try:
            new = await self._insert([entry for entry, _ in batch])
        except BaseException as error:
            for _, written in batch:
                if written.done():
                    continue
                if isinstance(error, Exception):
                    written.set_exception(error)
                else:  # cancelled (shutting down): not known to be written
                    written.cancel()
            if not isinstance(error, Exception):
                raise
            return
        for entry, written in batch:
            if not written.done():
                written.set_result(entry.key in new)
            new.discard(entry.key)  # the same key again in this batch: a redelivery

    async def _insert(self, entries: Sequence[InboxEntry]) -> set[str]:
        rows = await self._db.fetch(
            _RECORD_COMMANDS,
            [entry.key for entry in entries],
            [entry.platform for entry in entries],
            [entry.command for entry in entries],
            [entry.received_at for entry in entries],
        )
        return {str(row[0]) for row in rows}

    async def _write(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                batch = self._waiting[:INBOX_BATCH]
                del self._waiting[:INBOX_BATCH]
                await self._answer(batch)
        finally:
            self._writer = None
            for _, written in self._waiting:  # left when cancelled: never written
                written.cancel()
            self._waiting.clear()


class PostgresStore:
    """See `incidents.ports.Store`. A pool of connections; each transaction takes one."""

    def __init__(self, pool: Any, where: str = "PostgreSQL") -> None:
        self._pool = pool if isinstance(pool, _Pool) else _Pool(pool, where)
        self._conn = _PooledConnection(self._pool)
        self._decoded: Decoded = {}  # open incidents as `reading` last decoded them
        self._queries = SqlQueries(POSTGRES)
        self._inbox = InboxQueries(POSTGRES)
        self._inbox_writer = _InboxWriter(self._conn)
        self._warming: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        schema: str | None = None,
        max_size: int = 10,
        serving: bool = False,
    ) -> PostgresStore:
        """Connect to `url` (in `schema`, if given) and bring the schema up to date. A server
        that cannot be reached, or refuses, raises `StoreUnavailable` naming host and port.

        `serving` (`sevbot run`): `WARM_CONNECTIONS` connections are opened and warmed in the
        background (`warm`), and the pool keeps its connections however long they are idle,
        so the first incident in hours is as quick as the next one (asyncpg's default closes
        a connection idle 5 minutes, and the next use opens and prepares anew)."""
        settings = {"TimeZone": "UTC", "application_name": "sevbot"}
        if schema is not None:
            settings["search_path"] = schema
        where = postgres_where(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=max_size,
                command_timeout=COMMAND_TIMEOUT,
                timeout=COMMAND_TIMEOUT,
                server_settings=settings,
                reset=_keep_session,
                max_inactive_connection_lifetime=0 if serving else 300.0,
            )
        except Exception as error:
            fault = store_fault(error, where)
            if fault is None:
                raise
            raise fault from error
        store = cls(pool, where)
        try:
            await store.migrate(apply=migrate)
        except BaseException:
            await store.close()
            raise
        if serving:
            store._warming = asyncio.create_task(store._warm_quietly(), name="postgres-warm-up")
        return store

    async def warm(self, connections: int = WARM_CONNECTIONS) -> None:
        """Open `connections` pooled connections (those missing) and run the hot statements
        once on each, in a transaction rolled back (`adapters.stores.pg_warm`)."""

        async def one() -> None:
            async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
                transaction = raw.transaction()
                await transaction.start()
                try:
                    db = _Connection(raw)
                    # The acknowledgement's inbox row first (`_InboxWriter`), then the rest.
                    await db.fetch(_RECORD_COMMANDS, [WARM_KEY], [WARM_PLATFORM], [""], [WARM_AT])
                    await rehearse(db, self._queries, self._inbox, now=WARM_AT)
                finally:
                    await transaction.rollback()

        # At once, so each holds its own connection.
        await asyncio.gather(*(one() for _ in range(connections)))

    async def _warm_quietly(self) -> None:
        """`warm`, in the background of a start: a failure only costs the time it would save."""
        try:
            await self.warm()
        except Exception as error:  # the store's faults are met again by whatever runs next
            log.info("warming PostgreSQL connections failed: %s", error)

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
        """A transaction on one pooled connection: commits on success, rolls back on error.

        A fault before the COMMIT is a `StoreUnavailable` with `committed=False` (nothing was
        kept: running the work again is safe); a connection lost during the COMMIT has
        `committed=None` (the server may have committed)."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw:
            transaction = raw.transaction()
            await transaction.start()
            try:
                yield SqlUnitOfWork(_Connection(raw), POSTGRES)
            except BaseException:
                # On a dead connection the rollback fails too; the error worth raising is the
                # first one, and the pool discards the connection either way.
                with contextlib.suppress(Exception):
                    await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except Exception as error:
                fault = store_fault(error, self._pool.where)
                if fault is None:
                    raise
                if isinstance(fault, _ConnectionLost):
                    fault.committed = None
                raise fault from error

    # -- reads for queries (issue 20: CPU per `/incident list`) -------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlReads]:
        """See `Store.reading`: each statement on whichever pooled connection is free (a read
        on one that died runs once more), with no BEGIN and COMMIT round trips around it."""
        yield SqlReads(self._conn, POSTGRES, self._decoded)

    # -- end of reads for queries ---------------------------------------------------------

    async def incidents_with_due_timers(self, now: datetime, limit: int) -> list[int]:
        """See `Store.incidents_with_due_timers`."""
        return await self._queries.incidents_with_due_timers(self._conn, now, limit)

    async def claim_due_timers(
        self, now: datetime, lease_until: datetime, limit: int, *, holder: str
    ) -> list[TimerClaim]:
        """See `Store.claim_due_timers`: one statement; rows other replicas are claiming are
        skipped, so concurrent claimers get disjoint sets."""
        return await self._queries.claim_due_timers(self._conn, now, lease_until, limit, holder)

    async def release_timers(self, numbers: Sequence[int], *, holder: str) -> None:
        """See `Store.release_timers`."""
        await self._queries.release_timers(self._conn, numbers, holder)

    async def due_jobs(self, now: datetime, limit: int) -> list[str]:
        """See `Store.due_jobs`."""
        return await self._queries.due_jobs(self._conn, now, limit)

    async def next_timer_due(self) -> datetime | None:
        """See `Store.next_timer_due`."""
        return await self._queries.next_timer_due(self._conn)

    async def claim_outbox(
        self, now: datetime, lease_until: datetime, limit: int, *, sender: str
    ) -> list[OutboxItem]:
        """See `Store.claim_outbox`; rows other replicas are claiming are skipped. One
        statement (an UPDATE … RETURNING is atomic on its own): no BEGIN and COMMIT round
        trips around it."""
        return await self._queries.claim_outbox(self._conn, now, lease_until, limit, sender)

    async def mark_delivered(self, item_id: int, now: datetime) -> None:
        """See `Store.mark_delivered`."""
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
        await self._queries.mark_failed(
            self._conn, item_id, error, retry_at, now, rate_limited=rate_limited
        )

    async def start_sender(self, sender: str, now: datetime) -> int:
        """See `Store.start_sender`: replicas share PostgreSQL, so no claim is released here
        (the heartbeats release those of senders that went silent)."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw, raw.transaction():
            return await self._queries.start_sender(_Connection(raw), sender, now, only=False)

    async def renew_sender(self, sender: str, now: datetime, gone_after: timedelta) -> int:
        """See `Store.renew_sender`."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as raw, raw.transaction():
            return await self._queries.renew_sender(_Connection(raw), sender, now, gone_after)

    async def waiting_behind(self) -> dict[int, int]:
        """See `Store.waiting_behind`."""
        return await self._queries.waiting_behind(self._conn)

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

    async def record_command(self, entry: InboxEntry) -> bool:
        """See `CommandInbox.record_command`: commands arriving together are written together
        (`_InboxWriter`), each answered once the INSERT holding it has committed."""
        return await self._inbox_writer.record(entry)

    async def pending_commands(self, platform: str, limit: int) -> list[InboxEntry]:
        """See `CommandInbox.pending_commands`."""
        return await self._inbox.pending(self._conn, platform, limit)

    async def command_done(self, key: str, now: datetime) -> None:
        """See `CommandInbox.command_done`."""
        await self._inbox.done(self._conn, key, now)

    async def prune_commands(self, done_before: datetime) -> int:
        """See `CommandInbox.prune_commands`."""
        return await self._inbox.prune(self._conn, done_before)

    async def close(self) -> None:
        """Close the pool, waiting briefly for connections in use; then cut them off."""
        if self._warming is not None:
            self._warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warming
        try:
            await asyncio.wait_for(self._pool.close(), timeout=CLOSE_TIMEOUT)
        except TimeoutError:
            self._pool.terminate()
