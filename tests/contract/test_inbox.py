"""The command inbox on both stores: written before the acknowledgement, pending until done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from incidents.ports import InboxEntry
from tests.contract.backends import AnyStore, Backend

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def entry(key: str, platform: str = "slack", at: datetime = T0) -> InboxEntry:
    """An inbox entry received at `at`."""
    return InboxEntry(key=key, platform=platform, command=f'{{"text": "{key}"}}', received_at=at)


async def test_a_recorded_command_is_pending_until_done(store: AnyStore) -> None:
    """Recorded commands come back per platform, oldest first, with what was written; a done
    one no longer does, and marking it done again changes nothing."""
    assert await store.record_command(entry("slack:b", at=T0 + SECOND)) is True
    assert await store.record_command(entry("slack:a")) is True
    assert await store.record_command(entry("discord:1", "discord")) is True
    pending = await store.pending_commands("slack", 10)
    assert [e.key for e in pending] == ["slack:a", "slack:b"]
    assert pending[0] == entry("slack:a")
    await store.command_done("slack:a", T0 + 2 * SECOND)
    await store.command_done("slack:a", T0 + 3 * SECOND)
    assert [e.key for e in await store.pending_commands("slack", 10)] == ["slack:b"]
    assert [e.key for e in await store.pending_commands("discord", 10)] == ["discord:1"]
    assert len(await store.pending_commands("slack", 0)) == 0


async def test_a_redelivered_command_is_recorded_once(store: AnyStore) -> None:
    """The same key again (a redelivery) answers False and keeps the first entry as it was,
    pending or done."""
    assert await store.record_command(entry("discord:7", "discord")) is True
    changed = InboxEntry(key="discord:7", platform="discord", command="{}", received_at=T0)
    assert await store.record_command(changed) is False
    [kept] = await store.pending_commands("discord", 10)
    assert kept.command == '{"text": "discord:7"}'
    await store.command_done("discord:7", T0)
    assert await store.record_command(changed) is False
    assert await store.pending_commands("discord", 10) == []


async def test_a_burst_is_written_whole(store: AnyStore) -> None:
    """Fifty commands recorded at once are all written, each told it was new."""
    keys = [f"slack:command:{n}" for n in range(50)]
    written = await asyncio.gather(
        *(store.record_command(entry(k, at=T0 + n * SECOND)) for n, k in enumerate(keys))
    )
    assert written == [True] * 50
    assert [e.key for e in await store.pending_commands("slack", 100)] == keys


async def test_a_command_twice_in_one_burst_is_new_once(store: AnyStore) -> None:
    """A redelivery arriving with the original (PostgreSQL writes a burst in one INSERT):
    one of the two is told it is new, the other that it was there; one entry is kept."""
    first = entry("slack:command:twice")
    again = InboxEntry(key=first.key, platform="slack", command="{}", received_at=T0)
    written = await asyncio.gather(
        store.record_command(entry("slack:command:other")),
        store.record_command(first),
        store.record_command(again),
    )
    assert written[0] is True
    assert sorted(written[1:]) == [False, True]
    assert [e.key for e in await store.pending_commands("slack", 10)] == [
        "slack:command:other",
        "slack:command:twice",
    ]


async def test_a_slow_first_write_does_not_hold_up_the_rest_of_a_burst(
    backend: Backend, store: AnyStore
) -> None:
    """PostgreSQL writes a burst's first command at once and the rest beside it, on another
    connection: the first round trip after a quiet spell is the slow one, and the commands
    behind it are acknowledged without waiting for it. Here the first INSERT is held by
    another transaction's uncommitted row with the same key."""
    if backend.name != "postgres":
        pytest.skip("PostgreSQL only: SQLite writes one command at a time, in its own file")
    held = entry("slack:command:held")
    blocker = backend.admin.transaction()
    await blocker.start()
    try:
        await backend.admin.execute(
            "INSERT INTO inbox (key, platform, command, received_at) VALUES ($1, $2, '{}', $3)",
            held.key,
            "slack",
            T0,
        )
        first = asyncio.create_task(store.record_command(held))
        await asyncio.sleep(0)  # its INSERT is under way (it waits for the row lock)
        async with asyncio.timeout(10):
            rest = await asyncio.gather(
                *(store.record_command(entry(f"slack:command:{n}")) for n in range(3))
            )
        assert rest == [True] * 3
        assert not first.done()
    finally:
        await blocker.rollback()
    assert await first is True  # the other transaction rolled back: the row is its own
    keys = [e.key for e in await store.pending_commands("slack", 10)]
    assert sorted(keys) == sorted([held.key] + [f"slack:command:{n}" for n in range(3)])


async def test_a_restarted_process_finds_what_was_not_done(backend: Backend) -> None:
    """What one store recorded and did not finish, another opened later on the same database
    finds pending; what was done it does not."""
    first = await backend.open()
    try:
        await first.record_command(entry("slack:done"))
        await first.record_command(entry("slack:left", at=T0 + SECOND))
        await first.command_done("slack:done", T0 + SECOND)
    finally:
        await first.close()
    second = await backend.open()
    try:
        assert [e.key for e in await second.pending_commands("slack", 10)] == ["slack:left"]
    finally:
        await second.close()


async def test_pruning_forgets_only_commands_done_long_ago(store: AnyStore) -> None:
    """prune_commands deletes entries done before the cut-off, never pending ones: a key
    pruned can be recorded afresh, one kept cannot."""
    for key in ("slack:old", "slack:recent", "slack:pending"):
        await store.record_command(entry(key))
    await store.command_done("slack:old", T0 + SECOND)
    await store.command_done("slack:recent", T0 + 10 * SECOND)
    assert await store.prune_commands(T0 + 5 * SECOND) == 1
    assert await store.prune_commands(T0 + 5 * SECOND) == 0
    assert [e.key for e in await store.pending_commands("slack", 10)] == ["slack:pending"]
    assert await store.record_command(entry("slack:recent")) is False
    assert await store.record_command(entry("slack:old")) is True


async def test_a_command_is_written_while_a_transaction_is_open(store: AnyStore) -> None:
    """Writing a command down does not wait for an incident's transaction in progress (on
    SQLite the inbox has a file of its own), so no acknowledgement waits for one."""
    async with store.transaction() as uow:
        await uow.allocate_number()
        async with asyncio.timeout(10):  # a guard: waiting for the transaction would hang
            assert await store.record_command(entry("slack:meanwhile")) is True
    assert [e.key for e in await store.pending_commands("slack", 10)] == ["slack:meanwhile"]
