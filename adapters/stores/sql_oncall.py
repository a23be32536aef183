"""On-call edits and cover requests in SQL, shared by both stores (see migration 0003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.stores.dialect import Connection, Dialect, Row
from incidents.oncall.rotation import OnCallRole
from incidents.oncall.schedule import CoverRequest, Edit, Override, Swap
from incidents.people import Person

_EDIT_COLUMNS = (
    "id, kind, person, role, replaces, starts_at, ends_at, first_shift, second_shift, "
    "cover_request, created_by, created_at"
)
_COVER_COLUMNS = (
    "id, rotation, requester, starts_at, ends_at, created_at, taken_by, taken_at, cancelled_at"
)


class OnCallSql:
    """The `incidents.oncall.ports.OnCallRecords` half of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    async def oncall_edits(self, rotation: str, since: datetime) -> list[Edit]:
        """Edits in force, oldest first: every swap, and overrides that end after `since`."""
        rows = await self._db.fetch(
            f"SELECT {_EDIT_COLUMNS} FROM oncall_edits WHERE rotation = ? "
            "AND cancelled_at IS NULL AND (kind = 'swap' OR ends_at > ?) ORDER BY id",
            rotation,
            self._d.time_in(since),
        )
        return [self._edit(row) for row in rows]

    async def add_oncall_edit(self, rotation: str, edit: Edit) -> int:
        """Store an edit; returns its id."""
        if isinstance(edit, Override):
            values: tuple[Any, ...] = (
                "override",
                edit.person,
                edit.role.value,
                edit.replaces,
                edit.start,
                edit.end,
                None,
                None,
                edit.cover_request,
            )
        else:
            values = (
                "swap",
                None,
                None,
                None,
                min(edit.first, edit.second),
                max(edit.first, edit.second),
                edit.first,
                edit.second,
                None,
            )
        kind, person, role, replaces, starts, ends, first, second, request = values
        rows = await self._db.fetch(
            "INSERT INTO oncall_edits (rotation, kind, person, role, replaces, starts_at, "
            "ends_at, first_shift, second_shift, cover_request, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            rotation,
            kind,
            person,
            role,
            replaces,
            self._d.time_in(starts),
            self._d.time_in(ends),
            self._d.time_in(first),
            self._d.time_in(second),
            request,
            edit.created_by or "",  # NOT NULL; "" when nobody is known
            self._d.time_in(edit.created_at),
        )
        return int(rows[0][0])

    async def cancel_oncall_edit(self, rotation: str, edit_id: int, now: datetime) -> Edit | None:
        """Withdraw an edit in force; None when there is none with that id."""
        rows = await self._db.fetch(
            "UPDATE oncall_edits SET cancelled_at = ? WHERE rotation = ? AND id = ? "
            f"AND cancelled_at IS NULL RETURNING {_EDIT_COLUMNS}",
            self._d.time_in(now),
            rotation,
            edit_id,
        )
        return self._edit(rows[0]) if rows else None

    async def add_cover_request(self, request: CoverRequest) -> int:
        """Store an open cover request; returns its id."""
        rows = await self._db.fetch(
            "INSERT INTO oncall_cover_requests (rotation, requester, starts_at, ends_at, "
            "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            request.rotation,
            request.requester,
            self._d.time_in(request.start),
            self._d.time_in(request.end),
            self._d.time_in(request.created_at),
        )
        return int(rows[0][0])

    async def cover_request(self, rotation: str, request_id: int) -> CoverRequest | None:
        """One cover request, whatever its state."""
        rows = await self._db.fetch(
            f"SELECT {_COVER_COLUMNS} FROM oncall_cover_requests WHERE rotation = ? AND id = ?",
            rotation,
            request_id,
        )
        return self._cover(rows[0]) if rows else None

    async def open_cover_requests(self, rotation: str) -> list[CoverRequest]:
        """Open cover requests, oldest first."""
        rows = await self._db.fetch(
            f"SELECT {_COVER_COLUMNS} FROM oncall_cover_requests WHERE rotation = ? "
            "AND taken_by IS NULL AND cancelled_at IS NULL ORDER BY id",
            rotation,
        )
        return [self._cover(row) for row in rows]

    async def close_cover_request(
        self, rotation: str, request_id: int, *, taken_by: Person | None, now: datetime
    ) -> CoverRequest | None:
        """Take or cancel an open request; the WHERE makes a second taker get None."""
        if taken_by is not None:
            column, args = "taken_by = ?, taken_at = ?", [taken_by, self._d.time_in(now)]
        else:
            column, args = "cancelled_at = ?", [self._d.time_in(now)]
        rows = await self._db.fetch(
            f"UPDATE oncall_cover_requests SET {column} WHERE rotation = ? AND id = ? "
            f"AND taken_by IS NULL AND cancelled_at IS NULL RETURNING {_COVER_COLUMNS}",
            *args,
            rotation,
            request_id,
        )
        return self._cover(rows[0]) if rows else None

    def _time(self, value: Any) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None
        return moment

    def _edit(self, row: Row) -> Edit:
        edit_id, kind, person, role, replaces, starts, ends, first, second = row[:9]
        request, created_by, created_at = row[9:]
        if kind == "swap":
            return Swap(
                id=int(edit_id),
                first=self._time(first),
                second=self._time(second),
                created_by=_who(created_by),
                created_at=self._d.time_out(created_at),
            )
        return Override(
            id=int(edit_id),
            person=Person.stored(str(person)),
            role=OnCallRole(role),
            replaces=_who(replaces),
            start=self._time(starts),
            end=self._time(ends),
            cover_request=None if request is None else int(request),
            created_by=_who(created_by),
            created_at=self._d.time_out(created_at),
        )

    def _cover(self, row: Row) -> CoverRequest:
        request_id, rotation, requester, starts, ends, created, taken_by, taken, cancelled = row
        return CoverRequest(
            id=int(request_id),
            rotation=str(rotation),
            requester=Person.stored(str(requester)),
            start=self._time(starts),
            end=self._time(ends),
            created_at=self._time(created),
            taken_by=_who(taken_by),
            taken_at=self._d.time_out(taken),
            cancelled_at=self._d.time_out(cancelled),
        )


def _who(value: Any) -> Person | None:
    """A stored person; None for NULL or "" (an edit made before anyone was recorded)."""
    return Person.stored(str(value)) if value else None
