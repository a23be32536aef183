"""The SQLite store's command inbox, in a file of its own beside the database.

A chat command is written to the inbox before it is acknowledged, so the write is on the path
of every acknowledgement, and it is built to cost next to nothing there:

- A file of its own (`sevbot.db-inbox` beside `sevbot.db`). SQLite lets one writer at a time
  into a file, and an incident's transaction holds the database for a few milliseconds; in the
  same file every acknowledgement would wait for the transaction in progress.
- Its statements run on the event loop's own thread, as `sevbot simulate` runs the database
  (`_InlineDb`): an INSERT and its commit take a tenth of a millisecond (WAL, no fsync), less
  than handing them to a worker thread and waiting for the loop to pick the answer up behind
  the work already queued on it. Only this process writes the file, so a statement never
  waits for a lock; if it ever must (another program holding it), it gives up after BUSY_MS
  and the command is refused politely rather than the loop held.
- Commands that arrive in the same turn of the event loop (a burst) share one INSERT and one
  commit.

The file is opened on first use, so CLI verbs that never touch the inbox never create it. The
request keys the command bus remembers stay in the database: a command taken back from here
after a crash is still done once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from adapters.stores.dialect import SQLITE, Connection
from adapters.stores.sql_inbox import InboxQueries
from incidents.ports import InboxEntry

BUSY_MS = 1000  # the longest a statement waits for a lock another program holds
BATCH = 1000  # entries per INSERT at most (4 parameters each; SQLite allows 32,766)
SCHEMA_VERSION = 1  # PRAGMA user_version of the inbox file
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inbox (key TEXT PRIMARY KEY, platform TEXT NOT NULL, "
    "command TEXT NOT NULL, received_at TEXT NOT NULL, done_at TEXT)",
    "CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (platform, received_at) "
    "WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
Opener = Callable[[Sequence[str]], Awaitable[tuple[Connection, Callable[[], Awaitable[None]]]]]
"""Opens the inbox file (inline: every statement runs at once on the loop's thread) and runs
these statements on it if it is new; (its connection, how to close it)."""


def inbox_path(database: str) -> str:
    """`sevbot.db` → `sevbot.db-inbox` (SQLite's own companions are `-wal` and `-shm`)."""
    return database if database == ":memory:" else f"{database}-inbox"


class SqliteInbox:
    """`incidents.ports.CommandInbox` for the SQLite store."""

    def __init__(self, opener: Opener) -> None:
        self._opener = opener
        self._db: Connection | None = None
        self._close: Callable[[], Awaitable[None]] | None = None
        self._queries = InboxQueries(SQLITE)
        self._waiting: list[tuple[InboxEntry, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def _connection(self) -> Connection:
        if self._db is None:  # opening runs inline too: nobody else gets in meanwhile
            self._db, self._close = await self._opener(SCHEMA)
        return self._db

    async def record(self, entry: InboxEntry) -> bool:
        """See `CommandInbox.record_command`: committed when this returns, in one INSERT with
        the commands that arrived in the same turn of the loop."""
        loop = asyncio.get_running_loop()
        written: asyncio.Future[bool] = loop.create_future()
        self._waiting.append((entry, written))
        if self._writer is None:
            self._writer = loop.create_task(self._write(), name="sqlite-inbox")
        return await written

    async def _write(self) -> None:
        """Write what waits, in one step of the loop (the statements run inline)."""
        batch, self._waiting, self._writer = self._waiting, [], None
        try:
            db = await self._connection()
            fresh: set[str] = set()
            for start in range(0, len(batch), BATCH):
                chunk = [entry for entry, _ in batch[start : start + BATCH]]
                fresh |= await self._queries.record(db, chunk)
        except BaseException as error:  # a store fault: each caller refuses its command
            for _, written in batch:
                if written.done():
                    continue
                if isinstance(error, Exception):
                    written.set_exception(error)
                else:
                    written.cancel()
            if not isinstance(error, Exception):
                raise
            return
        for entry, written in batch:
            if not written.done():  # its caller may have given up meanwhile
                written.set_result(entry.key in fresh)
            fresh.discard(entry.key)  # the same key again in this batch: a redelivery

    async def pending(self, platform: str, limit: int) -> list[InboxEntry]:
        """See `CommandInbox.pending_commands`."""
        return await self._queries.pending(await self._connection(), platform, limit)

    async def done(self, key: str, now: datetime) -> None:
        """See `CommandInbox.command_done`."""
        await self._queries.done(await self._connection(), key, now)

    async def prune(self, done_before: datetime) -> int:
        """See `CommandInbox.prune_commands`."""
        return await self._queries.prune(await self._connection(), done_before)

    async def close(self) -> None:
        """Close the file's connection, if it was opened."""
        if self._close is not None:
            close, self._close, self._db = self._close, None, None
            await close()
