"""Which Discord channel belongs to which incident: the store's bindings, cached in memory."""

from __future__ import annotations

from bot.chat import ChannelBindings

PLATFORM = "discord"


class IncidentChannels:
    """Incident ↔ channel id, read through from the store and remembered.

    Incident channels are only ever created by this adapter, so a channel found not to belong
    to an incident stays that way (the negative answer is cached too).
    """

    def __init__(self, bindings: ChannelBindings) -> None:
        self._bindings = bindings
        self._channel_of: dict[int, int] = {}
        self._incident_of: dict[int, int | None] = {}
        self.origin_guild: dict[int, int] = {}  # incident → server it was opened in

    async def channel_of(self, number: int) -> int | None:
        """The incident's channel id, if it has one."""
        if number not in self._channel_of:
            bound = await self._bindings.channel_of(number, PLATFORM)
            if bound is None or not bound.isdigit():
                return None
            self._remember(number, int(bound))
        return self._channel_of[number]

    async def incident_of(self, channel_id: int) -> int | None:
        """The incident whose channel this is, if any."""
        if channel_id not in self._incident_of:
            number = await self._bindings.incident_in_channel(PLATFORM, str(channel_id))
            self._incident_of[channel_id] = number
        return self._incident_of[channel_id]

    async def bind(self, number: int, channel_id: int) -> None:
        """Record the channel created for an incident."""
        await self._bindings.bind_channel(number, PLATFORM, str(channel_id))
        self._remember(number, channel_id)

    def _remember(self, number: int, channel_id: int) -> None:
        self._channel_of[number] = channel_id
        self._incident_of[channel_id] = number
