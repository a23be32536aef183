"""Store-level SQL outside an incident transaction: the timer index, jobs due, the outbox."""

from __future__ import annotations

from datetime import datetime

from adapters.stores import codec
from adapters.stores.dialect import Connection, Dialect, Row
from incidents.ports import OutboxItem

_OUTBOX_COLUMNS = (
    "id, platform, payload, created_at, attempts, next_attempt_at, delivered_at, dead_at, "
    "last_error"
)


class SqlQueries:
    """Store-level queries outside an incident transaction: timer index and outbox."""

    def __init__(self, dialect: Dialect) -> None:
        self._d = dialect

    async def incidents_with_due_timers(
        self, db: Connection, now: datetime, limit: int
    ) -> list[int]:
        """Incidents with a due timer, most overdue first.

        The inner query walks the due-time index over due rows only (an incident has a
        handful of timers, so 20 rows per wanted incident is plenty); grouping the whole
        table by incident would scan every timer of every active incident on each pass.
        """
        rows = await db.fetch(
            "SELECT incident, MIN(due_at) AS first FROM (SELECT incident, due_at FROM timers "
            "WHERE due_at <= ? ORDER BY due_at LIMIT ?) due GROUP BY incident "
            "ORDER BY first LIMIT ?",
            self._d.time_in(now),
            limit * 20,
            limit,
        )
        return [int(row[0]) for row in rows]

    async def next_timer_due(self, db: Connection) -> datetime | None:
        """The earliest due time of any incident timer or job."""
        rows = await db.fetch(  # each MIN reads one end of its index
            "SELECT MIN(first) FROM (SELECT MIN(due_at) AS first FROM timers "
            "UNION ALL SELECT MIN(due_at) AS first FROM jobs) t"
        )
        return self._d.time_out(rows[0][0]) if rows else None

    async def due_jobs(self, db: Connection, now: datetime, limit: int) -> list[str]:
        """Names of jobs due at `now`, most overdue first."""
        rows = await db.fetch(
            "SELECT name FROM jobs WHERE due_at <= ? ORDER BY due_at, name LIMIT ?",
            self._d.time_in(now),
            limit,
        )
        return [str(row[0]) for row in rows]

    async def claim_outbox(
        self, db: Connection, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """Lease the oldest due items whose incident has nothing older still undelivered."""
        rows = await db.fetch(
            f"UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN ("
            "SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL AND o.dead_at IS NULL "
            "AND o.next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.incident = o.incident AND p.id < o.id AND p.delivered_at IS NULL "
            f"AND p.dead_at IS NULL) ORDER BY o.id LIMIT ?{self._d.skip_locked}) "
            f"RETURNING {_OUTBOX_COLUMNS}",
            self._d.time_in(lease_until),
            self._d.time_in(now),
            limit,
        )
        return sorted((self._item(row) for row in rows), key=lambda item: item.id)

    async def mark_delivered(self, db: Connection, item_id: int, now: datetime) -> None:
        """Record a delivery."""
        await db.execute(
            "UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ?",
            self._d.time_in(now),
            item_id,
        )

    async def mark_failed(
        self, db: Connection, item_id: int, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        """Record a failed attempt: retry at `retry_at`, or give up (None)."""
        if retry_at is None:
            await db.execute(
                "UPDATE outbox SET last_error = ?, dead_at = ? WHERE id = ?",
                error[:2000],
                self._d.time_in(now),
                item_id,
            )
        else:
            await db.execute(
                "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
                error[:2000],
                self._d.time_in(retry_at),
                item_id,
            )

    async def next_outbox_due(self, db: Connection) -> datetime | None:
        """When the earliest undelivered, living item is due."""
        rows = await db.fetch(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL"
        )
        return self._d.time_out(rows[0][0]) if rows else None

    async def list_outbox(
        self, db: Connection, *, undelivered_only: bool, limit: int
    ) -> list[OutboxItem]:
        """Outbox items, newest first."""
        where = "WHERE delivered_at IS NULL" if undelivered_only else ""
        rows = await db.fetch(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox {where} ORDER BY id DESC LIMIT ?", limit
        )
        return [self._item(row) for row in rows]

    async def backlog(self, db: Connection) -> int:
        """How many outbox items still wait for delivery (uses the partial index)."""
        rows = await db.fetch(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL"
        )
        return int(rows[0][0])

    async def counts(self, db: Connection) -> dict[str, int]:
        """How many outbox items are delivered, pending and dead."""
        rows = await db.fetch(
            "SELECT CASE WHEN delivered_at IS NOT NULL THEN 'delivered' "
            "WHEN dead_at IS NOT NULL THEN 'dead' ELSE 'pending' END AS state, COUNT(*) "
            "FROM outbox GROUP BY 1"
        )
        return {str(state): int(count) for state, count in rows}

    def _item(self, row: Row) -> OutboxItem:
        item_id, platform, payload, created, attempts, next_at, delivered, dead, error = row
        created_at = self._d.time_out(created)
        next_attempt_at = self._d.time_out(next_at)
        assert created_at is not None
        assert next_attempt_at is not None
        return OutboxItem(
            id=int(item_id),
            platform=str(platform),
            message=codec.message_from_payload(str(payload)),
            created_at=created_at,
            attempts=int(attempts),
            next_attempt_at=next_attempt_at,
            delivered_at=self._d.time_out(delivered),
            dead_at=self._d.time_out(dead),
            last_error=error,
        )
