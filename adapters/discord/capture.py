"""What people do in an incident channel, recorded for the review: pins, 📌 and who spoke."""

from __future__ import annotations

import logging

import discord

from adapters.discord.channels import IncidentChannels
from adapters.discord.parse import PLATFORM, user_identity
from bot.chat import CommandBus, PeopleNames
from incidents import commands as c
from incidents.people import Person

log = logging.getLogger(__name__)
PIN_EMOJI = "📌"


class Capture:
    """Turns channel activity into RecordPinnedMessage / RecordParticipant commands."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        channels: IncidentChannels,
        names: PeopleNames | None = None,
        relay: bool = False,
    ) -> None:
        self._service = commands
        self._channels = channels
        self._names = names
        self._relay = relay  # `[mirror] relay_messages`: every message goes to the bus
        self._speakers: set[tuple[int, int]] = set()  # (channel, user) already recorded

    async def on_message(self, message: discord.Message) -> None:
        """Someone spoke in an incident channel: they count as a participant (once); with
        relaying on, what they wrote goes to the incident's other platforms. Bots and
        webhooks are never relayed: the bot's own posts, relays included, do not loop."""
        if message.author.bot or message.guild is None or message.webhook_id is not None:
            return
        if self._relay:
            await self._relay_message(message)
        key = (message.channel.id, message.author.id)
        if key in self._speakers:
            return
        self._speakers.add(key)
        number = await self._channels.incident_of(message.channel.id)
        if number is None:
            return
        who = user_identity(message.author.id)
        await self._service.handle(
            c.RecordParticipant(user=who), actor=who, platform=PLATFORM, number=number
        )
        if self._names is not None:  # a member in a server: nickname, else global name
            await self._names.heard(who, message.author.display_name)

    async def _relay_message(self, message: discord.Message) -> None:
        number = await self._channels.incident_of(message.channel.id)
        if number is None:
            return
        who = user_identity(message.author.id)
        # `clean_content`: `<@123>` as `@name`, `@everyone` broken by a zero-width space; the
        # other side escapes it again as text a person typed.
        relayed = c.RelayMessage(
            author=who,
            text=message.clean_content,
            name=message.author.display_name,
            links=tuple(attachment.url for attachment in message.attachments),
        )
        await self._service.handle(
            relayed,
            actor=who,
            platform=PLATFORM,
            number=number,
            request_key=f"discord:relay:{message.id}",  # a replayed event is relayed once
        )

    async def on_pins_update(self, channel: discord.abc.GuildChannel | discord.Thread) -> None:
        """Pins changed in a channel: record each pinned message of people (once each)."""
        number = await self._channels.incident_of(channel.id)
        if number is None or not isinstance(channel, discord.TextChannel):
            return
        try:
            pinned = [message async for message in channel.pins(limit=50, oldest_first=True)]
        except discord.HTTPException as error:
            log.warning("discord: could not read the pins of %s: %s", channel.id, error)
            return
        for message in pinned:
            if not message.author.bot:
                await self._record(number, message, actor=user_identity(message.author.id))

    async def on_reaction(
        self, client: discord.Client, event: discord.RawReactionActionEvent
    ) -> None:
        """A 📌 reaction on a message in an incident channel records that message."""
        if str(event.emoji) != PIN_EMOJI or event.guild_id is None:
            return
        number = await self._channels.incident_of(event.channel_id)
        if number is None:
            return
        channel = client.get_partial_messageable(event.channel_id, guild_id=event.guild_id)
        try:
            message = await channel.fetch_message(event.message_id)
        except discord.HTTPException as error:
            log.warning("discord: could not read message %s: %s", event.message_id, error)
            return
        if not message.author.bot:
            await self._record(number, message, actor=user_identity(event.user_id))

    async def _record(self, number: int, message: discord.Message, *, actor: Person) -> None:
        text = message.content or ", ".join(a.filename for a in message.attachments) or "(no text)"
        await self._service.handle(
            c.RecordPinnedMessage(
                author=user_identity(message.author.id), text=text, link=message.jump_url
            ),
            actor=actor,
            platform=PLATFORM,
            number=number,
            request_key=f"discord:pin:{message.id}",  # pinned and 📌'd: recorded once
        )
