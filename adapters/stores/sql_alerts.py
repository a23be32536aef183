"""Alert groups, storm-guard states and heartbeats in SQL, shared by both stores (migration 0010),
and the findings waiting for a digest (0013).

A source's row is locked first by whoever handles one of its notifications (`storm_state`), so
on PostgreSQL the replicas handle one source's notifications one at a time: its groups are
created once and its storm guard counts every incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from adapters.stores import alert_codec
from adapters.stores.dialect import Connection, Dialect, Row
from incidents.alerts.github import Cadence, DigestItem
from incidents.alerts.heartbeat import HeartbeatState
from incidents.alerts.model import AlertGroup
from incidents.alerts.storm import StormState

_GROUP = "id, source, group_key, state"
_DIGEST = "id, source, cadence, group_key, item"


class AlertSql:
    """The `incidents.ports.AlertRecords` part of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    def _group(self, row: Row) -> AlertGroup:
        return alert_codec.group_from_row(int(row[0]), str(row[1]), str(row[2]), str(row[3]))

    async def alert_group(self, source: str, key: str) -> AlertGroup | None:
        """The group, locked for this transaction (PostgreSQL); None when not seen before."""
        rows = await self._db.fetch(
            f"SELECT {_GROUP} FROM alert_groups WHERE source = ? AND group_key = ?"
            f"{self._d.lock_rows}",
            source,
            key,
        )
        return self._group(rows[0]) if rows else None

    async def alert_group_by_id(self, group_id: int) -> AlertGroup | None:
        """The group with this id (an alert card's buttons carry it), locked."""
        rows = await self._db.fetch(
            f"SELECT {_GROUP} FROM alert_groups WHERE id = ?{self._d.lock_rows}", group_id
        )
        return self._group(rows[0]) if rows else None

    async def save_alert_group(self, group: AlertGroup, now: datetime) -> AlertGroup:
        """Insert or update the group; returns it with its id."""
        rows = await self._db.fetch(
            "INSERT INTO alert_groups (source, group_key, incident, silence_id, state, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, group_key) DO UPDATE "
            "SET incident = excluded.incident, silence_id = excluded.silence_id, "
            "state = excluded.state, updated_at = excluded.updated_at RETURNING id",
            group.source,
            group.key,
            group.incident,
            group.silence_id,
            alert_codec.group_state(group),
            self._d.time_in(now),
        )
        return replace(group, id=int(rows[0][0]))

    async def alert_groups_of(self, number: int) -> list[AlertGroup]:
        """The groups incident `number` follows (one, or a storm's many), by id."""
        rows = await self._db.fetch(
            f"SELECT {_GROUP} FROM alert_groups WHERE incident = ? ORDER BY id", number
        )
        return [self._group(row) for row in rows]

    async def alert_groups_to_silence(self, sources: Sequence[str]) -> list[AlertGroup]:
        """Groups of `sources` whose silence may need creating or expiring: those silenced,
        and those followed by an incident not closed; by id."""
        if not sources:
            return []
        chosen = ", ".join("?" for _ in sources)
        rows = await self._db.fetch(
            f"SELECT {_GROUP} FROM alert_groups WHERE source IN ({chosen}) AND "
            "(silence_id IS NOT NULL OR incident IN "
            "(SELECT number FROM incidents WHERE closed_at IS NULL)) ORDER BY id",
            *sources,
        )
        return [self._group(row) for row in rows]

    async def storm_state(self, source: str) -> StormState:
        """The source's storm-guard state, its row locked for this transaction (made empty
        the first time)."""
        await self._db.execute(
            "INSERT INTO alert_sources (name, state) VALUES (?, ?) ON CONFLICT DO NOTHING",
            source,
            alert_codec.storm_state(StormState(source=source)),
        )
        rows = await self._db.fetch(
            f"SELECT state FROM alert_sources WHERE name = ?{self._d.lock_rows}", source
        )
        return alert_codec.storm_from_row(source, str(rows[0][0]))

    async def save_storm_state(self, state: StormState) -> None:
        """Keep the source's storm-guard state."""
        await self._db.execute(
            "UPDATE alert_sources SET state = ? WHERE name = ?",
            alert_codec.storm_state(state),
            state.source,
        )

    async def heartbeat(self, name: str) -> HeartbeatState | None:
        """The heartbeat's state, locked; None when it was never watched."""
        rows = await self._db.fetch(
            f"SELECT state FROM heartbeats WHERE name = ?{self._d.lock_rows}", name
        )
        return alert_codec.heartbeat_from_row(name, str(rows[0][0])) if rows else None

    async def save_heartbeat(self, state: HeartbeatState) -> None:
        """Insert or update the heartbeat's state."""
        await self._db.execute(
            "INSERT INTO heartbeats (name, state) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET state = excluded.state",
            state.name,
            alert_codec.heartbeat_state(state),
        )

    async def save_digest_item(self, item: DigestItem) -> None:
        """Keep a finding for its digest; the same group again replaces what it said."""
        await self._db.execute(
            "INSERT INTO alert_digest_items (source, cadence, group_key, item) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (source, group_key) DO UPDATE "
            "SET cadence = excluded.cadence, item = excluded.item",
            item.source,
            item.cadence.value,
            item.key,
            alert_codec.digest_item(item),
        )

    async def drop_digest_item(self, source: str, key: str) -> None:
        """Forget a waiting finding (it was fixed or dismissed before its digest)."""
        await self._db.execute(
            "DELETE FROM alert_digest_items WHERE source = ? AND group_key = ?", source, key
        )

    async def digest_items(self, source: str, cadence: Cadence) -> list[DigestItem]:
        """The findings of `source` waiting for its `cadence` digest, oldest first, locked."""
        rows = await self._db.fetch(
            f"SELECT {_DIGEST} FROM alert_digest_items WHERE source = ? AND cadence = ? "
            f"ORDER BY id{self._d.lock_rows}",
            source,
            cadence.value,
        )
        return [
            alert_codec.digest_item_from_row(
                int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4])
            )
            for row in rows
        ]

    async def digest_posted(self, ids: Sequence[int]) -> None:
        """The findings `ids` went out in a digest: they wait no more."""
        if not ids:
            return
        chosen = ", ".join("?" for _ in ids)
        await self._db.execute(
            f"DELETE FROM alert_digest_items WHERE id IN ({chosen})", *(int(i) for i in ids)
        )
