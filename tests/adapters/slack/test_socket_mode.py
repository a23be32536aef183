"""Socket Mode (SLACK_APP_TOKEN): the same listeners over a websocket from the stand-in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import SlackAdapter
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from incidents.ports import InboxEntry
from tests.adapters.slack.conftest import MARIA, T0, maintainers
from tests.adapters.slack.standin import APP_TOKEN, BOT_TOKEN, SlackStandIn

WAIT = 10  # seconds; only a guard against hanging, nothing here waits on time


async def test_slash_command_over_socket_mode(tmp_path: Path, standin: SlackStandIn) -> None:
    """hello → a slash_commands envelope → the ack envelope carries 'Opening incident…',
    and the incident channel is created; no HTTP route is mounted. `list` is answered in its
    ack envelope's payload."""
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
        listing = {"envelope_id": "env-2", "type": "slash_commands"}
        listing["accepts_response_payload"] = True
        listing["payload"] = {
            "team_id": "T0TEAM",
            "channel_id": "CGENERAL",
            "user_id": MARIA,
            "command": "/incident",
            "text": "list",
            "response_url": standin.response_url(MARIA),
            "trigger_id": "3.4.socket",
        }
        await standin.send_envelope(listing)
        listed = await asyncio.wait_for(standin.socket_acks.get(), WAIT)
        assert listed["envelope_id"] == "env-2"
        assert listed["payload"]["response_type"] == "ephemeral"
        assert "Socket mode works" in listed["payload"]["text"]  # a read answers in the ack
        assert [r for r in standin.responses if "Socket mode works" in r["text"]] == []
    finally:
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)
        await app.close()


def open_envelope(envelope_id: str, response_url: str, *, retry: int = 0) -> dict[str, Any]:
    """`/incident open` over Socket Mode; a retry carries the same trigger id."""
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "retry_attempt": retry,
        "retry_reason": "timeout" if retry else "",
        "payload": {
            "team_id": "T0TEAM",
            "channel_id": "CGENERAL",
            "user_id": MARIA,
            "command": "/incident",
            "text": "open sev2 Fast path",
            "response_url": response_url,
            "trigger_id": "7.8.socket",
        },
    }


async def test_a_slash_command_envelope_skips_bolt_and_a_retry_is_done_once(
    tmp_path: Path, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slash command envelope is acknowledged without bolt's dispatch (the fast path, as
    over HTTP), only once it is in the inbox; Slack's retry of it (a new envelope id, the same
    trigger) is acknowledged too, and the incident is opened once, with one channel."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_app_token=SecretStr(APP_TOKEN),
        slack_api_url=standin.api_url,
    )
    app = await build_app(settings, clock=FakeClock(T0), oncall=maintainers)
    adapter = app.chats["slack"]
    assert isinstance(adapter, SlackAdapter)
    dispatched: list[object] = []

    async def bolt_dispatch(request: object) -> object:
        dispatched.append(request)
        raise AssertionError("a slash command envelope went through bolt")

    monkeypatch.setattr(adapter.bolt, "async_dispatch", bolt_dispatch)
    recorded: list[str] = []
    record_command = app.store.record_command

    async def record_then_note(entry: InboxEntry) -> bool:
        written = await record_command(entry)
        recorded.append(entry.key)
        return written

    monkeypatch.setattr(app.store, "record_command", record_then_note)
    connection = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(standin.socket_connected.wait(), WAIT)
        hook = standin.response_url(MARIA)
        await standin.send_envelope(open_envelope("env-first", hook))
        ack = await asyncio.wait_for(standin.socket_acks.get(), WAIT)
        assert ack == {
            "envelope_id": "env-first",
            "payload": {"response_type": "ephemeral", "text": "Opening incident…"},
        }
        assert recorded == ["slack:command:7.8.socket"]  # acknowledged means durable
        await standin.send_envelope(open_envelope("env-retry", hook, retry=1))
        retried = await asyncio.wait_for(standin.socket_acks.get(), WAIT)
        assert retried["envelope_id"] == "env-retry"
        await adapter.settle()
        await app.dispatcher.deliver_due()
        async with app.store.transaction() as uow:
            assert [i.title for i in await uow.open_incidents()] == ["Fast path"]
        assert [c.name for c in standin.named("inc-")] == ["inc-1-fast-path"]
        assert dispatched == []
    finally:
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)
        await app.close()
