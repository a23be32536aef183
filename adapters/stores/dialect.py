"""The connection and dialect seam the shared SQL runs over (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
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

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per row of arguments (pipelined: one round trip on asyncpg)."""
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

    def any_of(self, column: str) -> str:
        """A condition: `column` is one of the values of one parameter given by `list_in`.
        The statement's text is the same for any number of values (one prepared statement)."""
        if self.name == "sqlite":
            return f"{column} IN (SELECT value FROM json_each(?))"
        return f"{column} = ANY(?)"

    def list_in(self, values: Sequence[Any]) -> Any:
        """Values as the one parameter of `any_of` (a JSON array on SQLite, an array here)."""
        return json.dumps(list(values)) if self.name == "sqlite" else list(values)

    def time_out(self, value: Any) -> datetime | None:
        """A stored time back as an aware UTC datetime."""
        if value is None or isinstance(value, datetime):
            return value
        return codec.load_time(str(value))


SQLITE = Dialect(name="sqlite", lock_rows="", skip_locked="")
POSTGRES = Dialect(name="postgres", lock_rows=" FOR UPDATE", skip_locked=" FOR UPDATE SKIP LOCKED")
