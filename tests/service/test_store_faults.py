"""Store faults are weather, not death (issue 15): backoff, one line per outage, the loops
survive, a command is retried once when that is safe, /healthz tells the truth, and start-up
waits for the database. Times are a fake clock's; nothing here sleeps to wait for a backoff."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.stores.sqlite import SqliteStore
from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings, load_settings
from bot.faults import (
    COMMANDS,
    DISPATCHER,
    FAILING_LIMIT,
    HEALTH_CHECK,
    MAX_RETRY,
    SCHEDULER,
    StoreHealth,
    backoff,
)
from bot.settings_model import SecretStr
from bot.startup import wait_for_store
from incidents.ports import StoreUnavailable
from tests.fakes import RecordingChat

WHERE = "PostgreSQL at db.example:5432/sevbot"


def fault(committed: bool | None = False, *, lasting: bool = False) -> StoreUnavailable:
    """A store fault as the adapters raise them."""
    return StoreUnavailable(WHERE, "connection lost", committed=committed, lasting=lasting)


class FaultyStore:
    """A real store whose calls fail on demand: `fail("next_timer_due", 3)` makes the next
    three calls raise; `fail("transaction")` fails before anything is written, `fail("commit")`
    after the commit went through (the connection lost with the answer)."""

    def __init__(self, inner: SqliteStore) -> None:
        self._inner = inner
        self._failures: dict[str, list[StoreUnavailable]] = {}
        self.calls: dict[str, int] = {}

    def fail(self, name: str, times: int = 1, committed: bool | None = False) -> None:
        """Make the next `times` calls of `name` raise a fault."""
        self._failures.setdefault(name, []).extend(fault(committed) for _ in range(times))

    def _take(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        pending = self._failures.get(name)
        if pending:
            raise pending.pop(0)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """The inner transaction, failing where told."""
        self._take("transaction")
        async with self._inner.transaction() as uow:
            yield uow
        self._take("commit")

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._take(name)
            return await attr(*args, **kwargs)

        return call


@pytest.fixture
async def faulty(tmp_path: Path) -> AsyncIterator[FaultyStore]:
    """A SQLite store that fails on demand."""
    inner = await SqliteStore.open(f"sqlite:///{tmp_path}/faulty.db")
    try:
        yield FaultyStore(inner)
    finally:
        await inner.close()


@pytest.fixture
async def app(faulty: FaultyStore, clock: FakeClock, chat: RecordingChat) -> App:
    """The real application on the faulty store, with the command API on."""
    settings = Settings(database_url="sqlite:///unused.db", api_token=SecretStr("tok"))
    return await build_app(settings, clock=clock, store=faulty, chats=[chat])  # type: ignore[arg-type]


async def until(check: Callable[[], bool], what: str) -> None:
    """Let the loops run (the store answers from its thread) until `check` holds."""
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never: {what}")


async def drive(loop: asyncio.Task[None], clock: FakeClock, *, rounds: int) -> None:
    """Each round: wait until the loop has gone to sleep on the fake clock once more, then
    move it 10 s on (past any backoff); no fixed real time is waited."""
    seen = -1
    for _ in range(rounds):
        await until(
            lambda seen=seen: (clock.sleepers > 0 and clock.naps != seen) or loop.done(),
            "the loop waits",
        )
        assert not loop.done(), "the loop ended"
        seen = clock.naps
        clock.advance(seconds=10)


async def dispatch_until_delivered(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """Run the dispatcher loop through its backoffs until two messages are delivered."""
    loop = asyncio.create_task(app.dispatcher.run())
    try:
        await drive(loop, clock, rounds=6)
        await until(lambda: len(chat.delivered) >= 2, "delivery")
    finally:
        app.dispatcher.stop()
        await loop


def fault_lines(caplog: pytest.LogCaptureFixture) -> tuple[list[str], list[str]]:
    """(fault start lines, fault cleared lines) logged so far."""
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.faults"]
    starts = [m for m in messages if m.startswith("store fault (")]
    clears = [m for m in messages if m.startswith("store fault cleared")]
    return starts, clears


def test_backoff_doubles_from_200_ms_to_a_10_s_cap_with_jitter() -> None:
    """0.2 s, 0.4 s, 0.8 s … 10 s at most, each between half and all of its step."""
    rng = random.Random(7)
    for failures, step in [(1, 0.2), (2, 0.4), (3, 0.8), (6, 6.4), (7, 10.0), (40, 10.0)]:
        delays = [backoff(failures, rng).total_seconds() for _ in range(200)]
        assert step / 2 <= min(delays)
        assert max(delays) <= step
        assert max(delays) - min(delays) > step / 4, "jitter spreads replicas out"
    assert backoff(1000, rng) <= MAX_RETRY


def test_one_line_when_an_outage_starts_and_one_when_it_ends(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Many failures of two parts: one ERROR with the cause, one WARNING once both recover,
    saying how long it lasted; no traceback for a store fault."""
    caplog.set_level(logging.DEBUG, logger="bot.faults")
    health = StoreHealth(clock, rng=random.Random(1))
    for _ in range(20):
        health.failed(SCHEDULER, fault())
        clock.advance(seconds=0.5)
    health.failed(DISPATCHER, fault())
    health.recovered(SCHEDULER)
    assert fault_lines(caplog) == (
        [
            f"store fault (scheduler): {WHERE}: connection lost; "
            "retrying with backoff, quietly until it clears"
        ],
        [],
    )
    clock.advance(seconds=2)
    health.recovered(DISPATCHER)
    starts, clears = fault_lines(caplog)
    assert len(starts) == 1
    assert clears == ["store fault cleared after 12.0 s (21 failed store calls meanwhile)"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.exc_info for r in errors] == [None]
    health.failed(COMMANDS, fault())
    assert len(fault_lines(caplog)[0]) == 2, "a new outage is a new line"
    assert health.outages == 2


def test_a_round_that_only_read_does_not_end_the_outage(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only store or a full disk still reads: a loop that found nothing to do stops
    counting as failing (no 503 for it), but the outage ends only at the next write, so one
    outage stays one start line and one clear line however the parts take turns."""
    health = StoreHealth(clock, rng=random.Random(1))
    health.failed(DISPATCHER, fault())
    clock.advance(seconds=1)
    health.recovered(DISPATCHER, wrote=False)  # claimed nothing: only read
    assert health.failing(DISPATCHER) is None
    assert fault_lines(caplog)[1] == []
    health.failed(HEALTH_CHECK, fault())  # the write probe still fails: the same outage
    health.recovered(SCHEDULER, wrote=False)
    assert fault_lines(caplog)[1] == []
    clock.advance(seconds=2)
    health.recovered(HEALTH_CHECK)  # a write went through
    starts, clears = fault_lines(caplog)
    assert len(starts) == 1
    assert clears == ["store fault cleared after 3.0 s (2 failed store calls meanwhile)"]
    assert health.outages == 1


def test_a_call_that_began_before_the_outage_cleared_starts_no_new_one(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A write in flight when the disk took writes again fails after another part's write
    cleared the outage: that failure belongs to the outage that ended, so no second start
    line; a call that begins after the clear and fails is a new outage."""
    health = StoreHealth(clock, rng=random.Random(1))
    health.failed(HEALTH_CHECK, fault())
    clock.advance(seconds=1)
    in_flight = clock.now()  # the dispatcher's round begins while the disk is still full
    clock.advance(seconds=0.1)
    health.recovered(HEALTH_CHECK)  # the health check's write went through: cleared
    clock.advance(seconds=0.1)
    health.failed(DISPATCHER, fault(), started=in_flight)
    starts, clears = fault_lines(caplog)
    assert (len(starts), len(clears), health.outages) == (1, 1, 1)
    assert health.failing(DISPATCHER) is not None  # until its next good round
    health.recovered(DISPATCHER)
    assert health.failing(DISPATCHER) is None
    assert len(fault_lines(caplog)[1]) == 1, "nothing to clear: no second outage began"
    health.failed(SCHEDULER, fault(), started=clock.now())
    assert (len(fault_lines(caplog)[0]), health.outages) == (2, 2)


def test_an_unexpected_error_is_logged_once_with_its_traceback(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a loop is not weather: its first failure carries the traceback, once."""
    health = StoreHealth(clock)
    for _ in range(5):
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            health.failed(SCHEDULER, error)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert "RuntimeError: boom" in errors[0].getMessage()


def test_a_healthy_check_clears_the_commands_too(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Commands do not retry by themselves: a health check that read and wrote ends their
    outage even if no command comes."""
    health = StoreHealth(clock)
    health.failed(COMMANDS, fault())
    health.failed(HEALTH_CHECK, fault())
    health.recovered(HEALTH_CHECK)
    assert health.failing(COMMANDS) is None
    assert len(fault_lines(caplog)[1]) == 1


def test_trouble_once_a_loop_has_failed_longer_than_the_limit(clock: FakeClock) -> None:
    """/healthz's reason: a loop failing for longer than 30 s, with its cause; not before."""
    health = StoreHealth(clock)
    health.failed(COMMANDS, fault())
    health.failed(DISPATCHER, fault())
    clock.advance(seconds=FAILING_LIMIT.total_seconds())
    assert health.trouble() is None
    clock.advance(seconds=1)
    assert health.trouble() == f"the dispatcher has failed for 31 s: {WHERE}: connection lost"
    health.recovered(DISPATCHER)
    assert health.trouble() is None


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_start_up_waits_saying_what_it_waits_for_then_opens() -> None:
    """Unavailable for 12 s: a line at once and every 5 s naming where and why, then open."""
    time = FakeTime()
    said: list[str] = []
    attempts: list[float] = []
    store = object()

    async def opener() -> Any:
        attempts.append(time.now)
        if time.now < 112:
            raise fault()
        return store

    opened = await wait_for_store(
        opener, wait=timedelta(seconds=30), say=said.append, sleep=time.sleep, monotonic=time
    )
    assert opened is store
    assert len(attempts) == 25  # every 0.5 s
    assert said == [
        f"waiting for the database, {WHERE}: connection lost ({n} s of 30 s, SEVBOT_DB_WAIT)"
        for n in (0, 5, 10)
    ]


async def test_start_up_gives_up_after_the_wait_naming_where() -> None:
    """Still unavailable after SEVBOT_DB_WAIT: the last fault, saying how long it waited."""
    time = FakeTime()

    async def opener() -> Any:
        raise fault()

    with pytest.raises(StoreUnavailable) as raised:
        await wait_for_store(
            opener, wait=timedelta(seconds=2), say=lambda _: None, sleep=time.sleep, monotonic=time
        )
    assert str(raised.value) == (
        f"{WHERE}: connection lost (gave up after waiting 2 s: SEVBOT_DB_WAIT)"
    )
    assert time.now == pytest.approx(102)


async def test_start_up_does_not_wait_for_what_waiting_cannot_cure() -> None:
    """No such database (or no driver): the first fault is the answer."""
    time = FakeTime()

    async def opener() -> Any:
        raise fault(lasting=True)

    with pytest.raises(StoreUnavailable):
        await wait_for_store(opener, wait=timedelta(seconds=30), sleep=time.sleep, monotonic=time)
    assert time.slept == []


def test_db_wait_is_a_setting_in_seconds_or_a_duration() -> None:
    """SEVBOT_DB_WAIT: 30 s by default; a plain number is seconds; 0 does not wait."""
    assert load_settings().db_wait == timedelta(seconds=30)
    assert load_settings(db_wait="2").db_wait == timedelta(seconds=2)
    assert load_settings(db_wait="0").db_wait == timedelta(0)
    assert load_settings(db_wait="1m").db_wait == timedelta(minutes=1)


async def test_the_scheduler_survives_store_faults_and_fires_after(
    app: App,
    faulty: FaultyStore,
    clock: FakeClock,
    chat: RecordingChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its store calls fail five times: the loop backs off (fake time), logs one line at the
    start and one at the end, and the status reminder still fires when due."""
    await app.service.handle_text("open sev3 Flaky", actor="console:sam", platform="console")
    faulty.fail("claim_due_timers", 3)
    faulty.fail("next_timer_due", 2)
    loop = asyncio.create_task(app.scheduler.run())
    try:
        await until(lambda: app.store_health.failing(SCHEDULER) is not None, "a failure")
        await drive(loop, clock, rounds=5)
        await until(lambda: app.store_health.failing(SCHEDULER) is None, "recovery")
        clock.advance(minutes=30)
        await until(lambda: faulty.calls.get("claim_due_timers", 0) >= 6, "a round")
        await app.dispatcher.deliver_due()
        await until(lambda: "status_reminder" in chat.kinds(), "the reminder")
    finally:
        app.scheduler.stop()
        await loop
    starts, clears = fault_lines(caplog)
    assert len(starts) == len(clears) == 1
    assert chat.kinds().count("status_reminder") == 1


async def test_the_dispatcher_survives_store_faults_and_delivers_after(
    app: App,
    faulty: FaultyStore,
    clock: FakeClock,
    chat: RecordingChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Claiming fails four times: the loop backs off and then delivers everything once."""
    faulty.fail("claim_outbox", 4)
    await app.service.handle_text("open sev3 Flaky", actor="console:sam", platform="console")
    await dispatch_until_delivered(app, clock, chat)
    starts, clears = fault_lines(caplog)
    assert len(starts) == len(clears) == 1
    assert len({item.id for item in chat.delivered}) == len(chat.delivered)


async def test_a_store_fault_inside_an_adapters_delivery_is_a_store_fault_not_a_bug(
    app: App,
    clock: FakeClock,
    chat: RecordingChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An adapter's own store call (binding a channel) fails during delivery: one outage line,
    no traceback, and the message is delivered once the store answers (after its lease)."""
    chat.failures.append(fault())  # type: ignore[arg-type]  # what a failing bind_channel raises
    await app.service.handle_text("open sev3 Flaky", actor="console:sam", platform="console")
    await dispatch_until_delivered(app, clock, chat)
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a store fault"
    starts, clears = fault_lines(caplog)
    assert len(starts) == len(clears) == 1
    assert len({item.id for item in chat.delivered}) == len(chat.delivered)


async def test_a_command_that_met_a_fault_before_its_commit_is_run_once_more(
    app: App, faulty: FaultyStore
) -> None:
    """Nothing was written, so running it again is safe: the person sees it done, once."""
    faulty.fail("transaction")
    outcome = await app.service.handle_text(
        "open sev2 DB down", actor="console:sam", platform="console"
    )
    assert (outcome.ok, outcome.incident) == (True, 1)
    async with app.store.transaction() as uow:
        assert [i.title for i in await uow.open_incidents()] == ["DB down"]


async def test_a_command_lost_during_its_commit_is_not_run_again_without_a_key(
    app: App, faulty: FaultyStore
) -> None:
    """The commit may have gone through: no second run (that could open two incidents); the
    person hears that it may or may not have been done."""
    faulty.fail("commit", committed=None)
    outcome = await app.service.handle_text(
        "open sev2 DB down", actor="console:sam", platform="console"
    )
    assert (outcome.ok, outcome.unavailable) == (False, True)
    assert "may or may not have been done" in outcome.reply_text
    async with app.store.transaction() as uow:
        assert [i.title for i in await uow.open_incidents()] == ["DB down"]  # it had


async def test_a_command_with_a_request_key_is_retried_even_after_an_unsure_commit(
    app: App, faulty: FaultyStore
) -> None:
    """The request key makes the repeat answer with the first answer: done once, not twice."""
    faulty.fail("commit", committed=None)
    outcome = await app.service.handle_text(
        "open sev2 DB down", actor="console:sam", platform="console", request_key="k1"
    )
    assert outcome.ok
    assert outcome.incident == 1
    async with app.store.transaction() as uow:
        assert len(await uow.open_incidents()) == 1


async def test_two_faults_in_a_row_get_the_polite_failure_over_the_api(
    app: App, faulty: FaultyStore
) -> None:
    """Both attempts fail: 503 with the polite reply (a tool retries a 5xx), nothing done."""
    faulty.fail("transaction", 2)
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        response = await client.post(
            "/api/commands",
            json={"text": "open sev2 DB down"},
            headers={"Authorization": "Bearer tok"},
        )
        assert response.status == 503
        body = await response.json()
    finally:
        await client.close()
    assert body["ok"] is False
    assert "nothing was done" in body["reply"]
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []


async def test_healthz_says_503_with_the_reason_while_the_store_fails_then_200(
    app: App, faulty: FaultyStore, clock: FakeClock
) -> None:
    """The check reads and writes: a store that cannot → 503 naming it and why; /livez stays
    200 throughout; once the store answers, 200 again."""
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    loop = asyncio.create_task(app.scheduler.run())
    try:
        await until(lambda: app.scheduler.running, "the scheduler runs")
        assert (await client.get("/healthz")).status == 200
        clock.advance(seconds=2)  # a write probe's answer is reused for a second
        faulty.fail("transaction", 1)
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {
            "status": "store unavailable",
            "reason": f"{WHERE}: connection lost",
        }
        assert (await client.get("/livez")).status == 200
        assert (await client.get("/healthz")).status == 503, "the failed probe, reused"
        clock.advance(seconds=2)
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json())["status"] == "ok"
    finally:
        app.scheduler.stop()
        await loop
        await client.close()


async def test_a_reused_good_probe_does_not_end_an_outage(
    app: App, faulty: FaultyStore, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A check within a second of a good write reuses that answer: it proves nothing about
    the store now, so an outage that began meanwhile goes on until a real write succeeds
    (CI saw a full disk "cleared" 0.2 s after it began, then "begin" again)."""
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    caplog.set_level(logging.INFO, logger="bot.faults")
    loop = asyncio.create_task(app.scheduler.run())
    try:
        await until(lambda: app.scheduler.running, "the scheduler runs")
        assert (await client.get("/healthz")).status == 200  # a good write now
        app.store_health.failed(DISPATCHER, fault())  # the disk fills meanwhile
        app.store_health.recovered(DISPATCHER, wrote=False)  # a round that found nothing
        assert (await client.get("/healthz")).status == 200, "the good answer, reused"
        assert fault_lines(caplog) == (
            [
                f"store fault (dispatcher): {WHERE}: connection lost; "
                "retrying with backoff, quietly until it clears"
            ],
            [],
        )
        clock.advance(seconds=2)
        assert (await client.get("/healthz")).status == 200  # a real write: the outage ends
        starts, clears = fault_lines(caplog)
        assert len(starts) == 1
        assert len(clears) == 1
    finally:
        app.scheduler.stop()
        await loop
        await client.close()


async def test_healthz_says_503_when_a_loop_has_failed_too_long(
    app: App, faulty: FaultyStore, clock: FakeClock
) -> None:
    """The dispatcher failing for more than 30 s: 503 `failing` with its cause."""
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    loop = asyncio.create_task(app.scheduler.run())
    try:
        await until(lambda: app.scheduler.running, "the scheduler runs")
        app.store_health.failed(DISPATCHER, fault())
        clock.advance(seconds=31)
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
        assert body["status"] == "failing"
        assert body["reason"].startswith("the dispatcher has failed for 31 s")
    finally:
        app.scheduler.stop()
        await loop
        await client.close()


async def test_a_timer_that_keeps_failing_is_logged_once_not_every_round(
    app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug firing one incident's timers (not a store fault): one traceback, however many
    rounds retry it; logged again only after it once worked."""
    await app.service.handle_text("open sev3 Flaky", actor="console:sam", platform="console")
    clock.advance(minutes=31)

    async def broken(numbers: list[int], *, holder: str) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.service, "fire_claimed", broken)
    for _ in range(5):
        assert await app.scheduler.fire_due() == 0
    logged = [r for r in caplog.records if "firing timers of incident #1" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
