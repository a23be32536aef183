"""On-call rotations from the settings, through the real discord.py client and the stand-in:
the primary paged, then the backup, then everyone with @here in the on-call channel; ack stops it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import (
    deliver,
    discord_app,
    discord_settings,
    open_incident,
    run,
    start_adapter,
)
from tests.adapters.discord.standin import StandIn


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, discord: StandIn) -> AsyncIterator[App]:
    """The app paging from a rotation of sam, li and ana (sam's week since Monday 09:00)."""
    rotation = {
        "name": "maintainers",
        "members": [f"discord:{discord.uid(name)}" for name in ("sam", "li", "ana")],
        "start": date(2026, 11, 23),
        "channel": {"discord": discord.oncall["id"]},
    }
    built = await discord_app(discord_settings(tmp_path, discord, rotation=[rotation]), clock)
    running = await start_adapter(built)
    try:
        yield built
    finally:
        await running.stop()
        await built.close()


async def tick(app: App, clock: FakeClock, **delta: float) -> None:
    """Advance the fake clock, fire what is due and deliver it."""
    clock.advance(**delta)
    await app.scheduler.fire_due()
    await deliver(app)


async def test_escalation_primary_backup_everyone_then_ack_stops_it(
    app: App, clock: FakeClock, discord: StandIn
) -> None:
    """Sam is paged by DM; li at 15 min; at 30 min @here in the rotation's on-call channel
    with everyone pinged; sam's ack stops the rest."""
    channel = await open_incident(app, discord)
    assert "You are paged (primary, maintainers)" in discord.dms("sam")[0].text
    assert discord.dms("li") == []
    await tick(app, clock, minutes=15)
    assert "You are paged (backup, maintainers)" in discord.dms("li")[0].text
    await tick(app, clock, minutes=15)
    [here] = discord.posts(discord.oncall)
    assert here.content.startswith("@here")
    assert "is unacknowledged after 30 min" in here.text
    everyone = [s for s in discord.posts(channel) if "Paging everyone on maintainers" in s.text]
    assert everyone
    assert {str(discord.uid(n)) for n in ("sam", "li", "ana")} <= set(everyone[0].pinged["users"])
    await run(app, discord, "ack", channel)
    await tick(app, clock, hours=2)
    assert len(discord.posts(discord.oncall)) == 1
    assert len(discord.dms("li")) == 1


async def test_oncall_in_discord_answers_from_the_rotation(app: App, discord: StandIn) -> None:
    """`/oncall` in Discord labels sam primary and li backup, and says who is next."""
    answer = await discord.slash(None, command="oncall")
    assert "maintainers · on call now" in answer.content
    assert "Primary:" in answer.content
    assert "Next:" in answer.content
