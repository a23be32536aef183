"""The SQL both stores share: one unit of work and one outbox, over a small dialect seam.

Queries are written once with `?` placeholders; the PostgreSQL connection rewrites them to
`$n`. Times are fixed-width UTC text on SQLite and TIMESTAMPTZ on PostgreSQL; JSON is text on
SQLite and JSONB (sent as text) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.stores import codec
from adapters.stores.dialect import Connection, Dialect
from adapters.stores.sql_alerts import AlertSql
from adapters.stores.sql_names import NameSql
from adapters.stores.sql_oncall import OnCallSql
from adapters.stores.sql_sessions import SessionSql
from adapters.stores.sql_statuspage import StatusPageSql
from incidents.access import AuditEntry
from incidents.messages import SUPERSEDING_KINDS, Message
from incidents.model import Incident, TimelineEntry
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.timers import TimerSpec

_AUDIT = "id, at, actor, action, what, incident, rotation, allowed, reason, on_behalf_of"


class SqlUnitOfWork(OnCallSql, SessionSql, NameSql, AlertSql, StatusPageSql):
    """One transaction on either store; see `incidents.ports.UnitOfWork`."""

    def __init__(self, connection: Connection, dialect: Dialect) -> None:
        self._db = connection
        self._d = dialect
        self._stored: dict[int, int] = {}  # timeline entries stored, per incident loaded here

    async def allocate_number(self) -> int:
        """The next incident number; the counter row's lock makes it atomic."""
        rows = await self._db.fetch(
            "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value"
        )
        return int(rows[0][0])

    async def load(self, number: int) -> Incident | None:
        """The incident with its timeline, locked for this transaction on PostgreSQL."""
        rows = await self._db.fetch(
            f"SELECT state FROM incidents WHERE number = ?{self._d.lock_rows}", number
        )
        if not rows:
            return None
        entries = await self._db.fetch(
            "SELECT at, actor, kind, text, data FROM timeline WHERE incident = ? ORDER BY seq",
            number,
        )
        timeline = tuple(
            codec.entry_from_row(self._need(at), actor, kind, text, str(data))
            for at, actor, kind, text, data in entries
        )
        self._stored[number] = len(timeline)
        return codec.incident_from_state(number, str(rows[0][0]), timeline)

    async def lock_incident(self, number: int) -> bool:
        """Lock the incident row, skipping it when another worker holds it."""
        rows = await self._db.fetch(
            f"SELECT number FROM incidents WHERE number = ?{self._d.skip_locked}", number
        )
        return bool(rows)

    async def save(self, incident: Incident) -> None:
        """Upsert the incident row and append the timeline entries not stored yet."""
        if incident.number in self._stored:
            stored, exists = self._stored[incident.number], True
        else:
            rows = await self._db.fetch(
                "SELECT timeline_length FROM incidents WHERE number = ?", incident.number
            )
            stored, exists = (int(rows[0][0]) if rows else 0), bool(rows)
        args = (
            int(incident.severity),
            incident.phase.value,
            self._d.time_in(incident.declared_at),
            self._d.time_in(incident.closed_at),
            codec.incident_state(incident),
            len(incident.timeline),
        )
        if exists:
            await self._db.execute(
                "UPDATE incidents SET severity = ?, phase = ?, declared_at = ?, closed_at = ?, "
                "state = ?, timeline_length = ? WHERE number = ?",
                *args,
                incident.number,
            )
        else:
            await self._db.execute(
                "INSERT INTO incidents (severity, phase, declared_at, closed_at, state, "
                "timeline_length, number) VALUES (?, ?, ?, ?, ?, ?, ?)",
                *args,
                incident.number,
            )
        for seq, entry in enumerate(incident.timeline[stored:], start=stored):
            await self._db.execute(
                "INSERT INTO timeline (incident, seq, at, actor, kind, text, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                incident.number,
                seq,
                self._d.time_in(entry.at),
                entry.actor,
                entry.kind.value,
                entry.text,
                codec.entry_data(entry),
            )
        self._stored[incident.number] = len(incident.timeline)

    async def _load_many(self, where: str, *args: Any) -> list[Incident]:
        """Incidents matching `where`, read in two queries (not two per incident), unlocked."""
        rows = await self._db.fetch(
            f"SELECT number, state FROM incidents WHERE {where} ORDER BY number", *args
        )
        entries = await self._db.fetch(
            "SELECT incident, at, actor, kind, text, data FROM timeline WHERE incident IN "
            f"(SELECT number FROM incidents WHERE {where}) ORDER BY incident, seq",
            *args,
        )
        timelines: dict[int, list[TimelineEntry]] = {}
        for incident, at, actor, kind, text, data in entries:
            timelines.setdefault(int(incident), []).append(
                codec.entry_from_row(self._need(at), actor, kind, text, str(data))
            )
        loaded = []
        for number, state in rows:
            timeline = tuple(timelines.get(int(number), ()))
            self._stored[int(number)] = len(timeline)
            loaded.append(codec.incident_from_state(int(number), str(state), timeline))
        return loaded

    async def open_incidents(self) -> list[Incident]:
        """Every incident not yet closed."""
        return await self._load_many("closed_at IS NULL")

    async def incidents_since(self, since: datetime) -> list[Incident]:
        """Every incident declared at or after `since`."""
        return await self._load_many("declared_at >= ?", self._d.time_in(since))

    def _open_action_items(self) -> str:
        """FROM-clause items: one row per action item not done yet, beside its incident row."""
        if self._d.name == "postgres":
            return (
                "jsonb_array_elements(incidents.state -> 'action_items') AS item "
                "WHERE item ->> 'done_at' IS NULL"
            )
        return (
            "json_each(incidents.state, '$.action_items') AS item "
            "WHERE json_extract(item.value, '$.done_at') IS NULL"
        )

    async def incidents_with_open_action_items(self) -> list[Incident]:
        """Every incident, closed or not, with an action item not done yet."""
        return await self._load_many(f"EXISTS (SELECT 1 FROM {self._open_action_items()})")

    async def count_open_action_items(self) -> int:
        """How many action items are not done yet, across every incident."""
        rows = await self._db.fetch(f"SELECT COUNT(*) FROM incidents, {self._open_action_items()}")
        return int(rows[0][0])

    async def count_open_incidents(self) -> dict[tuple[Severity, Phase], int]:
        """How many incidents are not closed, by (severity, phase); no rows are locked."""
        rows = await self._db.fetch(
            "SELECT severity, phase, COUNT(*) FROM incidents WHERE closed_at IS NULL "
            "GROUP BY severity, phase"
        )
        return {(Severity(int(sev)), Phase(str(phase))): int(n) for sev, phase, n in rows}

    async def enqueue(self, messages: Sequence[Message], *, platform: str, now: datetime) -> None:
        """Add messages to the outbox, due at once. A reminder replaces the same incident's
        reminders of its kind not sent yet (and not being sent): see `SUPERSEDING_KINDS`."""
        at = self._d.time_in(now)
        for message in messages:
            if message.kind in SUPERSEDING_KINDS and message.incident is not None:
                await self._db.execute(
                    "DELETE FROM outbox WHERE incident = ? AND platform = ? AND kind = ? "
                    "AND delivered_at IS NULL AND dead_at IS NULL AND claimed_by IS NULL",
                    message.incident,
                    platform,
                    message.kind,
                )
            await self._db.execute(
                "INSERT INTO outbox (platform, incident, kind, payload, created_at, "
                "next_attempt_at, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                platform,
                message.incident,
                message.kind,
                codec.message_payload(message),
                at,
                at,
                at,
            )

    async def revive_outbox(self, ids: Sequence[int] | None, now: datetime) -> list[int]:
        """Send given-up items again, due at `now`; returns the ids revived."""
        at = self._d.time_in(now)
        chosen = ""
        if ids is not None:
            if not ids:
                return []
            chosen = f" AND id IN ({', '.join('?' for _ in ids)})"
        rows = await self._db.fetch(
            "UPDATE outbox SET dead_at = NULL, next_attempt_at = ?, scheduled_at = ?, "
            f"retried_at = ?, claimed_by = NULL WHERE dead_at IS NOT NULL{chosen} RETURNING id",
            at,
            at,
            at,
            *(ids or ()),
        )
        return sorted(int(row[0]) for row in rows)

    async def replace_timers(self, number: int, timers: Sequence[TimerSpec]) -> None:
        """Make the incident's stored timers exactly `timers`, writing only what changed."""
        rows = await self._db.fetch("SELECT key, due_at FROM timers WHERE incident = ?", number)
        stored = {str(key): self._need(due) for key, due in rows}
        wanted = {spec.key: spec for spec in timers}
        for key, due in stored.items():
            if key not in wanted or wanted[key].due_at != due:
                await self._db.execute(
                    "DELETE FROM timers WHERE incident = ? AND key = ?", number, key
                )
        for key, spec in wanted.items():
            if stored.get(key) != spec.due_at:
                await self._db.execute(
                    "INSERT INTO timers (incident, key, kind, due_at) VALUES (?, ?, ?, ?)",
                    number,
                    spec.key,
                    spec.kind.value,
                    self._d.time_in(spec.due_at),
                )

    async def due_timers(self, number: int, now: datetime) -> list[tuple[str, datetime]]:
        """(key, due_at) of the incident's timers due at `now`, earliest first."""
        rows = await self._db.fetch(
            "SELECT key, due_at FROM timers WHERE incident = ? AND due_at <= ? "
            "ORDER BY due_at, key",
            number,
            self._d.time_in(now),
        )
        return [(str(key), self._need(due)) for key, due in rows]

    async def prune_outbox(self, delivered_before: datetime) -> int:
        """Delete items delivered before `delivered_before`; returns how many."""
        rows = await self._db.fetch(
            "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ? RETURNING id",
            self._d.time_in(delivered_before),
        )
        return len(rows)

    async def claim_job(self, name: str) -> datetime | None:
        """The job's due time, locked for this transaction; None if absent or held elsewhere."""
        rows = await self._db.fetch(
            f"SELECT due_at FROM jobs WHERE name = ?{self._d.skip_locked}", name
        )
        return self._d.time_out(rows[0][0]) if rows else None

    async def schedule_job(self, name: str, due_at: datetime) -> None:
        """Create the job, or move it to `due_at`."""
        await self._db.execute(
            "INSERT INTO jobs (name, due_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at",
            name,
            self._d.time_in(due_at),
        )

    async def cancel_job(self, name: str) -> None:
        """Remove the job."""
        await self._db.execute("DELETE FROM jobs WHERE name = ?", name)

    async def job_due(self, name: str) -> datetime | None:
        """When the job is next due, without locking it."""
        rows = await self._db.fetch("SELECT due_at FROM jobs WHERE name = ?", name)
        return self._d.time_out(rows[0][0]) if rows else None

    async def remember_request(self, key: str, now: datetime) -> bool:
        """Record an idempotency key; False when it was already there."""
        rows = await self._db.fetch(
            "INSERT INTO requests (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key",
            key,
            self._d.time_in(now),
        )
        return bool(rows)

    async def record_answer(self, key: str, answer: str) -> None:
        """Keep the answer of request `key` (remembered in this transaction)."""
        await self._db.execute("UPDATE requests SET answer = ? WHERE key = ?", answer, key)

    async def request_answer(self, key: str) -> str | None:
        """The answer kept for request `key`."""
        rows = await self._db.fetch("SELECT answer FROM requests WHERE key = ?", key)
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    async def append_audit(self, entry: AuditEntry) -> None:
        """Append one audit entry."""
        await self._db.execute(
            "INSERT INTO audit (at, actor, action, what, incident, rotation, allowed, reason, "
            "on_behalf_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._d.time_in(entry.at),
            entry.actor,
            entry.action,
            entry.what,
            entry.incident,
            entry.rotation,
            self._d.flag_in(entry.allowed),
            entry.reason,
            entry.on_behalf_of,
        )

    async def audit_since(self, since: datetime, limit: int) -> list[AuditEntry]:
        """Entries at or after `since`, newest first."""
        rows = await self._db.fetch(
            f"SELECT {_AUDIT} FROM audit WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?",
            self._d.time_in(since),
            limit,
        )
        return [self._audit(row) for row in rows]

    async def latest_audit(self, action: str) -> AuditEntry | None:
        """The newest entry of `action`."""
        rows = await self._db.fetch(
            f"SELECT {_AUDIT} FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1", action
        )
        return self._audit(rows[0]) if rows else None

    def _audit(self, row: Any) -> AuditEntry:
        return AuditEntry(
            id=int(row[0]),
            at=self._need(row[1]),
            actor=str(row[2]),
            action=str(row[3]),
            what=str(row[4]),
            incident=None if row[5] is None else int(row[5]),
            rotation=row[6],
            allowed=bool(row[7]),
            reason=str(row[8]),
            on_behalf_of=row[9],
        )

    async def bind_channel(self, number: int, platform: str, channel_id: str) -> None:
        """Record the chat channel of an incident."""
        await self._db.execute(
            "INSERT INTO channels (platform, channel_id, incident) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            platform,
            channel_id,
            number,
        )

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The incident's channel on `platform`."""
        rows = await self._db.fetch(
            "SELECT channel_id FROM channels WHERE incident = ? AND platform = ?", number, platform
        )
        return str(rows[0][0]) if rows else None

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is."""
        rows = await self._db.fetch(
            "SELECT incident FROM channels WHERE platform = ? AND channel_id = ?",
            platform,
            channel_id,
        )
        return int(rows[0][0]) if rows else None

    def _need(self, value: Any) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None
        return moment
