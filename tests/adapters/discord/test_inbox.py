"""Acknowledged means durable, in Discord: an interaction is in the inbox when it is deferred,
and a restarted process runs and follows up what the previous one deferred and never answered,
once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.interactions import NOT_RECORDED
from adapters.discord.parse import recorded_interaction
from bot.bootstrap import App
from bot.chat import CommandBus, Outcome
from bot.clock import FakeClock
from incidents.ports import InboxEntry
from tests.adapters.discord.conftest import (
    T0,
    deliver,
    discord_app,
    discord_settings,
    oncall_of,
    start_adapter,
    until,
)
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.server import Callback

DEFERRED, MESSAGE = 5, 4
pytestmark = pytest.mark.defer_after(0)  # the adapter as `sevbot run` builds it


class HeldBus:
    """The command bus, holding every request until `release()`: the work after the deferral."""

    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus
        self.released = asyncio.Event()

    async def handle(self, *args: Any, **kwargs: Any) -> Outcome:
        """Wait for the release, then hand the request on."""
        await self.released.wait()
        return await self._bus.handle(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)


async def pending(app: App) -> list[InboxEntry]:
    """The inbox entries not done yet."""
    return await app.store.pending_commands("discord", 100)


async def nothing_pending(app: App) -> bool:
    """Whether every inbox entry is done (each is marked just after its answer went out)."""
    return await pending(app) == []


async def titles(app: App) -> list[str]:
    """The titles of the open incidents, by number."""
    async with app.store.transaction() as uow:
        return [incident.title for incident in await uow.open_incidents()]


async def left_by_a_dead_process(app: App, discord: StandIn, title: str) -> dict[str, Any]:
    """`/incident open` as the last process left it: written to the inbox and deferred, the
    bot killed before it answered. The raw INTERACTION_CREATE."""
    payload = await discord.slash("open", severity="SEV-2", title=title, wait=False)
    assert isinstance(payload, dict)
    recorded = recorded_interaction(payload)
    entry = InboxEntry(
        key=f"discord:{payload['id']}",
        platform="discord",
        command=json.dumps(recorded),
        received_at=T0,
    )
    assert await app.store.record_command(entry)
    discord.record_callback(int(payload["id"]), {"type": DEFERRED, "data": {"flags": 64}}, [])
    return payload


async def restart(tmp_path: Path, discord: StandIn, clock: FakeClock) -> App:
    """Another process on the same database."""
    return await discord_app(
        discord_settings(tmp_path, discord),
        clock,
        defer_after=0,
        oncall=oncall_of(discord),
        oncall_channels={("maintainers", "discord"): discord.oncall["id"]},
    )


async def replayed(adapter: DiscordAdapter) -> None:
    """Wait until the adapter's start has taken back and run the inbox."""
    async with asyncio.timeout(10):  # a guard against hanging; nothing waits on time
        await adapter.replay_finished.wait()


async def test_an_interaction_is_in_the_inbox_when_it_is_deferred(
    app: App, discord: StandIn
) -> None:
    """The deferral goes out once the interaction is written down, before the work; the entry
    keeps what is needed to run and answer it again, and is done once answered."""
    running = await start_adapter(app)
    try:
        held = HeldBus(app.service)
        running.adapter.handler._commands = held
        answer = await discord.slash("open", severity="SEV-1", title="Checkout is failing")
        assert isinstance(answer, Callback)
        assert answer.type == DEFERRED
        [entry] = await pending(app)
        assert entry.key == f"discord:{answer.interaction_id}"
        recorded = json.loads(entry.command)
        assert recorded["token"] == f"token-{answer.interaction_id}"
        assert recorded["user_id"] == str(discord.uid("sam"))
        assert recorded["data"]["options"][0]["name"] == "open"
        assert await titles(app) == []
        held.released.set()
        followup = await discord.followup(answer.interaction_id)
        assert followup.content.startswith("Opening incident #1")
        await until(lambda: nothing_pending(app), "the entry to be done")
    finally:
        await running.stop()


async def test_an_interaction_that_cannot_be_written_down_is_refused(
    app: App, discord: StandIn
) -> None:
    """When the inbox write fails, nothing is deferred early and the answer says nothing was
    done; nothing is."""

    async def refused(entry: InboxEntry) -> bool:
        raise OSError("disk I/O error")

    app.store.record_command = refused  # type: ignore[method-assign]
    running = await start_adapter(app)
    try:
        answer = await discord.slash("open", severity="SEV-1", title="Checkout is failing")
        assert isinstance(answer, Callback)
        assert (answer.type, answer.content) == (MESSAGE, NOT_RECORDED)
        assert await titles(app) == []
    finally:
        await running.stop()


async def test_an_interaction_left_by_a_crash_runs_once_after_restarts(
    app: App, discord: StandIn, tmp_path: Path, clock: FakeClock
) -> None:
    """Deferred, then the process died: the next start opens the incident (its channel in the
    server it was opened in) and follows up; a start after that does nothing more."""
    payload = await left_by_a_dead_process(app, discord, "Left by the last process")
    running = await start_adapter(app)
    try:
        await replayed(running.adapter)
        assert await titles(app) == ["Left by the last process"]
        assert await pending(app) == []
        [followup] = discord.followups
        assert followup.interaction_id == int(payload["id"])
        assert followup.content.startswith("Opening incident #1")
        assert followup.ephemeral
        await deliver(app)
        channel = discord.channel_named("inc-1")
        assert channel["parent_id"] == discord.channel_named("Incidents")["id"]
    finally:
        await running.stop()
    again = await restart(tmp_path, discord, clock)
    running = await start_adapter(again)
    try:
        await replayed(running.adapter)
        assert await titles(again) == ["Left by the last process"]
        assert len(discord.followups) == 1
    finally:
        await running.stop()
        await again.close()


async def test_a_replay_whose_token_expired_still_does_the_work(app: App, discord: StandIn) -> None:
    """Restarted after the token's 15 minutes: the incident is opened all the same, the
    follow-up is refused (logged), and the entry is done."""
    await left_by_a_dead_process(app, discord, "Late but opened")
    discord.tokens_expired = True
    running = await start_adapter(app)
    try:
        await replayed(running.adapter)
        assert await titles(app) == ["Late but opened"]
        assert discord.followups == []
        assert await pending(app) == []
    finally:
        await running.stop()


@pytest.mark.defer_after(10.0)
async def test_an_answer_given_directly_is_done_in_the_inbox(app: App, discord: StandIn) -> None:
    """Without early deferral the handler writes the interaction down before answering it,
    and marks it done after."""
    running = await start_adapter(app)
    try:
        answer = await discord.slash("open", severity="SEV-3", title="Slow search")
        assert isinstance(answer, Callback)
        assert answer.type == MESSAGE
        await until(lambda: nothing_pending(app), "the entry to be done")  # just after the answer
        again = InboxEntry(
            key=f"discord:{answer.interaction_id}", platform="discord", command="{}", received_at=T0
        )
        assert await app.store.record_command(again) is False  # it was written down
    finally:
        await running.stop()
