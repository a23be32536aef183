"""The real app (composition root, SQLite, fake clock) with the real Slack adapter and bolt,
served over HTTP by aiohttp, talking to the stand-in Slack Web API through SLACK_API_URL."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack import SlackAdapter
from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from incidents.model import OnCall
from incidents.severity import Severity
from tests.adapters.slack import requests as r
from tests.adapters.slack.standin import BOT_TOKEN, Channel, SlackStandIn

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday
MARIA, SAM, LI = "U0MARIA", "U0SAM", "U0LI"


def maintainers(severity: Severity) -> OnCall:
    """On call: sam primary, li backup."""
    return OnCall(
        rotation="maintainers",
        primary=f"slack:{SAM}",
        backup=f"slack:{LI}",
        everyone=(f"slack:{SAM}", f"slack:{LI}", "slack:U0ANA"),
    )


@dataclass
class Reply:
    """What our server answered: HTTP status and body (JSON when it is JSON)."""

    status: int
    body: Any

    @property
    def text(self) -> str:
        """The acknowledgement's text ('' for an empty ack)."""
        return str(self.body.get("text", "")) if isinstance(self.body, dict) else ""


@dataclass
class Slack:
    """Drives the app as Slack would and inspects what it did on the stand-in."""

    app: App
    adapter: SlackAdapter
    standin: SlackStandIn
    client: TestClient  # type: ignore[type-arg]
    clock: FakeClock

    async def send(self, body: bytes, content_type: str, **signing: Any) -> Reply:
        """POST a signed body to /slack/events."""
        extra = signing.pop("headers", {})
        headers = {"Content-Type": content_type, **r.signature_headers(body, **signing), **extra}
        response = await self.client.post("/slack/events", data=body, headers=headers)
        raw = await response.read()
        try:
            body_json: Any = json.loads(raw) if raw else None
        except ValueError:
            body_json = raw.decode()
        return Reply(response.status, body_json)

    async def command(
        self,
        text: str,
        *,
        user: str = MARIA,
        channel: str = "CGENERAL",
        command: str = "/incident",
        **signing: Any,
    ) -> Reply:
        """A signed slash command."""
        body = r.slash_command(
            command,
            text,
            user=user,
            channel=channel,
            response_url=self.standin.response_url(user),
        )
        return await self.send(body, r.FORM, **signing)

    async def run(self, text: str, **kwargs: Any) -> Reply:
        """A slash command, then everything it causes is handled and delivered."""
        reply = await self.command(text, **kwargs)
        await self.settle()
        return reply

    async def click(self, action_id: str, number: int, *, user: str = SAM) -> Reply:
        """Click a button on the incident's summary."""
        channel = self.channel(number).id
        payload = r.block_action(
            action_id,
            str(number),
            user=user,
            channel=channel,
            response_url=self.standin.response_url(user),
        )
        return await self.send(r.interactivity(payload), r.FORM)

    async def submit(self, values: dict[str, Any], *, user: str = SAM) -> Reply:
        """Submit the most recently opened modal."""
        view = self.standin.views[-1]["view"]
        payload = r.view_submission(view, values, user=user)
        return await self.send(r.interactivity(payload), r.FORM)

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> Reply:
        """An Events API callback (with X-Slack-Retry-Num when `retry` is set)."""
        body = json.dumps(r.event_callback(event, event_id=event_id)).encode()
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.send(body, "application/json", headers=headers if retry else {})

    async def settle(self) -> None:
        """Finish acknowledged work and deliver the outbox until nothing is left to do now."""
        for _ in range(50):
            await self.adapter.settle()
            delivered = await self.app.dispatcher.deliver_due()
            await self.adapter.settle()
            if not delivered:
                return

    def channel(self, number: int) -> Channel:
        """The incident's channel on the stand-in."""
        found = [
            c
            for c in self.standin.channels.values()
            if c.name == f"inc-{number}" or c.name.startswith(f"inc-{number}-")
        ]
        assert found, f"no channel for incident #{number}: {list(self.standin.channels)}"
        return found[0]

    def responses_to(self, user: str) -> list[str]:
        """Texts posted to the response_url of `user`'s interactions."""
        return [str(x.get("text", "")) for x in self.standin.responses if x["key"] == user]


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    """The stand-in Slack Web API, listening on 127.0.0.1."""
    server = SlackStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def slack_settings(tmp_path: Path, standin: SlackStandIn, **extra: Any) -> Settings:
    """Settings for Slack over HTTP against the stand-in."""
    return Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(r.SECRET),
        slack_api_url=standin.api_url,
        **({"slack_announce_channel": "#incidents"} | extra),
    )


@contextlib.asynccontextmanager
async def running_slack(
    tmp_path: Path,
    standin: SlackStandIn,
    settings: Settings | None = None,
    clock: FakeClock | None = None,
    **overrides: Any,
) -> AsyncIterator[Slack]:
    """The whole app built by the composition root with Slack over HTTP against the stand-in,
    a fake clock, and `overrides` for `build_app` (by default: paging `maintainers`)."""
    clock = clock or FakeClock(T0)
    options: dict[str, Any] = {
        "oncall": maintainers,
        "oncall_channels": {("maintainers", "slack"): "CONCALL"},
    }
    app = await build_app(
        settings or slack_settings(tmp_path, standin), clock=clock, **(options | overrides)
    )
    adapter = app.chats["slack"]
    assert isinstance(adapter, SlackAdapter)
    client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield Slack(app=app, adapter=adapter, standin=standin, client=client, clock=clock)
    finally:
        await client.close()
        await adapter.close()
        await app.close()


@pytest.fixture
async def slack(tmp_path: Path, standin: SlackStandIn) -> AsyncIterator[Slack]:
    """The whole app with Slack over HTTP, the stand-in behind it, and a fake clock."""
    async with running_slack(tmp_path, standin) as running:
        yield running
