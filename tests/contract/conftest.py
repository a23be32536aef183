"""The `store` fixture, once per backend: a SQLite file, and a fresh PostgreSQL schema.

PostgreSQL runs when SEVBOT_TEST_POSTGRES_URL is set and is skipped otherwise, unless
SEVBOT_REQUIRE_POSTGRES=1 (as in CI): then a missing URL or an unreachable server fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.backends import HINT, AnyStore, Backend, admin_connection, missing


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A SQLite file in tmp_path, or a fresh PostgreSQL schema dropped after the test."""
    if request.param == "sqlite":
        yield Backend(name="sqlite", url=f"sqlite:///{tmp_path}/t.db")
        return
    url = os.environ.get("SEVBOT_TEST_POSTGRES_URL", "")
    if not url:
        missing(HINT)
    admin = await admin_connection(url)
    schema = f"t_{secrets.token_hex(6)}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    await admin.execute(f"SET search_path TO {schema}")
    try:
        yield Backend(name="postgres", url=url, schema=schema, admin=admin)
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[AnyStore]:
    """A migrated store on the backend, closed after the test."""
    opened = await backend.open()
    try:
        yield opened
    finally:
        await opened.close()
