"""`sevbot run` as a real process against the stand-in Discord."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.adapters.discord.standin import StandIn
from tests.e2e.conftest import free_port, sevbot

pytestmark = pytest.mark.e2e


async def test_sevbot_run_answers_a_slash_command_and_creates_the_channel(
    tmp_path: Path, discord: StandIn
) -> None:
    """DISCORD_* settings make `sevbot run` connect; /incident open is answered and the
    incident channel is created in the category; SIGTERM closes the gateway and exits 0."""
    process = sevbot(
        "run",
        env={
            "PORT": str(free_port()),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
            "DISCORD_BOT_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "DISCORD_GUILD_ID": str(discord.guild_id),
            "SEVBOT_DISCORD_INCIDENT_CATEGORY": "Incidents",
            "SEVBOT_DISCORD_ANNOUNCE_CHANNEL": discord.announce["id"],
        },
        cwd=tmp_path,
    )
    try:
        await discord.wait_for(
            lambda: discord.gateway.socket is not None or process.poll() is not None,
            "sevbot to connect",
            seconds=30,
        )
        assert process.poll() is None, (tmp_path / "sevbot.log").read_text()
        answer = await discord.slash("open", severity="SEV-1", title="Checkout is failing")
        reply = await discord.answer_text(answer)
        assert reply == "Opening incident #1… its channel is being created."
        channel = await discord.wait_for(
            lambda: next(
                (c for c in discord.channels.values() if c.get("name", "").startswith("inc-1")),
                None,
            ),
            "the incident channel",
            seconds=30,
        )
        assert channel["parent_id"] == discord.channel_named("Incidents")["id"]
        await discord.wait_for(lambda: discord.posts(discord.announce), "the announcement")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 15) == 0
        assert discord.gateway.socket is None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
