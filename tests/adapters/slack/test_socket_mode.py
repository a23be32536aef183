"""Socket Mode (SLACK_APP_TOKEN): the same listeners over a websocket from the stand-in."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import SecretStr

from adapters.slack import SlackAdapter
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from tests.adapters.slack.conftest import MARIA, T0, maintainers
from tests.adapters.slack.standin import APP_TOKEN, BOT_TOKEN, SlackStandIn

WAIT = 10  # seconds; only a guard against hanging, nothing here waits on time


async def test_slash_command_over_socket_mode(tmp_path: Path, standin: SlackStandIn) -> None:
    """hello → a slash_commands envelope → the ack envelope carries 'Opening incident…',
    and the incident channel is created; no HTTP route is mounted."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_app_token=SecretStr(APP_TOKEN),
        slack_api_url=standin.api_url,
    )
    app = await build_app(settings, clock=FakeClock(T0), oncall=maintainers)
    adapter = app.chats["slack"]
    assert isinstance(adapter, SlackAdapter)
    assert not [
        r for r in app.web.router.routes() if r.resource and "slack" in r.resource.canonical
    ]
    connection = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(standin.socket_connected.wait(), WAIT)
        assert standin.served("apps.connections.open")
        await standin.send_envelope(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": "T0TEAM",
                    "channel_id": "CGENERAL",
                    "user_id": MARIA,
                    "command": "/incident",
                    "text": "open sev2 Socket mode works",
                    "response_url": standin.response_url(MARIA),
                    "trigger_id": "1.2.socket",
                },
            }
        )
        ack = await asyncio.wait_for(standin.socket_acks.get(), WAIT)
        assert ack["envelope_id"] == "env-1"
        assert ack["payload"] == {"response_type": "ephemeral", "text": "Opening incident…"}
        await adapter.settle()
        await app.dispatcher.deliver_due()
        [channel] = standin.named("inc-1-")
        assert channel.name == "inc-1-socket-mode-works"
        assert channel.pins
    finally:
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)
        await app.close()
