"""The discord.py client: commands, persistent components and channel capture, set up in
`setup_hook` (after login, before the gateway connects) so nothing arrives unanswered."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import aiohttp
import discord

from adapters.discord.capture import Capture
from adapters.discord.commands import build_tree
from adapters.discord.components import IncidentButton, SeverityPicker
from adapters.discord.early import EarlyDeferral
from adapters.discord.endpoints import use_gateway
from adapters.discord.interactions import InteractionHandler
from adapters.discord.sync import sync_commands

log = logging.getLogger(__name__)
#: The longest 429 discord.py sleeps through inside a call; a longer one comes back to the
#: outbox as `RateLimited` (retry_after) so that the item waits in the store. It must stay
#: below the outbox's delivery timeout (10 s): a sleep cut off by that timeout is counted as a
#: failure and retried on backoff, into the same rate limit.
MAX_RATELIMIT_WAIT = 5.0


def intents(*, message_content: bool = True) -> discord.Intents:
    """Servers and their channels, messages (who spoke), reactions (📌), and message content
    (the text of pinned messages; privileged, see the README)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.guild_reactions = True
    wanted.message_content = message_content
    return wanted


class SevbotClient(discord.Client):
    """A discord.py Client wired to the command bus."""

    def __init__(
        self,
        *,
        handler: InteractionHandler,
        capture: Capture,
        guild_id: int | None,
        gateway_url: str | None,
        connected: asyncio.Event,
        message_content: bool = True,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # sevbot never joins voice: the warnings about missing voice libraries are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(message_content=message_content),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
            # Pings nobody unless a send names whom (each does, with `allowed_mentions`): a
            # send that forgot would otherwise ping whatever its text mentions.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        # discord.py refuses a max_ratelimit_timeout under 30 s so that callers cannot hammer
        # Discord; the outbox honours retry_after, so set the shorter one on the HTTP client.
        self.http.max_ratelimit_timeout = MAX_RATELIMIT_WAIT
        self.sevbot_handler = handler
        self._capture = capture
        self._guild_id = guild_id
        self._gateway_url = gateway_url
        self.tree = build_tree(self, handler)
        self.synced: bool | None = None  # did start-up upload the commands?
        self.connected = connected  # set on READY or RESUMED, cleared on a disconnect
        self._early: EarlyDeferral | None = None

    async def setup_hook(self) -> None:
        """Before the gateway connects: buttons, the gateway URL, the commands."""
        self.add_dynamic_items(IncidentButton, SeverityPicker)
        handler = self.sevbot_handler
        if handler.defers_early:
            self._early = EarlyDeferral(
                self,
                handler.wants_early_deferral,
                record=handler.record_raw,
                abandon=handler.abandon,
            )
            self._early.install()
            handler.early = self._early
        await use_gateway(self, self._gateway_url)
        try:
            self.synced = await sync_commands(self, self.tree, self._guild_id)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            # Missing the applications.commands scope must not keep the bot offline.
            log.error("discord: could not sync application commands: %s", error)

    async def close(self) -> None:
        """Close the deferrals (first: they hand interactions to this client), the gateway and
        the REST connections."""
        try:
            if self._early is not None:
                await self._early.close()
        finally:
            await super().close()

    async def on_ready(self) -> None:
        """Connected and the servers are known."""
        log.info("discord: connected as %s to %d server(s)", self.user, len(self.guilds))
        self.connected.set()

    async def on_resumed(self) -> None:
        """The gateway session resumed after a disconnect."""
        log.info("discord: gateway session resumed")
        self.connected.set()

    async def on_disconnect(self) -> None:
        """The gateway connection dropped; discord.py reconnects (and resumes)."""
        self.connected.clear()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Modal submissions are answered by custom id, whoever opened the form."""
        if interaction.type is discord.InteractionType.modal_submit:
            await self.sevbot_handler.on_modal(interaction)

    async def on_message(self, message: discord.Message) -> None:
        """Who spoke in an incident channel."""
        await self._capture.on_message(message)

    async def on_guild_channel_pins_update(
        self, channel: discord.abc.GuildChannel | discord.Thread, last_pin: datetime | None
    ) -> None:
        """Pinned messages in an incident channel go on the timeline."""
        await self._capture.on_pins_update(channel)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        """📌 on a message in an incident channel puts it on the timeline."""
        await self._capture.on_reaction(self, event)
