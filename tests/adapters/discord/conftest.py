"""The real App (SQLite, fake clock) and the real discord.py client against a stand-in Discord."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.model import OnCall
from incidents.severity import Severity
from tests.adapters.discord.standin import StandIn

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def discord() -> AsyncIterator[StandIn]:
    """A stand-in Discord on 127.0.0.1 with people sam, li and ana."""
    standin = await StandIn().start()
    for name in ("sam", "li", "ana"):
        standin.user(name)
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at Monday 14:00 UTC."""
    return FakeClock(T0)


def discord_settings(tmp_path: Path, discord: StandIn, **overrides: Any) -> Settings:
    """Settings pointing the adapter at the stand-in."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/sevbot.db",
        "discord_bot_token": discord.token,
        "discord_api_url": discord.api_url,
        "discord_gateway_url": discord.gateway_url,
        "discord_guild_id": discord.guild_id,
        "discord_incident_category": "Incidents",
        "discord_announce_channel": int(discord.announce["id"]),
    }
    return Settings(**(values | overrides))


def oncall_of(discord: StandIn) -> Callable[[Severity], OnCall]:
    """sam primary, li backup, ana too, as Discord users."""

    def lookup(severity: Severity) -> OnCall:
        ids = [f"discord:{discord.uid(name)}" for name in ("sam", "li", "ana")]
        return OnCall(rotation="maintainers", primary=ids[0], backup=ids[1], everyone=tuple(ids))

    return lookup


async def discord_app(
    settings: Settings, clock: FakeClock, *, defer_after: float = 10.0, **overrides: Any
) -> App:
    """The real application built by the composition root, its Discord adapter tuned for
    tests: answers are never deferred unless a test asks (`defer_after=0`), so a slow machine
    cannot turn a direct answer into a deferred one; guilds are awaited briefly."""
    options = {"discord": {"guild_ready_timeout": 0.05, "defer_after": defer_after}}
    return await build_app(settings, clock=clock, adapter_options=options, **overrides)


@pytest.fixture
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock, discord: StandIn
) -> AsyncIterator[App]:
    """The real application on SQLite, paging the Discord on-call people. A test marked
    `@pytest.mark.defer_after(0)` gets an adapter that defers at once; one marked
    `@pytest.mark.oncall_commands(handler)` gets `handler` for `/oncall`."""
    defer = request.node.get_closest_marker("defer_after")
    commands = request.node.get_closest_marker("oncall_commands")
    built = await discord_app(
        discord_settings(tmp_path, discord),
        clock,
        defer_after=defer.args[0] if defer else 10.0,
        oncall=oncall_of(discord),
        oncall_channels={("maintainers", "discord"): discord.oncall["id"]},
        oncall_commands=commands.args[0] if commands else None,
    )
    try:
        yield built
    finally:
        await built.close()


class Running:
    """An adapter whose discord.py client runs in a task; `stop()` cancels it."""

    def __init__(self, adapter: DiscordAdapter, task: asyncio.Task[None]) -> None:
        self.adapter = adapter
        self.task = task

    async def stop(self) -> None:
        """Cancel `run()`, which closes the client."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def start_adapter(app: App) -> Running:
    """Run the app's Discord adapter the way `sevbot run` does; wait until it is connected."""
    adapter = app.chats["discord"]
    assert isinstance(adapter, DiscordAdapter)
    task = asyncio.create_task(adapter.run())
    waiter: Coroutine[Any, Any, Any] = adapter.connected.wait()
    async with asyncio.timeout(10):
        await waiter
    return Running(adapter, task)


@pytest.fixture
async def bot(app: App) -> AsyncIterator[DiscordAdapter]:
    """The Discord adapter, connected to the stand-in."""
    running = await start_adapter(app)
    try:
        yield running.adapter
    finally:
        await running.stop()


async def deliver(app: App) -> int:
    """Deliver everything the outbox has due now."""
    return await app.dispatcher.deliver_due()


async def times_on_timeline(app: App, text: str, number: int = 1) -> int:
    """Deliver, then count the timeline entries of incident `number` that say `text`."""
    await deliver(app)
    incident = await app.service.load(number)
    assert incident is not None
    return [e.text for e in incident.timeline].count(text)


async def open_incident(
    app: App, discord: StandIn, title: str = "Checkout is failing", severity: str = "SEV-1"
) -> dict[str, Any]:
    """`/incident open` in #general, deliver, and return the incident channel the bot made."""
    before = set(discord.channels)
    await discord.slash("open", severity=severity, title=title)
    await deliver(app)
    created = [
        discord.channels[cid]
        for cid in set(discord.channels) - before
        if discord.channels[cid]["type"] == 0
    ]
    assert len(created) == 1, created
    return created[0]


async def run(
    app: App, discord: StandIn, verb: str, channel: dict[str, Any], **options: Any
) -> str:
    """A subcommand in `channel`; deliver; return the ephemeral reply's text."""
    answer = await discord.slash(verb, channel=channel, **options)
    assert answer.ephemeral, answer
    await deliver(app)
    return answer.content


async def until(check: Callable[[], Coroutine[Any, Any, bool]], what: str) -> None:
    """Poll an async check until it holds (the bot reacts to gateway events in tasks)."""
    try:
        async with asyncio.timeout(10):
            while not await check():  # noqa: ASYNC110  # the store has no change event to await
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"gave up waiting for {what}") from None
