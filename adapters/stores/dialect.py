"""The connection and dialect seam the shared SQL runs over (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from adapters.stores import codec

Row = Sequence[Any]


class Connection(Protocol):
    """What the shared SQL needs from a database connection."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """Run a query and return all rows."""
        ...

    async def execute(self, sql: str, *args: Any) -> None:
        """Run a statement."""
        ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """The few places where SQLite and PostgreSQL differ."""

    name: str
    lock_rows: str  # appended to SELECTs that lock rows for the transaction
    skip_locked: str  # appended to SELECTs that claim rows other workers may hold

    def time_in(self, moment: datetime | None) -> Any:
        """A datetime as the driver wants it."""
        return codec.dump_time(moment) if self.name == "sqlite" else moment

    def flag_in(self, value: bool) -> Any:
        """A boolean as the column holds it (INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL)."""
        return int(value) if self.name == "sqlite" else value

    def time_out(self, value: Any) -> datetime | None:
        """A stored time back as an aware UTC datetime."""
        if value is None or isinstance(value, datetime):
            return value
        return codec.load_time(str(value))


SQLITE = Dialect(name="sqlite", lock_rows="", skip_locked="")
POSTGRES = Dialect(name="postgres", lock_rows=" FOR UPDATE", skip_locked=" FOR UPDATE SKIP LOCKED")
