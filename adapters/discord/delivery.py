"""Outbox items → Discord messages: incident channels, announcements, DMs, on-call channels.

Idempotent per outbox item: each send carries `nonce = sevbot-<item id>` with `enforce_nonce`,
so Discord returns the message already created for a retried item instead of posting it again
(within its window of a few minutes), and items delivered by this process are remembered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from adapters.discord.channels import IncidentChannels
from adapters.discord.errors import delivery_error
from adapters.discord.parse import discord_user_id
from adapters.discord.private import ACCESS_KINDS, PrivateAccess, private_overwrites
from adapters.discord.render import channel_topic, render_message
from bot.chat import CommandBus, Routes
from incidents.directory import NOBODY, PeopleDirectory
from incidents.messages import Audience, Message, MessageKind
from incidents.naming import channel_name
from incidents.ports import DeliveryError, OutboxItem

log = logging.getLogger(__name__)
ClientReady = Callable[[], Awaitable[discord.Client]]
CHANNEL_NAME_LIMIT = 100
EDIT_TIMEOUT = 5.0
REMEMBERED = 10_000  # delivered item ids kept in memory (older retries rely on the nonce)
#: Message kinds after which severity, phase or incident commander may differ (the topic).
TOPIC_KINDS = frozenset(
    {
        MessageKind.SEVERITY_CHANGED,
        MessageKind.PHASE_CHANGED,
        MessageKind.ROLE_ASSIGNED,
        MessageKind.RESOLVED,
        MessageKind.CLOSED,
    }
)
_FAILURES = (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError)


def nonce(item_id: int) -> str:
    """The message nonce of an outbox item (Discord allows 25 characters)."""
    return f"sevbot-{item_id}"


class DiscordDelivery:
    """The ChatPort half of the adapter."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        routes: Routes,
        channels: IncidentChannels,
        client_ready: ClientReady,
        guild_id: int | None,
        category: str | None,
        dashboard_url: str | None = None,
        people: PeopleDirectory = NOBODY,
    ) -> None:
        self._commands = commands
        self._routes = routes
        self._channels = channels
        self._client_ready = client_ready
        self._guild_id = guild_id
        self._category_setting = (category or "").strip()
        self._category_id: int | None = None
        self._sent: dict[int, int] = {}  # outbox item id → message id
        self._topics: dict[int, str] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._private = PrivateAccess(people)
        self._dashboard_url = dashboard_url  # where a message cut to fit says the rest is

    async def deliver(self, item: OutboxItem) -> None:
        """Post the item once; raise DeliveryError on failure."""
        message = item.message
        if message.audience is Audience.REPLY or item.id in self._sent:
            return
        client = await self._client_ready()
        try:
            target = await self._target(client, message)
            if target is None:
                return
            post = render_message(message, dashboard_url=self._dashboard_url)
            sent = await target.send(**post.send_kwargs(), nonce=nonce(item.id))
        except _FAILURES as error:
            raise delivery_error(error, f"posting {message.kind}") from error
        self._sent[item.id] = sent.id
        if len(self._sent) > REMEMBERED:
            del self._sent[next(iter(self._sent))]
        if message.pin:
            await self._pin(sent)
        if message.audience is Audience.INCIDENT and isinstance(target, discord.TextChannel):
            await self._refresh_topic(target, message)

    async def _target(self, client: discord.Client, message: Message) -> Any:
        """Where the message goes; None when that place is not configured (logged)."""
        if message.audience is Audience.INCIDENT and message.incident is not None:
            channel = await self._incident_channel(client, message.incident)
            number = message.incident
            if message.kind in ACCESS_KINDS and self._private.may_be_private(number):
                incident = await self._commands.load(number)
                if incident is not None:
                    await self._private.let_in(client, channel, incident)
            return channel
        if message.audience is Audience.DIRECT:
            recipient = message.recipient
            user_id = None if recipient is None else discord_user_id(recipient)
            if user_id is None:
                raise DeliveryError(
                    f"{message.recipient!r} is not a Discord user; cannot DM", permanent=True
                )
            return await client.create_dm(discord.Object(id=user_id))
        channel_id = self._routes.channel_for(message, "discord")
        if channel_id is None or not channel_id.isdigit():
            log.info(
                "discord: no %s channel configured; %s for #%s not posted",
                message.audience.value,
                message.kind,
                message.incident,
            )
            return None
        return client.get_partial_messageable(int(channel_id))

    async def _incident_channel(self, client: discord.Client, number: int) -> Any:
        """The incident's text channel, created (and bound) on first use."""
        lock = self._locks.setdefault(number, asyncio.Lock())
        async with lock:
            bound = await self._channels.channel_of(number)
            if bound is not None:
                return client.get_channel(bound) or await client.fetch_channel(bound)
            incident = await self._commands.load(number)
            if incident is None:
                raise DeliveryError(f"there is no incident #{number}", permanent=True)
            guild = await self._guild(client, number)
            category = await self._category(guild)
            name = channel_name(number, incident.title, max_length=CHANNEL_NAME_LIMIT)
            siblings = category.text_channels if category is not None else guild.text_channels
            channel = discord.utils.get(siblings, name=name)  # left by a crash before binding
            if channel is None:
                private: dict[str, Any] = {}
                if incident.private:  # hidden from @everyone, shown to the people inside
                    bot = client.user
                    if bot is None:
                        raise DeliveryError("not logged in to Discord yet", retry_after=5)
                    private["overwrites"] = private_overwrites(
                        guild, bot.id, incident, self._private.people
                    )
                channel = await guild.create_text_channel(
                    name,
                    category=category,
                    topic=channel_topic(incident, self._private.people),
                    reason=f"sevbot: incident #{number}",
                    **private,
                )
            self._private.created(channel)
            self._topics[channel.id] = channel.topic or ""
            await self._channels.bind(number, channel.id)
            return channel

    async def _guild(self, client: discord.Client, number: int) -> discord.Guild:
        """The server for incident channels: DISCORD_GUILD_ID, where it was opened, or the only one."""
        candidates = [self._guild_id, self._channels.origin_guild.get(number)]
        announce = self._routes.announce_channel("discord")
        if announce is not None and announce.isdigit():
            channel = client.get_channel(int(announce))
            candidates.append(getattr(getattr(channel, "guild", None), "id", None))
        for guild_id in candidates:
            guild = client.get_guild(guild_id) if guild_id is not None else None
            if guild is not None:
                return guild
        if client.guilds:
            return client.guilds[0]
        raise DeliveryError("the bot is not in any Discord server yet", retry_after=30)

    async def _category(self, guild: discord.Guild) -> discord.CategoryChannel | None:
        """The incident category (SEVBOT_DISCORD_INCIDENT_CATEGORY: id or name), created if missing."""
        setting = self._category_setting
        if not setting:
            return None
        if self._category_id is not None:
            cached = guild.get_channel(self._category_id)
            if isinstance(cached, discord.CategoryChannel):
                return cached
        if setting.isdigit():
            found = guild.get_channel(int(setting))
            if isinstance(found, discord.CategoryChannel):
                self._category_id = found.id
                return found
            log.warning("discord: category %s is not in %s; channels go top-level", setting, guild)
            return None
        for category in guild.categories:
            if category.name.lower() == setting.lower():
                self._category_id = category.id
                return category
        created = await guild.create_category(setting, reason="sevbot: incident channels")
        self._category_id = created.id
        return created

    async def _pin(self, sent: discord.Message) -> None:
        """Pin the summary; best effort (a channel may be at its pin limit)."""
        try:
            async with asyncio.timeout(EDIT_TIMEOUT):
                await sent.pin(reason="sevbot: incident summary")
        except (*_FAILURES, TimeoutError) as error:
            log.warning("discord: could not pin message %s: %s", sent.id, error)

    async def _refresh_topic(self, channel: discord.TextChannel, message: Message) -> None:
        """Keep the topic at severity / phase / IC; best effort, Discord limits topic edits."""
        if message.incident is None or message.kind not in TOPIC_KINDS:
            return
        incident = await self._commands.load(message.incident)
        if incident is None:
            return
        topic = channel_topic(incident, self._private.people)
        if self._topics.get(channel.id, channel.topic or "") == topic:
            return
        try:
            async with asyncio.timeout(EDIT_TIMEOUT):
                await channel.edit(topic=topic, reason="sevbot: incident changed")
        except (*_FAILURES, TimeoutError) as error:
            log.warning("discord: could not update the topic of %s: %s", channel.id, error)
            return
        self._topics[channel.id] = topic
