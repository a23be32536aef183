"""Incident channels on Slack: created once, bound in the store, members and topic kept current."""

from __future__ import annotations

import logging
import secrets

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import error_code, is_transient
from adapters.slack.render import slack_user_id, topic
from bot.chat import ChannelBindings, CommandBus
from incidents.directory import NOBODY, PeopleDirectory
from incidents.model import Incident
from incidents.naming import channel_name
from incidents.people import EMAIL, Person
from incidents.ports import DeliveryError
from incidents.private import insiders

log = logging.getLogger(__name__)
PLATFORM = "slack"
NAME_ATTEMPTS = 5
MAX_NAME = 80
MAX_INVITES = 1000  # users per conversations.invite call (Slack's documented limit)


class IncidentChannels:
    """Which channel is whose, creating an incident's channel on its first message."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        commands: CommandBus,
        bindings: ChannelBindings,
        people: PeopleDirectory = NOBODY,
    ) -> None:
        self._client = client
        self._people = people  # a [[person]] known on Discord first is still invited here
        self._service = commands
        self._bindings = bindings
        self._by_incident: dict[int, str] = {}
        self._by_channel: dict[str, int] = {}
        self._topics: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._names: dict[str, str] = {}
        self._emails: dict[Person, str | None] = {}
        self._bot_user: str | None = None

    def _remember(self, number: int, channel_id: str) -> None:
        self._by_incident[number] = channel_id
        self._by_channel[channel_id] = number

    async def bound(self, number: int) -> str | None:
        """The incident's channel if it exists (never creates one)."""
        if number in self._by_incident:
            return self._by_incident[number]
        channel_id = await self._bindings.channel_of(number, PLATFORM)
        if channel_id is not None:
            self._remember(number, channel_id)
        return channel_id

    async def incident_of(self, channel_id: str) -> int | None:
        """The incident whose channel this is, if any."""
        if channel_id in self._by_channel:
            return self._by_channel[channel_id]
        number = await self._bindings.incident_in_channel(PLATFORM, channel_id)
        if number is not None:
            self._remember(number, channel_id)
        return number

    async def ensure(self, number: int) -> tuple[str, bool]:
        """(channel id, created now): creates `inc-<number>-<slug>` on the first message.

        Idempotent through the store binding, written right after `conversations.create`.
        If that answer was lost (or the process died before binding), the retry meets
        `name_taken` on a channel the bot itself created and nobody is bound to: it adopts
        it. A name taken by anyone else gets a suffix (`-2`, `-3`, …). A private incident gets
        a private channel: only the people invited (`refresh`) see it.
        """
        existing = await self.bound(number)
        if existing is not None:
            return existing, False
        incident = await self._service.load(number)
        if incident is None:
            raise DeliveryError(f"incident #{number} does not exist", permanent=True)
        channel_id = await self._create(incident)
        await self._bindings.bind_channel(number, PLATFORM, channel_id)
        self._remember(number, channel_id)
        self._topics[channel_id] = ""
        self._members[channel_id] = set()
        return channel_id, True

    async def _create(self, incident: Incident) -> str:
        for attempt in range(NAME_ATTEMPTS):
            suffix = "" if attempt == 0 else str(attempt + 1)
            if attempt == NAME_ATTEMPTS - 1:
                suffix = secrets.token_hex(3)
            name = channel_name(incident.number, incident.title, MAX_NAME, suffix)
            try:
                response = await self._client.conversations_create(
                    name=name, is_private=incident.private
                )
            except SlackApiError as error:
                if error_code(error) != "name_taken":
                    raise
                adopted = await self._ours_unbound(name, private=incident.private)
                if adopted is not None:
                    return adopted
                continue
            return str(response["channel"]["id"])
        raise DeliveryError(f"no free channel name for incident #{incident.number}")

    async def bot_user(self) -> str:
        """The bot's own user id (auth.test, asked once)."""
        if self._bot_user is None:
            self._bot_user = str((await self._client.auth_test())["user_id"])
        return self._bot_user

    async def _ours_unbound(self, name: str, *, private: bool = False) -> str | None:
        """The channel called `name` if this bot created it and no incident is bound to it
        (a private one is listed to the bot because it created it, so is a member)."""
        bot_user = await self.bot_user()
        cursor: str | None = None
        kind = "private_channel" if private else "public_channel"
        while True:
            response = await self._client.conversations_list(
                types=kind, exclude_archived=True, limit=1000, cursor=cursor
            )
            for channel in response.get("channels") or ():
                if channel.get("name") != name:
                    continue
                if channel.get("creator") != bot_user:
                    return None
                channel_id = str(channel["id"])
                taken = await self._bindings.incident_in_channel(PLATFORM, channel_id)
                return channel_id if taken is None else None
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def user_id(self, identity: Person) -> str | None:
        """A Slack user id for `slack:U…` or `email:…` (looked up once), or for a `[[person]]`
        with one of those; None otherwise."""
        identity = self._people.identity_on(identity, PLATFORM) or identity
        direct = slack_user_id(identity)
        if direct is not None:
            return direct
        if identity.platform != EMAIL:
            return None
        if identity not in self._emails:
            try:
                response = await self._client.users_lookupByEmail(email=identity.id)
                self._emails[identity] = str(response["user"]["id"])
            except SlackApiError as error:
                if is_transient(error):
                    raise
                self._emails[identity] = None
        return self._emails[identity]

    async def resolve(self, identities: set[Person]) -> dict[Person, str]:
        """Identities that are (or resolve to) Slack users, mapped to their ids."""
        resolved: dict[Person, str] = {}
        for identity in sorted(identities):
            user_id = await self.user_id(identity)
            if user_id is not None:
                resolved[identity] = user_id
        return resolved

    async def refresh(self, channel_id: str, number: int) -> None:
        """Invite whoever should be there and is not yet; set the topic if it changed.

        A private incident's channel gets everyone inside it (`incidents.private.insiders`),
        the people its escalation paged included: nobody else can find it to join.
        """
        incident = await self._service.load(number)
        if incident is None:
            return
        oncall = incident.oncall
        people = [
            incident.declared_by,
            incident.incident_commander,
            incident.communications_lead,
            *incident.responders,
            oncall.primary if oncall else None,
            oncall.backup if oncall else None,
            *(insiders(incident) if incident.private else ()),
        ]
        wanted = await self.resolve({person for person in people if person})
        members = self._members.setdefault(channel_id, set())
        new = sorted(set(wanted.values()) - members)
        if new:
            await self._invite(channel_id, new)
            members.update(new)
        names = {}
        if incident.incident_commander and incident.incident_commander in wanted:
            names[incident.incident_commander] = await self._name(
                wanted[incident.incident_commander]
            )
        wanted_topic = topic(incident, names)
        current = self._topics.get(channel_id)
        if current is None:
            info = await self._client.conversations_info(channel=channel_id)
            current = str(((info.get("channel") or {}).get("topic") or {}).get("value", ""))
        if wanted_topic != current:
            await self._client.conversations_setTopic(channel=channel_id, topic=wanted_topic)
        self._topics[channel_id] = wanted_topic

    async def _invite(self, channel_id: str, user_ids: list[str]) -> None:
        for start in range(0, len(user_ids), MAX_INVITES):
            batch = user_ids[start : start + MAX_INVITES]
            try:
                await self._client.conversations_invite(channel=channel_id, users=batch, force=True)
            except SlackApiError as error:
                if is_transient(error):
                    raise
                # already_in_channel, cant_invite_self, user_not_found…: not worth failing a post
                log.info("inviting %s to %s: %s", batch, channel_id, error_code(error))

    async def _name(self, user_id: str) -> str:
        if user_id not in self._names:
            try:
                self._names[user_id] = await self.ask_name(user_id) or user_id
            except SlackApiError as error:
                if is_transient(error):
                    raise
                self._names[user_id] = user_id
        return self._names[user_id]

    async def ask_name(self, user_id: str) -> str | None:
        """What Slack shows for the user, asked now (`users.info`): the display name, else the
        real name, else the username; None when the profile has none. The profile holds "as
        much information as the user has supplied … may not be present at all, may be null
        or may contain the empty string" (docs.slack.dev/reference/methods/users.info)."""
        response = await self._client.users_info(user=user_id)
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        for name in (
            profile.get("display_name"),
            profile.get("real_name"),
            user.get("real_name"),
            user.get("name"),
        ):
            if isinstance(name, str) and name.strip():
                self._names[user_id] = name
                return name
        return None
