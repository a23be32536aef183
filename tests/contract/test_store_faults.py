"""Store faults at the adapters (issue 15): a cut connection is replaced, a fault is
`StoreUnavailable` naming the store (never a driver's exception), a failed transaction keeps
nothing, and a store that cannot be opened says where it is."""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.stores.faults import postgres_where, sqlite_where
from adapters.stores.postgres import PostgresStore
from adapters.stores.run_lock import RunLock
from adapters.stores.sqlite import SqliteStore
from incidents.ports import StoreUnavailable
from tests.contract.backends import AnyStore, Backend, only_postgres

JOB = "fault:probe"
DUE = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # any due time will do


async def backend_pid(store: PostgresStore) -> int:
    """The server process of the store's pooled connection (pool of one when idle)."""
    rows = await store._conn.fetch("SELECT pg_backend_pid()")  # a test reaching in, to aim
    return int(rows[0][0])


async def terminate(backend: Backend, pid: int) -> None:
    """What a failover or a pgbouncer restart does to one connection."""
    await backend.fetch("SELECT pg_terminate_backend(?)", pid)


async def test_a_terminated_connection_is_replaced(backend: Backend, store: AnyStore) -> None:
    """The server cuts the store's connection: the next read works on a fresh one, and the
    next transaction commits (within two tries: asyncpg may notice the cut only when used)."""
    only_postgres(backend)
    assert isinstance(store, PostgresStore)
    before = await backend_pid(store)
    await terminate(backend, before)
    assert await store.outbox_backlog() == 0
    assert await backend_pid(store) != before
    await terminate(backend, await backend_pid(store))
    faults: list[StoreUnavailable] = []
    for _ in range(2):
        try:
            async with store.transaction() as uow:
                await uow.schedule_job(JOB, DUE)
            break
        except StoreUnavailable as fault:
            faults.append(fault)
    assert len(faults) <= 1
    assert all(fault.committed is False for fault in faults)
    async with store.transaction() as uow:
        assert await uow.job_due(JOB) is not None


async def test_a_connection_cut_inside_a_transaction_keeps_nothing(
    backend: Backend, store: AnyStore
) -> None:
    """Cut between two statements: `StoreUnavailable` naming the server, `committed=False`
    (safe to run again), nothing of it kept, and the store works right after."""
    only_postgres(backend)

    async def cut_between_two_writes() -> None:
        async with store.transaction() as uow:
            await uow.schedule_job(JOB, DUE)
            rows = await uow._db.fetch("SELECT pg_backend_pid()")  # type: ignore[attr-defined]
            await terminate(backend, int(rows[0][0]))
            await uow.schedule_job(JOB + ":2", DUE)

    with pytest.raises(StoreUnavailable) as raised:
        await cut_between_two_writes()
    fault = raised.value
    assert fault.committed is False
    assert fault.where.startswith("PostgreSQL at ")
    assert "connection lost" in fault.cause
    async with store.transaction() as uow:
        assert await uow.job_due(JOB) is None


async def test_a_full_sqlite_file_is_a_fault_and_the_store_recovers(
    backend: Backend, store: AnyStore, tmp_path: Path
) -> None:
    """SQLite's page limit stands in for a full disk: the write is refused as a fault naming
    the file, nothing is kept, and once there is room writes work again (the connection is
    not left inside a transaction)."""
    if backend.name != "sqlite":
        pytest.skip("SQLite's own page limit: no PostgreSQL equivalent")
    assert isinstance(store, SqliteStore)
    rows = await store._conn.fetch("PRAGMA page_count")  # a test reaching in, to fill it
    await store._conn.execute(f"PRAGMA max_page_count = {int(rows[0][0])}")

    async def write_a_big_row() -> None:
        async with store.transaction() as uow:
            await uow.schedule_job("x" * 200_000, DUE)

    with pytest.raises(StoreUnavailable) as raised:
        await write_a_big_row()
    assert raised.value.where == sqlite_where(backend.url.removeprefix("sqlite:///"))
    assert "SQLITE_FULL" in raised.value.cause
    await store._conn.execute("PRAGMA max_page_count = 1073741823")
    async with store.transaction() as uow:
        await uow.schedule_job(JOB, DUE)
    async with store.transaction() as uow:
        assert await uow.job_due(JOB) is not None
        assert await uow.job_due("x" * 200_000) is None


async def test_an_unreachable_server_is_named_by_host_and_port() -> None:
    """Nothing listens there: `StoreUnavailable` naming host:port/database, the refusal in
    plain words, no password."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreUnavailable) as raised:
        await PostgresStore.open(f"postgresql://sevbot:secret@127.0.0.1:{port}/sevbot")
    assert str(raised.value) == (
        f"PostgreSQL at 127.0.0.1:{port}/sevbot: cannot connect: Connection refused"
    )
    assert raised.value.lasting is False


async def test_a_sqlite_path_under_a_file_is_named(tmp_path: Path) -> None:
    """Its folder is a file: a lasting fault naming the database and the file in the way."""
    (tmp_path / "plain").write_text("")
    path = tmp_path / "plain" / "sevbot.db"
    with pytest.raises(StoreUnavailable) as raised:
        await SqliteStore.open(f"sqlite:///{path}")
    assert str(raised.value) == f"SQLite file {path}: {tmp_path / 'plain'} is a file, not a folder"
    assert raised.value.lasting


async def test_a_sqlite_path_that_is_a_folder_is_named(tmp_path: Path) -> None:
    """The database path is a folder: SQLite cannot open it; the message says which."""
    (tmp_path / "db").mkdir()
    with pytest.raises(StoreUnavailable) as raised:
        await SqliteStore.open(f"sqlite:///{tmp_path / 'db'}")
    assert raised.value.where == f"SQLite file {tmp_path / 'db'}"
    assert "SQLITE_CANTOPEN" in raised.value.cause


def test_where_names_host_port_and_database_never_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defaults filled in as the driver fills them; several hosts kept; IPv6 kept whole."""
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPORT", raising=False)
    assert postgres_where("postgresql://u:pw@db.example:6432/sevbot") == (
        "PostgreSQL at db.example:6432/sevbot"
    )
    assert postgres_where("postgresql://u@db/sevbot") == "PostgreSQL at db:5432/sevbot"
    assert postgres_where("postgresql://u@[::1]/x") == "PostgreSQL at [::1]:5432/x"
    assert postgres_where("postgresql://u@a:1,b/x") == "PostgreSQL at a:1,b:5432/x"
    assert postgres_where("postgresql:///sevbot") == "PostgreSQL at localhost:5432/sevbot"
    assert postgres_where("postgresql:///sevbot?host=/run/postgresql") == (
        "PostgreSQL at /run/postgresql (socket, port 5432)/sevbot"
    )


def test_a_second_run_lock_on_the_same_file_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first `sevbot run` holds the lock; a second is warned, naming the holder and
    PostgreSQL as the way to run several; once the first lets go, the lock is free."""
    db = str(tmp_path / "sevbot.db")
    first = RunLock.take(db)
    second = RunLock.take(db)
    assert first.held
    assert not second.held
    assert second.holder == str(os.getpid())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"pid {os.getpid()}" in warnings[0]
    assert "SQLite serves one process" in warnings[0]
    assert "PostgreSQL" in warnings[0]
    first.release()
    third = RunLock.take(db)
    assert third.held
    third.release()
