"""Store-level SQL outside an incident transaction: the timer index, jobs due, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.stores import codec
from adapters.stores.dialect import Connection, Dialect, Row
from incidents.ports import OutboxItem, TimerClaim

_OUTBOX_COLUMNS = (
    "id, platform, payload, created_at, attempts, next_attempt_at, delivered_at, dead_at, "
    "last_error, rate_limits, retried_at, claimed_by"
)
_LIVING = "delivered_at IS NULL AND dead_at IS NULL"


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

    async def claim_due_timers(
        self, db: Connection, now: datetime, lease_until: datetime, limit: int, holder: str
    ) -> list[TimerClaim]:
        """Claim up to `limit` due timers nobody holds (or whose lease ended) for `holder`
        until `lease_until`, most overdue first, in one statement. On PostgreSQL the rows
        another claimer is locking are skipped, and a row claimed since this statement's
        snapshot is re-checked and left out: concurrent claimers get disjoint sets."""
        at = self._d.time_in(now)
        rows = await db.fetch(
            "UPDATE timers SET claimed_by = ?, claimed_until = ? WHERE (incident, key) IN "
            "(SELECT incident, key FROM timers WHERE due_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) "
            f"ORDER BY due_at, incident, key LIMIT ?{self._d.skip_locked}) "
            "RETURNING incident, key, due_at",
            holder,
            self._d.time_in(lease_until),
            at,
            at,
            limit,
        )
        claims = [
            TimerClaim(incident=int(number), key=str(key), due_at=self._need(due))
            for number, key, due in rows
        ]
        return sorted(claims, key=lambda claim: (claim.due_at, claim.incident, claim.key))

    async def release_timers(self, db: Connection, numbers: Sequence[int], holder: str) -> None:
        """Give up `holder`'s claims on the timers of `numbers`: due, they are claimed again."""
        await db.execute(
            "UPDATE timers SET claimed_by = NULL, claimed_until = NULL "
            f"WHERE {self._d.any_of('incident')} AND claimed_by = ?",
            self._d.list_in(numbers),
            holder,
        )

    async def next_timer_due(self, db: Connection) -> datetime | None:
        """The earliest due time of any incident timer or job; a claimed timer is due again
        when its lease ends (its holder fires it before that, or gave up on it)."""
        rows = await db.fetch(  # each MIN reads one end of an index
            "SELECT MIN(first) FROM (SELECT MIN(due_at) AS first FROM timers "
            "WHERE claimed_until IS NULL "
            "UNION ALL SELECT MIN(claimed_until) AS first FROM timers "
            "WHERE claimed_until IS NOT NULL "
            "UNION ALL SELECT MIN(due_at) AS first FROM jobs) t"
        )
        return self._d.time_out(rows[0][0]) if rows else None

    def _need(self, value: object) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None
        return moment

    async def due_jobs(self, db: Connection, now: datetime, limit: int) -> list[str]:
        """Names of jobs due at `now`, most overdue first."""
        rows = await db.fetch(
            "SELECT name FROM jobs WHERE due_at <= ? ORDER BY due_at, name LIMIT ?",
            self._d.time_in(now),
            limit,
        )
        return [str(row[0]) for row in rows]

    async def claim_outbox(
        self, db: Connection, now: datetime, lease_until: datetime, limit: int, sender: str
    ) -> list[OutboxItem]:
        """Lease the oldest due items whose incident has nothing older still undelivered on
        the same platform (a mirrored incident's Slack rows never wait for its Discord ones).

        Due: its time has come, or it is not claimed and its wait began after `now` (the clock
        went back: waiting for it to catch up could hold an incident's messages for an hour).
        Order within an incident and platform is by id, never by a time.
        """
        at = self._d.time_in(now)
        rows = await db.fetch(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, scheduled_at = ?, "
            "claimed_by = ? WHERE id IN (SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL "
            "AND o.dead_at IS NULL AND (o.next_attempt_at <= ? OR (o.claimed_by IS NULL "
            "AND o.scheduled_at > ?)) AND NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.incident = o.incident AND p.platform = o.platform AND p.id < o.id "
            "AND p.delivered_at IS NULL "
            f"AND p.dead_at IS NULL) ORDER BY o.id LIMIT ?{self._d.skip_locked}) "
            f"RETURNING {_OUTBOX_COLUMNS}",
            self._d.time_in(lease_until),
            at,
            sender,
            at,
            at,
            limit,
        )
        return sorted((self._item(row) for row in rows), key=lambda item: item.id)

    async def mark_delivered(self, db: Connection, item_id: int, now: datetime) -> None:
        """Record a delivery."""
        await db.execute(
            "UPDATE outbox SET delivered_at = ?, last_error = NULL, claimed_by = NULL WHERE id = ?",
            self._d.time_in(now),
            item_id,
        )

    async def mark_failed(
        self,
        db: Connection,
        item_id: int,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        *,
        rate_limited: bool = False,
    ) -> None:
        """Record a failed attempt: retry at `retry_at`, or give up (None). A rate limit is
        counted apart, so it is not a failure."""
        limited = 1 if rate_limited else 0
        if retry_at is None:
            await db.execute(
                "UPDATE outbox SET last_error = ?, dead_at = ?, claimed_by = NULL, "
                "rate_limits = rate_limits + ? WHERE id = ?",
                error[:2000],
                self._d.time_in(now),
                limited,
                item_id,
            )
        else:
            await db.execute(
                "UPDATE outbox SET last_error = ?, next_attempt_at = ?, scheduled_at = ?, "
                "claimed_by = NULL, rate_limits = rate_limits + ? WHERE id = ?",
                error[:2000],
                self._d.time_in(retry_at),
                self._d.time_in(now),
                limited,
                item_id,
            )

    async def _release_claims(self, db: Connection, now: datetime) -> int:
        """Make the items claimed by senders no longer registered due at `now` again."""
        at = self._d.time_in(now)
        rows = await db.fetch(
            "UPDATE outbox SET claimed_by = NULL, next_attempt_at = ?, scheduled_at = ? "
            f"WHERE claimed_by IS NOT NULL AND {_LIVING} "
            "AND claimed_by NOT IN (SELECT id FROM outbox_senders) RETURNING id",
            at,
            at,
        )
        return len(rows)

    async def _register(self, db: Connection, sender: str, now: datetime) -> None:
        await db.execute(
            "INSERT INTO outbox_senders (id, seen_at) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
            sender,
            self._d.time_in(now),
        )

    async def renew_sender(
        self, db: Connection, sender: str, now: datetime, gone_after: timedelta
    ) -> int:
        """Record the sender's heartbeat, forget senders silent for `gone_after` (or seen that
        far in the future: a clock went back), and release their claims; returns how many."""
        await self._register(db, sender, now)
        await db.execute(
            "DELETE FROM outbox_senders WHERE id <> ? AND (seen_at < ? OR seen_at > ?)",
            sender,
            self._d.time_in(now - gone_after),
            self._d.time_in(now + gone_after),
        )
        return await self._release_claims(db, now)

    async def start_sender(self, db: Connection, sender: str, now: datetime, *, only: bool) -> int:
        """Register a starting sender; `only` (one process per database): forget every other
        sender and release every claim. Returns how many claims were released."""
        released = 0
        if only:
            await db.execute("DELETE FROM outbox_senders WHERE id <> ?", sender)
            released = await self._release_claims(db, now)
        await self._register(db, sender, now)
        return released

    async def next_outbox_due(self, db: Connection) -> datetime | None:
        """When the earliest undelivered, living item is due."""
        rows = await db.fetch(f"SELECT MIN(next_attempt_at) FROM outbox WHERE {_LIVING}")
        return self._d.time_out(rows[0][0]) if rows else None

    async def waiting_behind(self, db: Connection) -> dict[int, int]:
        """For the oldest living item of each incident on each platform with more waiting:
        how many wait behind it there."""
        rows = await db.fetch(
            f"SELECT MIN(id), COUNT(*) FROM outbox WHERE {_LIVING} AND incident IS NOT NULL "
            "GROUP BY incident, platform HAVING COUNT(*) > 1"
        )
        return {int(head): int(count) - 1 for head, count in rows}

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
        rows = await db.fetch(f"SELECT COUNT(*) FROM outbox WHERE {_LIVING}")
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
        item_id, platform, payload, created, attempts, next_at, delivered, dead, error = row[:9]
        rate_limits, retried, claimed_by = row[9:]
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
            rate_limits=int(rate_limits),
            retried_at=self._d.time_out(retried),
            claimed_by=claimed_by,
        )
