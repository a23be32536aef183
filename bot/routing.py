"""Routing: the one place that decides where each outgoing message goes.

For every message the bot posts, `Router.destinations` picks the platform(s) whose outbox gets
it, and `Router.channel_for` the configured channel a role-addressed message lands in there.
Incidents and on-call both use it; an incident's `home` is the list of platforms it lives on
(today the platform it was opened on; a mirrored incident lives on several).

| audience | platforms | channel |
|---|---|---|
| incident, announce, reply | every home platform | the incident's channel (created by the adapter), the platform's announce channel |
| on-call | the home platforms with the rotation's on-call channel, else the first home platform | the rotation's channel there, else the announce channel |
| direct | the recipient's own platform; a person known by email: Slack (it looks the address up) when Slack runs, else the first home platform; a tool: the first home platform | the recipient |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from incidents.messages import Audience, Message
from incidents.people import EMAIL, TOOL, Person
from incidents.ports import Clock, UnitOfWork

EMAIL_RESOLVER = "slack"  # the platform that resolves an email address to a person


@dataclass(frozen=True, slots=True, kw_only=True)
class Directory:
    """Configured channels: on-call channels per (rotation, platform), announce channels."""

    oncall_channels: dict[tuple[str, str], str] = field(default_factory=dict)
    announce_channels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Router:
    """Decides platform(s) and channel for every outgoing message."""

    platforms: tuple[str, ...]  # the running chat platforms; the first is the default
    directory: Directory = field(default_factory=Directory)

    @property
    def default_platform(self) -> str:
        """Where things opened outside chat (API, CLI) live: the first running platform."""
        return self.platforms[0] if self.platforms else "console"

    def destinations(self, message: Message, home: Sequence[str]) -> list[str]:
        """The platforms whose outbox gets `message`, for something living on `home`."""
        home = list(home) or [self.default_platform]
        if message.audience is Audience.DIRECT and message.recipient:
            return [self._direct_platform(Person(message.recipient), home)]
        if message.audience is Audience.ONCALL:
            with_channel = [p for p in home if self._oncall_channel(message, p) is not None]
            return with_channel or home[:1]
        return home

    def _direct_platform(self, person: Person, home: list[str]) -> str:
        if person.platform == EMAIL:
            return EMAIL_RESOLVER if EMAIL_RESOLVER in self.platforms else home[0]
        if person.platform == TOOL:
            return home[0]
        return person.platform

    def channel_for(self, message: Message, platform: str) -> str | None:
        """The configured channel of an on-call or announce message on `platform`; an on-call
        message where its rotation has no channel on that platform goes to the announce one."""
        if message.audience is Audience.ANNOUNCE:
            return self.directory.announce_channels.get(platform)
        if message.audience is Audience.ONCALL:
            return self._oncall_channel(message, platform) or self.directory.announce_channels.get(
                platform
            )
        return None

    def announce_channel(self, platform: str) -> str | None:
        """Where incidents are announced on `platform`, if configured."""
        return self.directory.announce_channels.get(platform)

    def _oncall_channel(self, message: Message, platform: str) -> str | None:
        if message.rotation is None:
            return None
        return self.directory.oncall_channels.get((message.rotation, platform))


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxWriter:
    """Puts messages in the outbox of each platform the router picks, inside a transaction."""

    router: Router
    clock: Clock

    async def enqueue(self, uow: UnitOfWork, messages: Sequence[Message], home: str) -> None:
        """Enqueue `messages` for something living on `home` (an incident's origin platform)."""
        await self.enqueue_on(uow, messages, [home])

    async def enqueue_on(
        self, uow: UnitOfWork, messages: Sequence[Message], home: Sequence[str]
    ) -> None:
        """Enqueue `messages` for something living on several platforms."""
        now = self.clock.now()
        for message in messages:
            for platform in self.router.destinations(message, home):
                await uow.enqueue([message], platform=platform, now=now)
