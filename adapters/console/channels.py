"""Incident channels of the local chats (console, simulation): named as the Slack adapter
names them, bound in the store on first use, remembered per process."""

from __future__ import annotations

from bot.chat import ChannelBindings, CommandBus
from incidents.naming import channel_name


class LocalChannels:
    """Incident number → channel name on `platform`, created (named and bound) on first use."""

    def __init__(self, platform: str, *, bindings: ChannelBindings, commands: CommandBus) -> None:
        self.platform = platform
        self._bindings = bindings
        self._commands = commands
        self.names: dict[int, str] = {}

    async def of(self, number: int) -> str | None:
        """The incident's channel; None when there is no such incident (nothing is bound)."""
        if number not in self.names:
            name = await self._bindings.channel_of(number, self.platform)
            if name is None:
                incident = await self._commands.load(number)
                if incident is None:
                    return None
                name = channel_name(number, incident.title)
                await self._bindings.bind_channel(number, self.platform, name)
            self.names[number] = name
        return self.names[number]
