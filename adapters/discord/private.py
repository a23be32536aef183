"""Private incident channels on Discord: hidden from @everyone, shown to the people inside.

The channel is created with permission overwrites: @everyone (the role whose id is the
guild's) is denied VIEW_CHANNEL, and the bot and each Discord user inside the incident
(`incidents.private.insiders`) get a member overwrite allowing it. Someone who comes inside
later (an escalation step pages them, they take a role) gets their overwrite added with
`PUT /channels/{id}/permissions/{user id}` before the message that names them is posted.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord

from adapters.discord.parse import discord_user_id
from incidents.directory import NOBODY, PeopleDirectory
from incidents.messages import MessageKind
from incidents.model import Incident
from incidents.private import insiders

log = logging.getLogger(__name__)
MAX_OVERWRITES = 100  # per channel-create request (Discord's published maximum)
MEMBER: Literal[1] = 1  # overwrite type: 0 a role, 1 a member
#: What the people inside (and the bot) may do there: see it, read it, write in it.
INSIDE = discord.PermissionOverwrite(
    view_channel=True, send_messages=True, read_message_history=True
)
HIDDEN = discord.PermissionOverwrite(view_channel=False)
#: Messages after which someone new may be inside: the first one, an escalation step's page,
#: a role given, an acknowledgement… (the same moments Slack invites people).
ACCESS_KINDS = frozenset(
    {
        MessageKind.SUMMARY,
        MessageKind.ACKNOWLEDGED,
        MessageKind.SEVERITY_CHANGED,
        MessageKind.PHASE_CHANGED,
        MessageKind.ROLE_ASSIGNED,
        MessageKind.ESCALATION,
        MessageKind.RESOLVED,
        MessageKind.CLOSED,
    }
)


def inside_ids(incident: Incident, people: PeopleDirectory = NOBODY) -> list[int]:
    """The Discord user ids of the people inside the incident, in order (a `[[person]]`
    recorded by another identity, by theirs on Discord)."""
    found = (
        discord_user_id(people.identity_on(person, "discord") or person)
        for person in insiders(incident)
    )
    return list(dict.fromkeys(user_id for user_id in found if user_id is not None))


def private_overwrites(
    guild: discord.Guild, bot_id: int, incident: Incident, people: PeopleDirectory = NOBODY
) -> dict[discord.Role | discord.Object, discord.PermissionOverwrite]:
    """The overwrites a private incident's channel is created with: @everyone hidden, the bot
    and the people inside shown (as many as Discord takes in one request)."""
    overwrites: dict[discord.Role | discord.Object, discord.PermissionOverwrite] = {
        guild.default_role: HIDDEN,
        discord.Object(id=bot_id): INSIDE,
    }
    shown = [user_id for user_id in inside_ids(incident, people) if user_id != bot_id]
    room = MAX_OVERWRITES - len(overwrites)
    if len(shown) > room:
        log.warning(
            "discord: #%s has %d people inside; the channel shows it to the first %d",
            incident.number,
            len(shown),
            room,
        )
    for user_id in shown[:room]:
        overwrites[discord.Object(id=user_id)] = INSIDE
    return overwrites


class PrivateAccess:
    """Keeps each private incident channel's member overwrites up to date with who is inside."""

    def __init__(self, people: PeopleDirectory = NOBODY) -> None:
        self.people = people  # whose Discord identity a person recorded otherwise has
        self._shown: dict[int, set[int]] = {}  # channel id → ids with an overwrite there
        self._public: set[int] = set()  # incidents known public (it never changes)

    def may_be_private(self, number: int) -> bool:
        """False once the incident is known to be public: no need to load it again."""
        return number not in self._public

    def created(self, channel: discord.abc.GuildChannel) -> None:
        """Remember who a channel already shows (its overwrites as created or found)."""
        self._shown[channel.id] = {target.id for target in channel.overwrites}

    async def let_in(self, client: discord.Client, channel: Any, incident: Incident) -> None:
        """Add a member overwrite for each person inside who has none yet; best effort (a
        403 is logged: the message still goes out, to those who can see it)."""
        if not incident.private:
            self._public.add(incident.number)
            return
        if not isinstance(channel, discord.abc.GuildChannel):
            return
        if channel.id not in self._shown:
            self.created(channel)
        shown = self._shown[channel.id]
        allow, deny = INSIDE.pair()
        for user_id in inside_ids(incident, self.people):
            if user_id in shown:
                continue
            try:
                await client.http.edit_channel_permissions(
                    channel.id,
                    user_id,
                    str(allow.value),
                    str(deny.value),
                    MEMBER,
                    reason=f"sevbot: inside private incident #{incident.number}",
                )
            except (discord.Forbidden, discord.NotFound) as error:  # no right, or they left
                log.warning(
                    "discord: could not show private #%s to %s: %s",
                    incident.number,
                    user_id,
                    error,
                )
                continue
            shown.add(user_id)
