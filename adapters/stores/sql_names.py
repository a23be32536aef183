"""People's names in SQL, shared by both stores (see migration 0008)."""

from __future__ import annotations

from collections.abc import Collection

from adapters.stores.dialect import Connection, Dialect
from incidents.names import PersonName
from incidents.people import Person

_BATCH = 500  # ids per query: well under SQLite's and PostgreSQL's limits on parameters


class NameSql:
    """The `incidents.ports.NameRecords` part of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    async def person_names(self, people: Collection[Person]) -> dict[Person, PersonName]:
        """The names kept for `people`, read a platform (and a few hundred ids) at a time."""
        by_platform: dict[str, list[str]] = {}
        for person in set(people):
            by_platform.setdefault(person.platform, []).append(person.id)
        found: dict[Person, PersonName] = {}
        for platform, ids in sorted(by_platform.items()):
            ids.sort()
            for start in range(0, len(ids), _BATCH):
                batch = ids[start : start + _BATCH]
                marks = ", ".join("?" * len(batch))
                rows = await self._db.fetch(
                    "SELECT id, name, refreshed_at FROM person_names "
                    f"WHERE platform = ? AND id IN ({marks})",
                    platform,
                    *batch,
                )
                for ident, name, refreshed_at in rows:
                    person = Person.stored(f"{platform}:{ident}")
                    at = self._d.time_out(refreshed_at)
                    assert at is not None  # NOT NULL
                    found[person] = PersonName(person=person, name=str(name), refreshed_at=at)
        return found

    async def remember_name(self, name: PersonName) -> None:
        """Insert or replace the person's name, unless the one kept was refreshed later (two
        replicas that heard the same person keep the newer name)."""
        await self._db.execute(
            "INSERT INTO person_names (platform, id, name, refreshed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (platform, id) DO UPDATE SET name = excluded.name, "
            "refreshed_at = excluded.refreshed_at "
            "WHERE person_names.refreshed_at <= excluded.refreshed_at",
            name.person.platform,
            name.person.id,
            name.name,
            self._d.time_in(name.refreshed_at),
        )
