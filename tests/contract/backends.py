"""Where a contract test's store lives: a SQLite file or a PostgreSQL schema, plus raw SQL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, NoReturn

import aiosqlite
import asyncpg
import pytest

from adapters.stores.faults import sqlite_path
from adapters.stores.postgres import PostgresStore, numbered
from adapters.stores.sqlite import SqliteStore

AnyStore = SqliteStore | PostgresStore
HINT = (
    "PostgreSQL tests need SEVBOT_TEST_POSTGRES_URL, e.g. postgresql://postgres@127.0.0.1:5432/test"
)
_unreachable: dict[str, str] = {}  # url -> why, so a down server costs one connect timeout


def missing(reason: str) -> NoReturn:
    """Skip for want of PostgreSQL, or fail when SEVBOT_REQUIRE_POSTGRES=1."""
    if os.environ.get("SEVBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (and SEVBOT_REQUIRE_POSTGRES=1 forbids skipping)")
    pytest.skip(reason)


async def admin_connection(url: str) -> Any:
    """A plain asyncpg connection to the test database, or skip/fail when unreachable."""
    if url in _unreachable:
        missing(_unreachable[url])
    try:
        return await asyncpg.connect(url, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        _unreachable[url] = f"PostgreSQL at {url} is unreachable: {error!r}"
        missing(_unreachable[url])


@dataclass
class Backend:
    """Where a test's store lives, and raw SQL access to it for checks the ports do not offer."""

    name: str
    url: str
    schema: str | None = None
    admin: Any = None  # asyncpg connection whose search_path is the test schema

    async def open(self, *, migrate: bool = True) -> AnyStore:
        """Open another store on the same database (schema, for PostgreSQL)."""
        if self.name == "sqlite":
            return await SqliteStore.open(self.url, migrate=migrate)
        return await PostgresStore.open(self.url, migrate=migrate, schema=self.schema)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run raw SQL (`?` placeholders) outside any store and return the rows."""
        if self.name == "postgres":
            return [tuple(row) for row in await self.admin.fetch(numbered(sql), *args)]
        async with (
            aiosqlite.connect(sqlite_path(self.url), isolation_level=None) as db,
            db.execute(sql, args) as cursor,
        ):
            return [tuple(row) for row in await cursor.fetchall()]


def only_postgres(backend: Backend) -> None:
    """Skip a test that is about replicas sharing one PostgreSQL database."""
    if backend.name != "postgres":
        pytest.skip("PostgreSQL only: several replicas cannot share a SQLite store")
