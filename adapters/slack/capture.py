"""Channel activity in Slack: who spoke in an incident channel, and pinned or 📌 messages."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse as p
from adapters.slack.channels import IncidentChannels
from adapters.slack.relay import Said, said
from bot.chat import CommandBus
from incidents import commands as c

PLATFORM = "slack"
SPEAKERS_REMEMBERED = 10_000
Spawn = Callable[[Awaitable[None], str], None]


class Capture:
    """Turns channel events into RecordParticipant / RecordPinnedMessage requests."""

    def __init__(
        self,
        *,
        commands: CommandBus,
        client: AsyncWebClient,
        channels: IncidentChannels,
        spawn: Spawn,
        learn_name: Callable[[str], Awaitable[None]] | None = None,
        relay: bool = False,
    ) -> None:
        self._service = commands
        self._client = client
        self._channels = channels
        self._spawn = spawn  # runs the work after the acknowledgement
        self._learn_name = learn_name  # keeps a speaker's name (users.info when stale)
        self._speakers: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._relay = relay  # `[mirror] relay_messages`: every message goes to the bus

    def message_event(self, body: Mapping[str, Any]) -> None:
        """Someone spoke: a participant of the channel's incident (one write per person); with
        relaying on, what they wrote is relayed to the incident's other platforms."""
        event = body.get("event") or {}
        if self._relay:
            message = said(event)
            if message is not None:
                self._spawn(self._relay_message(message), "relay")
        spoke = p.spoke(event)
        if spoke is None:
            return
        key = (spoke.channel_id, spoke.user_id)
        if key in self._speakers:
            return
        self._speakers[key] = None
        while len(self._speakers) > SPEAKERS_REMEMBERED:
            self._speakers.popitem(last=False)
        self._spawn(self._participant(spoke, str(body.get("event_id", ""))), "participant")

    async def _participant(self, spoke: p.Spoke, event_id: str) -> None:
        try:
            number = await self._channels.incident_of(spoke.channel_id)
            if number is None:
                return
            await self._service.handle(
                c.RecordParticipant(user=p.actor(spoke.user_id)),
                actor=p.actor(spoke.user_id),
                platform=PLATFORM,
                number=number,
                request_key=f"slack:{event_id}" if event_id else None,
            )
        except Exception:
            self._speakers.pop((spoke.channel_id, spoke.user_id), None)  # try again next time
            raise
        if self._learn_name is not None:
            await self._learn_name(spoke.user_id)

    async def _relay_message(self, message: Said) -> None:
        number = await self._channels.incident_of(message.channel_id)
        if number is None:
            return
        who = p.actor(message.user_id)
        await self._service.handle(
            c.RelayMessage(author=who, text=message.text, name=message.name, links=message.links),
            actor=who,
            platform=PLATFORM,
            number=number,
            # A retried event (or the same message seen twice) is relayed once.
            request_key=f"slack:relay:{message.channel_id}:{message.ts}",
        )

    def pin_event(self, body: Mapping[str, Any], bot_user_id: str | None) -> None:
        """A pinned (or 📌-marked) message in an incident channel goes into the timeline."""
        event = body.get("event") or {}
        pin = p.pin_added(event) if event.get("type") == "pin_added" else p.pushpin(event)
        if pin is None or pin.by_bot or (bot_user_id and pin.pinned_by == bot_user_id):
            return
        self._spawn(self._record_pin(pin, bot_user_id), "pin")

    async def _record_pin(self, pin: p.Pin, bot_user_id: str | None) -> None:
        number = await self._channels.incident_of(pin.channel_id)
        if number is None:
            return
        author, text, link = pin.author, pin.text, pin.link
        if text is None:
            history = await self._client.conversations_history(
                channel=pin.channel_id, latest=pin.ts, inclusive=True, limit=1
            )
            found = (history.get("messages") or [{}])[0]
            if found.get("bot_id") or (bot_user_id and found.get("user") == bot_user_id):
                return  # the bot's own summary, marked by someone: already in the record
            author, text = author or found.get("user"), found.get("text") or ""
        if link is None:
            permalink = await self._client.chat_getPermalink(
                channel=pin.channel_id, message_ts=pin.ts
            )
            link = permalink.get("permalink")
        await self._service.handle(
            c.RecordPinnedMessage(
                author=p.actor(author or ""),
                text=text or "",
                link=link,
            ),
            actor=p.actor(pin.pinned_by),
            platform=PLATFORM,
            number=number,
            # Pinning and 📌 on the same message, or a retried event, record it once.
            request_key=f"slack:pin:{pin.channel_id}:{pin.ts}",
        )
