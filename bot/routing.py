"""Routing: the one place that decides where each outgoing message goes.

For every message the bot posts, `Router.deliveries` picks the platform(s) whose outbox gets
it (and the message as that platform reads it), and `Router.channel_for` the configured channel
a role-addressed message lands in there. Incidents, on-call, alerts and mirroring all use it.
An incident's `home` is the list of platforms it lives on: the platform it was opened on, or,
with `[mirror]`, every mirrored platform (`Router.home_for` decides, when it opens).

| audience | platforms | channel |
|---|---|---|
| incident, announce, reply | every home platform | the incident's channel there (created by the adapter), the platform's announce channel |
| on-call | the home platforms with the rotation's on-call channel, else the first home platform | the rotation's channel there, else the announce channel |
| direct | a `[[person]]`: each running platform of their `page_on` (default: every one they are known on), as their identity there; anyone else: their own platform; a person known by email: Slack (it looks the address up) when Slack runs, else the first home platform; a tool: the first home platform | the recipient |

Each copy is one outbox row, delivered on its own: a platform that is down or rate limited
delays only its own rows (the outbox keeps order per incident and platform). Mentions are
localised per platform (`incidents.mirror.localise`): a person pings as their identity there,
or reads as their name where they have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.names import names_in
from incidents.directory import EMAIL_RESOLVER, NOBODY, PeopleDirectory
from incidents.messages import Audience, Message
from incidents.mirror import foreign, localise
from incidents.people import EMAIL, Person
from incidents.ports import Clock, UnitOfWork


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
    people: PeopleDirectory = NOBODY  # `[[person]]`: one person, several identities
    mirrored: tuple[str, ...] = ()  # `[mirror] platforms` that run: every incident lives there
    default: str | None = None  # `default_platform`, when it runs

    @property
    def default_platform(self) -> str:
        """Where things opened outside chat (API, alerts, CLI) live: `default_platform`, else
        the first running platform."""
        if self.default is not None and self.default in self.platforms:
            return self.default
        return self.platforms[0] if self.platforms else "console"

    def home_for(self, origin: str) -> tuple[str, ...]:
        """Where an incident opened on `origin` lives: every mirrored platform (`origin`
        first when it is one), else `origin` alone."""
        if len(self.mirrored) < 2:
            return (origin,)
        if origin in self.mirrored:
            return (origin, *(p for p in self.mirrored if p != origin))
        return self.mirrored

    def deliveries(self, message: Message, home: Sequence[str]) -> list[tuple[str, Message]]:
        """(platform, message) for each outbox row `message` becomes, for something living
        on `home`: a direct message to a `[[person]]` goes to each platform they are paged
        on, addressed to their identity there."""
        if message.audience is Audience.DIRECT and message.recipient:
            routed = self.people.page_platforms(Person(message.recipient), self.platforms)
            if routed:
                return [(p, replace(message, recipient=who)) for p, who in routed]
        return [(platform, message) for platform in self.destinations(message, home)]

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
        if person.is_tool:
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
            for platform, routed in self.router.deliveries(message, home):
                local = await self._localised(uow, routed, platform)
                await uow.enqueue([local], platform=platform, now=now)

    async def deliveries(
        self, uow: UnitOfWork, messages: Sequence[Message], home: Sequence[str]
    ) -> list[tuple[str, Message]]:
        """What `enqueue_on` would enqueue, as (platform, message) pairs, for
        `UnitOfWork.enqueue_all` (the timers of many incidents enqueue in one go)."""
        return [
            (platform, await self._localised(uow, routed, platform))
            for message in messages
            for platform, routed in self.router.deliveries(message, home)
        ]

    async def _localised(self, uow: UnitOfWork, message: Message, platform: str) -> Message:
        """The message as `platform` reads it: mentions of each person's identity there, and
        the names of people who have none (read in this transaction when needed)."""
        people = self.router.people
        strangers = foreign(message, platform, people)
        names = {**await names_in(uow, strangers), **people.names()} if strangers else {}
        return localise(message, platform, people, names)
