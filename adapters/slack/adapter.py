"""The Slack chat adapter: delivery, the request URL (HTTP) or Socket Mode, one Web API client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.capture import Capture
from adapters.slack.channels import IncidentChannels
from adapters.slack.client import make_client
from adapters.slack.delivery import SlackDelivery
from adapters.slack.groups import SlackGroups
from adapters.slack.http import PATH, SlackEvents
from adapters.slack.interactions import SlackInbound
from adapters.slack.listeners import build_bolt_app
from adapters.slack.overflow import Overflow
from bot.chat import ChatPorts
from bot.config import Settings
from bot.preflight import slack_problem
from incidents.ports import OutboxItem

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

log = logging.getLogger(__name__)
DRAIN_SECONDS = 3.0


class SlackAdapter:
    """Slack for sevbot: a ChatPort for the outbox plus the inbound side (HTTP or Socket Mode)."""

    platform = "slack"

    def __init__(
        self,
        *,
        ports: ChatPorts,
        client: AsyncWebClient,
        signing_secret: str | None,
        app_token: str | None = None,
        session: aiohttp.ClientSession | None = None,
        groups: Iterable[str] = (),
        dashboard_url: str | None = None,
    ) -> None:
        self._client = client
        self._app_token = app_token
        self._session = session
        self.channels = IncidentChannels(
            client=client, commands=ports.commands, bindings=ports.channels, people=ports.people
        )
        overflow = Overflow(client=client, dashboard_url=dashboard_url)
        self._delivery = SlackDelivery(
            client=client, channels=self.channels, routes=ports.routes, overflow=overflow
        )
        self.inbound = SlackInbound(
            commands=ports.commands,
            oncall=ports.oncall,
            client=client,
            channels=self.channels,
            session=session,
            groups=SlackGroups(client, groups),
            inbox=ports.inbox,
            overflow=overflow,
            names=ports.names,
        )
        self.capture = Capture(
            commands=ports.commands,
            client=client,
            channels=self.channels,
            spawn=self.inbound.spawn,
            learn_name=self.inbound.learn_name,
            relay=ports.relay_messages,
        )
        self.bolt: AsyncApp = build_bolt_app(
            client=client, signing_secret=signing_secret, inbound=self.inbound, capture=self.capture
        )
        self._events = (
            SlackEvents(signing_secret=signing_secret, inbound=self.inbound, bolt=self.bolt)
            if signing_secret and not app_token
            else None
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._replay: asyncio.Task[int] | None = None  # taking back the inbox, at start

    async def deliver(self, item: OutboxItem) -> None:
        """Post one outbox item (idempotent per item id)."""
        await self._delivery.deliver(item)

    def mount(self, web_app: web.Application) -> None:
        """Serve `POST /slack/events` unless Socket Mode replaces HTTP."""
        if self._events is not None:
            web_app.router.add_post(PATH, self._events.handle)

    async def run(self) -> None:
        """Run again what an earlier process acknowledged and did not finish; then hold the
        Socket Mode connection (or just wait, over HTTP) until cancelled."""
        try:
            self._replay = asyncio.get_running_loop().create_task(self.inbound.replay())
            await self._replay
            if self._app_token is not None:
                # Socket Mode's client, only when it is configured (over HTTP it is not used).
                from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

                from adapters.slack.socket import SocketEnvelopes

                self._socket = AsyncSocketModeHandler(
                    self.bolt, self._app_token, web_client=self._client
                )
                # Slash commands skip bolt's middleware chain, as over HTTP (socket.py).
                envelopes = SocketEnvelopes(inbound=self.inbound, bolt=self._socket.handle)
                self._socket.client.socket_mode_request_listeners[:] = [envelopes.handle]
                await self._socket.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it untyped
                log.info("slack: connected in Socket Mode")
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def settle(self) -> None:
        """Wait for the work started by requests already acknowledged (and, once `run` has
        started, by those an earlier process acknowledged)."""
        if self._replay is not None:
            await asyncio.wait({self._replay})
        await self.inbound.settle()

    async def close(self) -> None:
        """Finish (briefly) what was acknowledged, then drop the connections."""
        await self.inbound.close(DRAIN_SECONDS)
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()  # type: ignore[no-untyped-call]  # bolt leaves it untyped
            self._socket = None
        if self._session is not None and not self._session.closed:
            await self._session.close()


def build_adapter(settings: Settings, ports: ChatPorts, **options: Any) -> SlackAdapter:
    """The Slack adapter for these settings (SLACK_BOT_TOKEN is set when this is called)."""
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    secret = settings.slack_signing_secret
    app_token = settings.slack_app_token
    problem = slack_problem(settings)  # `sevbot run` says it before it opens anything
    if problem is not None:
        raise ValueError(problem)
    session: aiohttp.ClientSession | None = None
    with contextlib.suppress(RuntimeError):  # no running loop: one session per call instead
        asyncio.get_running_loop()
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    client = make_client(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        session=session,
    )
    access = settings.access
    options.setdefault("groups", [*access.admins, *(access.declare or ())])
    if settings.public_url and settings.web_token is not None:  # the dashboard is on, and linked
        options.setdefault("dashboard_url", settings.public_url)
    return SlackAdapter(
        ports=ports,
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        app_token=app_token.get_secret_value() if app_token else None,
        session=session,
        **options,
    )
