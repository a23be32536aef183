"""Slack and Discord in one app (`[mirror]`): the real composition root, the real slack-bolt and
discord.py adapters against their stand-ins, SQLite and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack import SlackAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from tests.adapters.discord.conftest import discord, discord_app, start_adapter
from tests.adapters.discord.standin import StandIn
from tests.adapters.slack import requests as r
from tests.adapters.slack.conftest import T0, Slack, standin
from tests.adapters.slack.standin import BOT_TOKEN, SlackStandIn

__all__ = ["Both", "both", "discord", "standin"]  # the stand-ins' fixtures, used here too
SAM, ANA = "U0SAM", "U0ANA"


def mirror_settings(
    tmp_path: Path, slack: SlackStandIn, discord: StandIn, **extra: Any
) -> Settings:
    """Both platforms against their stand-ins; Ana in [[person]] (Slack U0ANA, Discord `ana`);
    a rotation naming her first; every incident mirrored, messages relayed."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/sevbot.db",
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(r.SECRET),
        "slack_api_url": slack.api_url,
        "slack_announce_channel": "#incidents",
        "discord_bot_token": discord.token,
        "discord_api_url": discord.api_url,
        "discord_gateway_url": discord.gateway_url,
        "discord_guild_id": discord.guild_id,
        "discord_incident_category": "Incidents",
        "discord_announce_channel": int(discord.announce["id"]),
        "person": [{"name": "Ana Lima", "slack": ANA, "discord": str(discord.uid("ana"))}],
        "rotation": [
            {
                "name": "maintainers",
                "members": ["Ana Lima", f"slack:{SAM}"],
                "start": "2026-11-23",
                "channel": {"slack": "CONCALL", "discord": discord.oncall["id"]},
            }
        ],
        "mirror": {"platforms": ["slack", "discord"], "relay_messages": True},
    }
    return Settings(**(values | extra))


@dataclass
class Both:
    """The app, Slack driven over HTTP (`slack`), the Discord stand-in, the fake clock."""

    app: App
    slack: Slack
    discord: StandIn
    clock: FakeClock

    async def settle(self) -> None:
        """Finish acknowledged work and deliver what is due now, until nothing is left."""
        await self.slack.settle()

    def slack_posts(self, number: int = 1) -> list[dict[str, Any]]:
        """What the bot posted in the incident's Slack channel."""
        return self.slack.channel(number).posts()

    def discord_posts(self, number: int = 1) -> list[Any]:
        """What the bot posted in the incident's Discord channel."""
        return self.discord.posts(self.discord.channel_named(f"inc-{number}-"))


@pytest.fixture
async def both(tmp_path: Path, standin: SlackStandIn, discord: StandIn) -> AsyncIterator[Both]:
    """Slack and Discord mirrored, both adapters running."""
    clock = FakeClock(T0)
    app = await discord_app(mirror_settings(tmp_path, standin, discord), clock)
    adapter = app.chats["slack"]
    assert isinstance(adapter, SlackAdapter)
    client = TestClient(TestServer(app.web))
    await client.start_server()
    running = await start_adapter(app)
    try:
        slack = Slack(app=app, adapter=adapter, standin=standin, client=client, clock=clock)
        yield Both(app=app, slack=slack, discord=discord, clock=clock)
    finally:
        await running.stop()
        await client.close()
        await adapter.close()
        await app.close()
