"""The status page's own records in SQL, shared by both stores (see migration 0009): scheduled
maintenance, and when each component first appeared."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from adapters.stores.dialect import Connection, Dialect
from incidents.maintenance import Maintenance
from incidents.people import Person

_MAINTENANCE = "id, title, starts_at, ends_at, components, created_at, created_by"


class StatusPageSql:
    """The `incidents.ports.StatusPageRecords` part of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    async def add_maintenance(self, maintenance: Maintenance) -> int:
        """Store planned work (its `id` is ignored); returns the id it was given."""
        rows = await self._db.fetch(
            "INSERT INTO maintenances (title, starts_at, ends_at, components, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            maintenance.title,
            self._d.time_in(maintenance.starts_at),
            self._d.time_in(maintenance.ends_at),
            json.dumps(list(maintenance.components), ensure_ascii=False),
            self._d.time_in(maintenance.created_at),
            str(maintenance.created_by),
        )
        return int(rows[0][0])

    async def maintenances_since(self, since: datetime) -> list[Maintenance]:
        """Planned work ending at or after `since` (everything not long over), by id."""
        rows = await self._db.fetch(
            f"SELECT {_MAINTENANCE} FROM maintenances WHERE ends_at >= ? ORDER BY id",
            self._d.time_in(since),
        )
        return [
            Maintenance(
                id=int(ident),
                title=str(title),
                starts_at=self._time(starts_at),
                ends_at=self._time(ends_at),
                components=tuple(str(name) for name in json.loads(str(components))),
                created_at=self._time(created_at),
                created_by=Person.stored(str(created_by)),
            )
            for ident, title, starts_at, ends_at, components, created_at, created_by in rows
        ]

    async def register_components(self, names: Sequence[str], now: datetime) -> None:
        """Remember `now` as the creation time of each component not seen before."""
        for name in names:
            await self._db.execute(
                "INSERT INTO status_components (name, created_at) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                name,
                self._d.time_in(now),
            )

    async def components_created(self) -> dict[str, datetime]:
        """When each component seen so far first appeared, by name."""
        rows = await self._db.fetch("SELECT name, created_at FROM status_components")
        return {str(name): self._time(created_at) for name, created_at in rows}

    def _time(self, value: object) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None  # NOT NULL columns
        return moment
