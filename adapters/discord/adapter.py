"""The Discord chat adapter: `deliver` for the outbox, `run` for the gateway connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import discord
from aiohttp import web

from adapters.discord.capture import Capture
from adapters.discord.channels import IncidentChannels
from adapters.discord.client import SevbotClient
from adapters.discord.delivery import DiscordDelivery
from adapters.discord.endpoints import use_rest_base
from adapters.discord.interactions import DEFER_AFTER, InteractionHandler
from bot.chat import ChatPorts
from bot.config import Settings
from incidents.ports import DeliveryError, OutboxItem

log = logging.getLogger(__name__)
READY_TIMEOUT = 5.0
CLOSE_TIMEOUT = 5.0
MAX_BACKOFF = 60.0


class DiscordAdapter:
    """Discord over the gateway with discord.py; one client at a time, rebuilt on failure."""

    platform = "discord"

    def __init__(
        self,
        *,
        ports: ChatPorts,
        token: str,
        guild_id: int | None = None,
        api_url: str | None = None,
        gateway_url: str | None = None,
        category: str | None = None,
        defer_after: float = DEFER_AFTER,
        guild_ready_timeout: float = 2.0,
        ready_timeout: float = READY_TIMEOUT,
        dashboard_url: str | None = None,
    ) -> None:
        self._token = token
        self._guild_id = guild_id
        self._api_url = api_url
        self._gateway_url = gateway_url
        self._guild_ready_timeout = guild_ready_timeout
        self._ready_timeout = ready_timeout
        self.connected = asyncio.Event()
        self.replay_finished = asyncio.Event()  # set once `run` has taken back the inbox
        self.channels = IncidentChannels(ports.channels)
        self.handler = InteractionHandler(
            commands=ports.commands,
            oncall=ports.oncall,
            channels=self.channels,
            defer_after=defer_after,
            inbox=ports.inbox,
            names=ports.names,
            dashboard_url=dashboard_url,
        )
        self.capture = Capture(
            commands=ports.commands,
            channels=self.channels,
            names=ports.names,
            relay=ports.relay_messages,
        )
        self.delivery = DiscordDelivery(
            commands=ports.commands,
            routes=ports.routes,
            channels=self.channels,
            client_ready=self._client_ready,
            guild_id=guild_id,
            category=category,
            dashboard_url=dashboard_url,
            people=ports.people,
        )
        self.client: SevbotClient | None = None
        self.message_content = True

    async def deliver(self, item: OutboxItem) -> None:
        """Post one outbox item; idempotent per item id."""
        await self.delivery.deliver(item)

    def mount(self, web_app: web.Application) -> None:
        """Discord needs no HTTP routes: everything arrives over the gateway."""

    async def run(self) -> None:
        """Run again, beside connecting, what an earlier process deferred and did not answer;
        log in and keep the gateway connection until cancelled; close the client then."""
        use_rest_base(self._api_url)
        replay = asyncio.get_running_loop().create_task(
            self.handler.replay(), name="discord-replay"
        )
        replay.add_done_callback(lambda _: self.replay_finished.set())
        try:
            await self._keep_connected()
        finally:
            replay.cancel()  # what it had not finished stays in the inbox for the next start
            await asyncio.gather(replay, return_exceptions=True)

    async def _keep_connected(self) -> None:
        backoff = 1.0
        while True:
            client = self._new_client()
            self.client = client
            try:
                await client.start(self._token)
                return
            except discord.PrivilegedIntentsRequired:
                if not self.message_content:
                    raise
                log.warning(
                    "discord: the Message Content intent is not enabled for this bot; pinned "
                    "messages are recorded without their text. Enable it in the Developer Portal."
                )
                self.message_content = False
            except discord.LoginFailure:
                log.error("discord: DISCORD_BOT_TOKEN was refused; check the bot token")
                raise
            except (aiohttp.ClientError, OSError, discord.HTTPException) as error:
                log.warning(
                    "discord: cannot reach Discord (%s); retrying in %.0f s", error, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            finally:
                await self._close(client)

    def _new_client(self) -> SevbotClient:
        client = SevbotClient(
            handler=self.handler,
            capture=self.capture,
            guild_id=self._guild_id,
            gateway_url=self._gateway_url,
            connected=self.connected,
            message_content=self.message_content,
            guild_ready_timeout=self._guild_ready_timeout,
        )
        return client

    async def _close(self, client: SevbotClient) -> None:
        self.connected.clear()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await client.close()

    async def _client_ready(self) -> discord.Client:
        """The connected client; a DeliveryError to retry later if it is not connected soon."""
        try:
            async with asyncio.timeout(self._ready_timeout):
                await self.connected.wait()
        except TimeoutError:
            raise DeliveryError("not connected to Discord yet", retry_after=5) from None
        assert self.client is not None
        early = self.handler.early
        if early is not None:
            await early.quiet()  # acknowledging interactions comes first
        return self.client


def build_adapter(settings: Settings, ports: ChatPorts, **options: Any) -> DiscordAdapter:
    """The Discord adapter for these settings (DISCORD_BOT_TOKEN and friends)."""
    if settings.discord_bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    return DiscordAdapter(
        ports=ports,
        token=settings.discord_bot_token.get_secret_value(),
        guild_id=settings.discord_guild_id,
        api_url=settings.discord_api_url,
        gateway_url=settings.discord_gateway_url,
        category=settings.discord_incident_category,
        dashboard_url=dashboard_url(settings),
        **options,
    )


def dashboard_url(settings: Settings) -> str | None:
    """The dashboard's address for links in messages: on (SEVBOT_WEB_TOKEN) and reachable
    (SEVBOT_PUBLIC_URL), else None."""
    if settings.web_token is None or not settings.public_url:
        return None
    return settings.public_url.rstrip("/")
