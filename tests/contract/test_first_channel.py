"""What runs between an `/incident open` and its channel (issue 20): a new incident stored
without reads (`UnitOfWork.create`), and the delivery path's reads outside a transaction
(`Store.reading`: `load`, `channel_of`, `incident_in_channel`), in few statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from asyncpg.transaction import Transaction

from adapters.stores import postgres
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents import commands as c
from incidents.messages import Audience, Message, MessageKind
from incidents.timers import pending_timers
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import POLICY, T0, act, declare, eventful, minutes
from tests.fakes import RecordingChat


async def test_create_stores_a_new_incident_as_save_does(store: AnyStore, backend: Backend) -> None:
    """`create` of a just-numbered incident stores the same row, timeline and timers as
    `save` and `replace_timers` do, and a later save in the transaction appends only what
    is new."""
    opened = declare(1).incident
    noted = act(opened, c.AddNote(text="Paused the batch"), at=T0 + minutes(5))
    async with store.transaction() as uow:
        assert await uow.allocate_number() == 1
        await uow.create(opened)
        await uow.replace_all_timers({1: pending_timers(opened, POLICY)})
        await uow.save_all([noted])
    async with store.transaction() as uow:
        await uow.save(declare(2).incident)
        await uow.replace_timers(2, pending_timers(declare(2).incident, POLICY))
    async with store.transaction() as uow:
        assert await uow.load(1) == noted
    timers = await backend.fetch("SELECT incident, key, kind FROM timers ORDER BY incident, key")
    assert [row[1:] for row in timers if row[0] == 1] == [row[1:] for row in timers if row[0] == 2]
    assert timers, "a SEV-1 has timers"
    rows = await backend.fetch("SELECT timeline_length FROM incidents WHERE number = 1")
    assert rows == [(len(noted.timeline),)]


async def test_create_of_a_number_taken_fails_and_keeps_nothing(store: AnyStore) -> None:
    """`create` never overwrites: an incident already stored under that number makes it
    raise, and its transaction keeps nothing."""
    async with store.transaction() as uow:
        await uow.save(eventful(1))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with store.transaction() as uow:
            await uow.create(declare(1).incident)
    async with store.transaction() as uow:
        assert await uow.load(1) == eventful(1)


async def test_a_created_incidents_reminders_still_supersede_each_other(store: AnyStore) -> None:
    """After `create`, `enqueue_all` skips the superseding DELETE only while nothing of the
    new incident is in the outbox: a reminder enqueued earlier in the same transaction (with
    `enqueue`, or an earlier `enqueue_all`) is still replaced by a later one, as `enqueue`
    one after another would."""
    async with store.transaction() as uow:
        await uow.create(declare(1).incident)
        await uow.enqueue([reminder(1, "first")], platform="slack", now=T0)
        await uow.enqueue_all([("slack", reminder(1, "second"))], now=T0)
        await uow.enqueue_all(
            [("slack", reminder(1, "third")), ("slack", reminder(1, "fourth"))], now=T0
        )
        await uow.create(declare(2).incident)
        await uow.enqueue_all([("slack", reminder(2, "only"))], now=T0)
    pending = await store.list_outbox(undelivered_only=True, limit=10)
    assert sorted(item.message.plain_text() for item in pending) == ["fourth", "only"]


async def test_reading_loads_an_incident_as_a_transaction_does(store: AnyStore) -> None:
    """`reading().load` gives the incident and its timeline equal to a transaction's `load`,
    for one with many entries and one just declared; an unknown number is None."""
    async with store.transaction() as uow:
        await uow.save(eventful(3))
        await uow.save(declare(4).incident)
    async with store.reading() as reads:
        found = [await reads.load(3), await reads.load(4), await reads.load(5)]
    assert found == [eventful(3), declare(4).incident, None]


async def test_reading_load_leaves_out_entries_past_the_row(
    store: AnyStore, backend: Backend
) -> None:
    """Timeline rows beyond the row's `timeline_length` (appended by a transaction that has
    not yet updated the row) are not part of the incident `reading().load` gives."""
    incident = declare(1).incident
    later = act(incident, c.AddNote(text="Paused the batch"), at=T0 + minutes(5))
    async with store.transaction() as uow:
        await uow.save(incident)
    async with store.transaction() as uow:
        await uow.save(later)
    await backend.fetch(
        "UPDATE incidents SET timeline_length = ? WHERE number = 1", len(incident.timeline)
    )
    async with store.reading() as reads:
        read = await reads.load(1)
    assert read is not None
    assert read.timeline == incident.timeline


async def test_reading_finds_channels_both_ways(store: AnyStore) -> None:
    """`reading()`'s `channel_of` and `incident_in_channel` see what a transaction bound,
    per platform; unbound ones are None."""
    async with store.transaction() as uow:
        await uow.save(declare(7).incident)
        await uow.bind_channel(7, "slack", "C7")
    async with store.reading() as reads:
        assert await reads.channel_of(7, "slack") == "C7"
        assert await reads.channel_of(7, "discord") is None
        assert await reads.incident_in_channel("slack", "C7") == 7
        assert await reads.incident_in_channel("discord", "C7") is None


def reminder(number: int, text: str) -> Message:
    """A status reminder of incident `number` (a kind that supersedes its unsent ones)."""
    return Message(
        kind=MessageKind.STATUS_REMINDER, audience=Audience.INCIDENT, text=(text,), incident=number
    )


async def test_warming_connections_changes_nothing_stored(
    store: AnyStore, backend: Backend
) -> None:
    """`PostgresStore.warm` runs the hot statements on each connection in a transaction it
    rolls back: every table's rows and the incident counter are as before, and the next
    incident gets the next number."""
    if not isinstance(store, postgres.PostgresStore):
        pytest.skip("asyncpg prepares per connection; SQLite has nothing to warm")
    async with store.transaction() as uow:
        number = await uow.allocate_number()
        await uow.create(declare(number).incident)
        await uow.enqueue_all([("slack", reminder(number, "kept"))], now=T0)
        await uow.bind_channel(number, "slack", "C1")
    tables = ("counters", "requests", "incidents", "timeline", "outbox", "timers", "inbox")
    tables += ("channels", "person_names", "jobs")
    before = [await backend.fetch(f"SELECT * FROM {table}") for table in tables]
    await store.warm(3)
    after = [await backend.fetch(f"SELECT * FROM {table}") for table in tables]
    assert after == before
    assert before[2], "an incident was there to keep"
    async with store.transaction() as uow:
        assert await uow.allocate_number() == 2


async def test_a_serving_store_closes_while_warming(backend: Backend) -> None:
    """A serving PostgreSQL store warms its connections in the background; closing it at
    once stops that without an error."""
    if backend.name != "postgres":
        pytest.skip("only PostgreSQL warms connections")
    store = await postgres.PostgresStore.open(backend.url, schema=backend.schema, serving=True)
    await store.close()


@contextmanager
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements sent on PostgreSQL connections while the block runs, in order (one
    entry per round trip: an `executemany` is pipelined into one), BEGIN and COMMIT
    included."""
    sent: list[str] = []
    connection = postgres._Connection
    for name in ("fetch", "execute", "executemany"):
        original = getattr(connection, name)

        async def call(self: Any, sql: str, *args: Any, _original: Any = original) -> Any:
            if args != ([],):  # an `executemany` of no rows sends nothing
                sent.append(sql.split("(")[0].strip())
            return await _original(self, sql, *args)

        monkeypatch.setattr(connection, name, call)
    for name, said in (("start", "BEGIN"), ("commit", "COMMIT")):
        original = getattr(Transaction, name)

        async def bracket(self: Any, _original: Any = original, _said: str = said) -> None:
            sent.append(_said)
            await _original(self)

        monkeypatch.setattr(Transaction, name, bracket)
    yield sent


async def test_an_open_takes_few_round_trips_on_postgres(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/incident open` (with a request key, as from Slack) is one transaction of at most 9
    round trips on PostgreSQL (BEGIN, the request key, the number, the incident, its
    timeline, its outbox messages, its timers, the answer, COMMIT), and reading it back and
    its channel for the delivery are one statement each."""
    if backend.name != "postgres":
        pytest.skip("round trips are PostgreSQL's cost (SQLite runs in the process)")
    settings = Settings(database_url=backend.url)
    app = await build_app(
        settings, clock=FakeClock(T0), chats=[RecordingChat()], store=await backend.open()
    )
    try:
        with counted(monkeypatch) as sent:
            outcome = await app.service.handle_text(
                "open sev1 Checkout is failing",
                actor="console:maria",
                platform="console",
                request_key="evt-1",
            )
            assert outcome.ok
            opened = list(sent)
            sent.clear()
            assert await app.service.channel_of(1, "console") is None
            incident = await app.service.load(1)
            read = list(sent)
        assert opened[0] == "BEGIN"
        assert opened[-1] == "COMMIT"
        assert len(opened) <= 9, "\n".join(opened)
        assert len(read) == 2, read
        assert incident is not None
        assert incident.number == 1
        outbox = await backend.fetch("SELECT COUNT(*) FROM outbox WHERE incident = 1")
        timers = await backend.fetch("SELECT COUNT(*) FROM timers WHERE incident = 1")
        assert outbox[0][0] >= 1
        assert timers[0][0] == len(pending_timers(incident, app.policy))
    finally:
        await app.close()
