"""The SQL both stores share: one unit of work and one outbox, over a small dialect seam.

Queries are written once with `?` placeholders; the PostgreSQL connection rewrites them to
`$n`. Times are fixed-width UTC text on SQLite and TIMESTAMPTZ on PostgreSQL; JSON is text on
SQLite and JSONB (sent as text) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from adapters.stores import codec
from adapters.stores.dialect import Connection, Dialect
from adapters.stores.sql_alerts import AlertSql
from adapters.stores.sql_github import GitHubSql
from adapters.stores.sql_names import NameSql
from adapters.stores.sql_oncall import OnCallSql
from adapters.stores.sql_reads import ChannelSql
from adapters.stores.sql_sessions import SessionSql
from adapters.stores.sql_statuspage import StatusPageSql
from incidents.access import AuditEntry
from incidents.messages import SUPERSEDING_KINDS, Message
from incidents.model import Incident, TimelineEntry
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.timers import TimerSpec

_AUDIT = "id, at, actor, action, what, incident, rotation, allowed, reason, on_behalf_of"
_UPDATE_INCIDENT = (
    "UPDATE incidents SET severity = ?, phase = ?, declared_at = ?, closed_at = ?, "
    "state = ?, timeline_length = ? WHERE number = ?"
)
_INSERT_INCIDENT = (
    "INSERT INTO incidents (severity, phase, declared_at, closed_at, state, timeline_length, "
    "number) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_ENTRY = (
    "INSERT INTO timeline (incident, seq, at, actor, kind, text, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SUPERSEDE = (
    "DELETE FROM outbox WHERE incident = ? AND platform = ? AND kind = ? "
    "AND delivered_at IS NULL AND dead_at IS NULL AND claimed_by IS NULL"
)
_INSERT_OUTBOX = (
    "INSERT INTO outbox (platform, incident, kind, payload, created_at, "
    "next_attempt_at, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_DELETE_TIMER = "DELETE FROM timers WHERE incident = ? AND key = ?"
_INSERT_TIMER = "INSERT INTO timers (incident, key, kind, due_at) VALUES (?, ?, ?, ?)"


class SqlUnitOfWork(OnCallSql, SessionSql, NameSql, ChannelSql, AlertSql, StatusPageSql, GitHubSql):
    """One transaction on either store; see `incidents.ports.UnitOfWork`."""

    def __init__(self, connection: Connection, dialect: Dialect) -> None:
        self._db = connection
        self._d = dialect
        self._stored: dict[int, int] = {}  # timeline entries stored, per incident loaded here
        # The stored timers (key → due) of incidents whose timers were read (and locked) here.
        self._timers: dict[int, dict[str, datetime]] = {}
        # Incidents created here (`create`) with nothing in the outbox yet: nothing of theirs
        # can be superseded, so `enqueue_all` deletes nothing for them.
        self._no_outbox: set[int] = set()

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
        args = self._incident_row(incident)
        if exists:
            await self._db.execute(_UPDATE_INCIDENT, *args)
        else:
            await self._db.execute(_INSERT_INCIDENT, *args)
        for row in self._new_entries(incident, stored):
            await self._db.execute(_INSERT_ENTRY, *row)
        self._stored[incident.number] = len(incident.timeline)

    async def create(self, incident: Incident) -> None:
        """Insert an incident whose number was just allocated (so no row, timeline or timer
        of it exists): two statements, no read; its timers are known to be none."""
        await self._db.execute(_INSERT_INCIDENT, *self._incident_row(incident))
        await self._db.executemany(_INSERT_ENTRY, self._new_entries(incident, 0))
        self._stored[incident.number] = len(incident.timeline)
        self._timers[incident.number] = {}
        self._no_outbox.add(incident.number)

    def _incident_row(self, incident: Incident) -> tuple[Any, ...]:
        """The arguments of `_UPDATE_INCIDENT` (and of the INSERT, in the same order)."""
        return (
            int(incident.severity),
            incident.phase.value,
            self._d.time_in(incident.declared_at),
            self._d.time_in(incident.closed_at),
            codec.incident_state(incident),
            len(incident.timeline),
            incident.number,
        )

    def _new_entries(self, incident: Incident, stored: int) -> list[tuple[Any, ...]]:
        """The arguments of `_INSERT_ENTRY` for the entries after the first `stored`."""
        return [
            (
                incident.number,
                seq,
                self._d.time_in(entry.at),
                entry.actor,
                entry.kind.value,
                entry.text,
                codec.entry_data(entry),
            )
            for seq, entry in enumerate(incident.timeline[stored:], start=stored)
        ]

    async def load_all(self, numbers: Collection[int]) -> list[Incident]:
        """The incidents that exist among `numbers`, by number, locked (in number order, so
        two transactions locking overlapping sets cannot deadlock), in two queries."""
        if not numbers:
            return []
        wanted = self._d.list_in(sorted(set(numbers)))
        rows = await self._db.fetch(
            f"SELECT number, state FROM incidents WHERE {self._d.any_of('number')} "
            f"ORDER BY number{self._d.lock_rows}",
            wanted,
        )
        entries = await self._db.fetch(
            "SELECT incident, at, actor, kind, text, data FROM timeline "
            f"WHERE {self._d.any_of('incident')} ORDER BY incident, seq",
            wanted,
        )
        return self._assemble(rows, entries)

    async def save_all(self, incidents: Sequence[Incident]) -> None:
        """Update incidents loaded here and append their new entries: two statements."""
        updates: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        for incident in incidents:
            if incident.number not in self._stored:
                await self.save(incident)  # not loaded here: it may need an INSERT
                continue
            updates.append(self._incident_row(incident))
            entries += self._new_entries(incident, self._stored[incident.number])
            self._stored[incident.number] = len(incident.timeline)
        await self._db.executemany(_UPDATE_INCIDENT, updates)
        await self._db.executemany(_INSERT_ENTRY, entries)

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
        return self._assemble(rows, entries)

    def _assemble(self, rows: Sequence[Any], entries: Sequence[Any]) -> list[Incident]:
        """Incidents from (number, state) rows and their timelines' rows, by incident."""
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
                await self._db.execute(_SUPERSEDE, message.incident, platform, message.kind)
            await self._db.execute(_INSERT_OUTBOX, *self._outbox_row(platform, message, at))
            if message.incident is not None:
                self._no_outbox.discard(message.incident)

    async def enqueue_all(
        self, deliveries: Sequence[tuple[str, Message]], *, now: datetime
    ) -> None:
        """`enqueue` of each (platform, message) in turn, in two statements: a superseding
        message replaces the unsent ones before it, in the outbox and in `deliveries`."""
        at = self._d.time_in(now)
        superseded: dict[tuple[int, str, str], int] = {}  # (incident, platform, kind) → last
        for index, (platform, message) in enumerate(deliveries):
            if message.kind in SUPERSEDING_KINDS and message.incident is not None:
                superseded[(message.incident, platform, message.kind)] = index
        kept = [
            self._outbox_row(platform, message, at)
            for index, (platform, message) in enumerate(deliveries)
            if message.kind not in SUPERSEDING_KINDS
            or message.incident is None
            or superseded[(message.incident, platform, message.kind)] == index
        ]
        await self._db.executemany(
            _SUPERSEDE, [key for key in superseded if key[0] not in self._no_outbox]
        )
        await self._db.executemany(_INSERT_OUTBOX, kept)
        self._no_outbox.difference_update(message.incident for _, message in deliveries)

    @staticmethod
    def _outbox_row(platform: str, message: Message, at: Any) -> tuple[Any, ...]:
        """The arguments of `_INSERT_OUTBOX`: due at once."""
        payload = codec.message_payload(message)
        return (platform, message.incident, message.kind, payload, at, at, at)

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
        stored = self._timers.get(number)
        if stored is None:
            rows = await self._db.fetch("SELECT key, due_at FROM timers WHERE incident = ?", number)
            stored = {str(key): self._need(due) for key, due in rows}
        deletes, inserts = self._timer_changes(number, stored, timers)
        for row in deletes:
            await self._db.execute(_DELETE_TIMER, *row)
        for row in inserts:
            await self._db.execute(_INSERT_TIMER, *row)

    async def replace_all_timers(self, timers: Mapping[int, Sequence[TimerSpec]]) -> None:
        """`replace_timers` for several incidents: at most one read (none for incidents whose
        timers `claimed_timers` read) and two statements."""
        unread = [number for number in timers if number not in self._timers]
        if unread:
            await self._read_timers(unread, lock=False)
        deletes: list[tuple[Any, ...]] = []
        inserts: list[tuple[Any, ...]] = []
        for number, specs in timers.items():
            removed, added = self._timer_changes(number, self._timers[number], specs)
            deletes += removed
            inserts += added
        await self._db.executemany(_DELETE_TIMER, deletes)
        await self._db.executemany(_INSERT_TIMER, inserts)

    def _timer_changes(
        self, number: int, stored: dict[str, datetime], timers: Sequence[TimerSpec]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The DELETE and INSERT arguments that turn `stored` into `timers` (and the cache of
        the incident's stored timers, updated as if they ran)."""
        wanted = {spec.key: spec for spec in timers}
        deletes = [
            (number, key)
            for key, due in stored.items()
            if key not in wanted or wanted[key].due_at != due
        ]
        inserts = [
            (number, spec.key, spec.kind.value, self._d.time_in(spec.due_at))
            for key, spec in wanted.items()
            if stored.get(key) != spec.due_at
        ]
        self._timers[number] = {key: spec.due_at for key, spec in wanted.items()}
        return deletes, inserts

    async def _read_timers(
        self, numbers: Sequence[int], *, lock: bool
    ) -> list[tuple[int, str, datetime, str | None]]:
        """(incident, key, due_at, claimed_by) of the timers of `numbers`, remembered here."""
        rows = await self._db.fetch(
            "SELECT incident, key, due_at, claimed_by FROM timers "
            f"WHERE {self._d.any_of('incident')} ORDER BY incident, key"
            f"{self._d.lock_rows if lock else ''}",
            self._d.list_in(sorted(set(numbers))),
        )
        timers = [(int(n), str(key), self._need(due), holder) for n, key, due, holder in rows]
        for number in numbers:
            self._timers[number] = {}
        for number, key, due, _ in timers:
            self._timers[number][key] = due
        return timers

    async def claimed_timers(
        self, numbers: Collection[int], holder: str
    ) -> dict[int, list[tuple[str, datetime]]]:
        """(key, due_at) of the timers of `numbers` still claimed by `holder`, earliest first;
        every timer of `numbers` is read and locked (and kept for `replace_all_timers`)."""
        claimed: dict[int, list[tuple[str, datetime]]] = {}
        for number, key, due, claimant in await self._read_timers(list(numbers), lock=True):
            if claimant == holder:
                claimed.setdefault(number, []).append((key, due))
        for held in claimed.values():
            held.sort(key=lambda timer: (timer[1], timer[0]))
        return claimed

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

    def _need(self, value: Any) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None
        return moment
