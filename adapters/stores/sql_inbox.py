"""The command inbox in SQL, shared by both stores: PostgreSQL's `inbox` table (migration
0007), and SQLite's inbox file (`sqlite_inbox.py`).

A chat adapter writes a command here before it acknowledges it, so a write is one small
INSERT in a transaction of its own; replaying, marking done and pruning happen off that path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.stores.dialect import Connection, Dialect, Row
from incidents.ports import InboxEntry

_COLUMNS = "key, platform, command, received_at, done_at"


class InboxQueries:
    """Store-level inbox statements (`incidents.ports.CommandInbox`), each its own transaction."""

    def __init__(self, dialect: Dialect) -> None:
        self._d = dialect

    async def record(self, db: Connection, entries: Sequence[InboxEntry]) -> set[str]:
        """Insert the entries in one statement; the keys written (a key already there is a
        redelivered command, and is left as it was)."""
        rows = await db.fetch(
            f"INSERT INTO inbox ({_COLUMNS}) VALUES "
            + ", ".join(["(?, ?, ?, ?, NULL)"] * len(entries))
            + " ON CONFLICT (key) DO NOTHING RETURNING key",
            *(
                value
                for entry in entries
                for value in (
                    entry.key,
                    entry.platform,
                    entry.command,
                    self._d.time_in(entry.received_at),
                )
            ),
        )
        return {str(row[0]) for row in rows}

    async def pending(self, db: Connection, platform: str, limit: int) -> list[InboxEntry]:
        """Entries of `platform` not done yet, oldest first (the partial index's order)."""
        rows = await db.fetch(
            f"SELECT {_COLUMNS} FROM inbox WHERE platform = ? AND done_at IS NULL "
            "ORDER BY received_at, key LIMIT ?",
            platform,
            limit,
        )
        return [self._entry(row) for row in rows]

    async def done(self, db: Connection, key: str, now: datetime) -> None:
        """Mark the entry done (again, harmlessly, for a redelivered command)."""
        await db.execute(
            "UPDATE inbox SET done_at = ? WHERE key = ? AND done_at IS NULL",
            self._d.time_in(now),
            key,
        )

    async def prune(self, db: Connection, done_before: datetime) -> int:
        """Delete entries done before `done_before` (the partial index on done_at)."""
        rows = await db.fetch(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ? RETURNING key",
            self._d.time_in(done_before),
        )
        return len(rows)

    def _entry(self, row: Row) -> InboxEntry:
        key, platform, command, received, done = row
        received_at = self._d.time_out(received)
        assert received_at is not None
        return InboxEntry(
            key=str(key),
            platform=str(platform),
            command=str(command),
            received_at=received_at,
            done_at=self._d.time_out(done),
        )
