"""The chat side's ports: what the application offers a chat adapter, and what an adapter offers.

A chat adapter gets one `ChatPorts` value from the composition root and depends on nothing
else of the application: it hands commands to the bus, keeps its incident channels in the
bindings, asks the routes where a message addressed to a role goes, reads the clock, and
writes each command to the inbox before acknowledging it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.inbox import Inbox
from incidents import commands as c
from incidents.directory import NOBODY, PeopleDirectory
from incidents.messages import Message
from incidents.model import Incident
from incidents.names import NO_NAMES, Names
from incidents.people import Person
from incidents.ports import Clock, OutboxItem

if TYPE_CHECKING:
    from aiohttp import web


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a request did: a reply for the person who asked, and the incident it touched."""

    ok: bool
    reply: Message | None = None
    incident: int | None = None
    duplicate: bool = False
    opened: Incident | None = None
    unavailable: bool = False  # the store could not take it: a retry later may work (HTTP 503)
    # The names of the people the reply mentions, where the view read them.
    names: Names = field(default_factory=lambda: NO_NAMES)

    @property
    def reply_text(self) -> str:
        """The reply as plain text, people by name ('' when there is none)."""
        return "" if self.reply is None else self.reply.plain_text(self.names)


class CommandHandler(Protocol):
    """Something that answers a line of chat commands (`/oncall …` has its own)."""

    async def handle_text(
        self,
        text: str,
        *,
        actor: str | Person,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> Outcome:
        """Handle one command line; errors come back as a polite reply. `groups`: the user
        groups or roles the platform says the actor is in (`slack-group:S…`)."""
        ...


class CommandBus(CommandHandler, Protocol):
    """The incident command bus: command lines, parsed requests, and reading an incident."""

    async def handle(
        self,
        request: c.Request,
        *,
        actor: str | Person,
        platform: str,
        number: int | None = None,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> Outcome:
        """Handle a parsed request (a button, a form, a captured pin)."""
        ...

    async def load(self, number: int) -> Incident | None:
        """Read an incident, for rendering summaries and topics."""
        ...


class ChannelBindings(Protocol):
    """Which chat channel belongs to which incident, per platform (kept in the store)."""

    async def bind_channel(self, number: int, platform: str, channel_id: str) -> None:
        """Record the channel an adapter created for an incident."""
        ...

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The incident's channel on `platform`, if one was created."""
        ...

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is, if any."""
        ...


class Routes(Protocol):
    """Where a message addressed to a role (on-call, announcements) goes on a platform."""

    def channel_for(self, message: Message, platform: str) -> str | None:
        """The configured channel for an on-call or announce message; None for the others."""
        ...

    def announce_channel(self, platform: str) -> str | None:
        """Where incidents are announced on `platform`, if configured."""
        ...


class PeopleNames(Protocol):
    """Where a chat adapter says what its platform calls people (`bot/names.py`), after the
    acknowledgement; best effort, it never raises."""

    async def heard(self, person: Person, raw_name: str | None) -> None:
        """The platform named the person just now (Discord sends it with each interaction)."""
        ...

    async def refresh(self, person: Person, ask: Callable[[], Awaitable[str | None]]) -> None:
        """Ask the platform (`ask`, e.g. Slack's users.info) when the kept name is stale."""
        ...

    async def names_of(self, people: Iterable[Person]) -> dict[Person, str]:
        """The names kept for `people`, for plain-text renderings."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatPorts:
    """Everything a chat adapter needs from the application, and nothing more."""

    commands: CommandBus
    channels: ChannelBindings
    routes: Routes
    clock: Clock
    oncall: CommandHandler  # `/oncall …`: the rotations, or how to configure one (none yet)
    inbox: Inbox | None = None  # commands written down before they are acknowledged
    names: PeopleNames | None = None  # people's names, as the platforms call them
    people: PeopleDirectory = NOBODY  # `[[person]]`: each person's identity on each platform
    relay_messages: bool = False  # `[mirror] relay_messages`: hand every incident-channel message


@runtime_checkable
class ChatAdapter(Protocol):
    """A chat platform: delivers outbox items, may serve HTTP routes and run a connection."""

    platform: str

    async def deliver(self, item: OutboxItem) -> None:
        """Post one outbox item; idempotent per item id; raise DeliveryError on failure."""
        ...

    def mount(self, web_app: web.Application) -> None:
        """Add HTTP routes (Slack's /slack/events); add none if the platform needs none."""
        ...

    async def run(self) -> None:
        """Keep the platform connection (Socket Mode, the gateway) until cancelled."""
        ...
