"""The Slack ChatPort: posts outbox items where they belong, exactly once per outbox id.

Each post carries its outbox id in message metadata. A retry (`item.attempts > 1`, after a
crash or a timeout whose request may have reached Slack) first looks for that id in the
channel's recent history and reuses the message it finds instead of posting again.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.channels import IncidentChannels
from adapters.slack.errors import delivery_error, error_code
from adapters.slack.overflow import Overflow, file_name, full_text
from adapters.slack.render import mentioned_users, render
from bot.chat import Routes
from incidents.messages import Audience, Message, MessageKind
from incidents.ports import DeliveryError, OutboxItem

log = logging.getLogger(__name__)
EVENT_TYPE = "sevbot_outbox"
HISTORY_PAGES = 3
HISTORY_PAGE = 200
# Messages after which the channel's members and topic are brought up to date (an escalation
# step pages someone new: a private channel must let them in).
REFRESH_KINDS = frozenset(
    {
        MessageKind.SUMMARY,
        MessageKind.ESCALATION,
        MessageKind.ACKNOWLEDGED,
        MessageKind.SEVERITY_CHANGED,
        MessageKind.PHASE_CHANGED,
        MessageKind.ROLE_ASSIGNED,
        MessageKind.RESOLVED,
        MessageKind.CLOSED,
    }
)


class SlackDelivery:
    """Delivers outbox items to Slack; raises DeliveryError the dispatcher understands."""

    platform = "slack"

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        channels: IncidentChannels,
        routes: Routes,
        overflow: Overflow | None = None,
    ) -> None:
        self._client = client
        self._overflow = overflow or Overflow(client=client)
        self._channels = channels
        self._routes = routes
        self._named: dict[str, str] = {}
        self._ims: dict[str, str] = {}

    async def deliver(self, item: OutboxItem) -> None:
        """Post one outbox item; idempotent per item id."""
        try:
            await self._deliver(item)
        except DeliveryError:
            raise
        except Exception as error:
            failure = delivery_error(error, f"{item.message.kind} #{item.message.incident}")
            if not failure.permanent and failure.retry_after is None:
                log.info("slack delivery of outbox item %s failed: %s", item.id, failure.reason)
            raise failure from error

    async def _deliver(self, item: OutboxItem) -> None:
        message = item.message
        audience = message.audience
        if audience is Audience.REPLY:
            return  # replies go straight back to whoever asked; never through the outbox
        if audience is Audience.INCIDENT:
            await self._to_incident(item)
            return
        if audience is Audience.DIRECT:
            channel = await self._direct_channel(message)
            await self._post(item, channel)
            return
        target = self._routes.channel_for(message, self.platform)
        if not target:
            log.debug("no %s channel on slack for %s; skipped", audience.value, message.kind)
            return
        channel = await self._named_channel(target)
        link = await self._channels.bound(message.incident) if message.incident else None
        await self._post(item, channel, link=link, may_join=True)

    async def _to_incident(self, item: OutboxItem) -> None:
        message = item.message
        if message.incident is None:
            raise DeliveryError(f"{message.kind} has no incident to post to", permanent=True)
        channel, created = await self._channels.ensure(message.incident)
        if created or message.kind in REFRESH_KINDS:
            await self._channels.refresh(channel, message.incident)
        ts = await self._post(item, channel)
        if message.pin:
            try:
                await self._client.pins_add(channel=channel, timestamp=ts)
            except SlackApiError as error:
                if error_code(error) != "already_pinned":
                    raise
        if message.attachment_name and message.attachment is not None:
            await self._upload(
                item, channel, after=ts, name=message.attachment_name, content=message.attachment
            )

    async def _post(
        self, item: OutboxItem, channel: str, *, link: str | None = None, may_join: bool = False
    ) -> str:
        message = item.message
        resolved = await self._channels.resolve(mentioned_users(message))
        rendered = render(message, resolved=resolved, incident_channel=link)
        rest_in_file = False
        if rendered.cut:  # too long for one message: it says where the rest is
            rest = self._overflow.link(message)
            if rest is None:
                rest, rest_in_file = f"`{file_name(message)}`, posted below", True
            rendered = render(message, resolved=resolved, incident_channel=link, rest_at=rest)
        ts = await self._find_posted(channel, item.id) if item.attempts > 1 else None
        if ts is None:
            ts = await self._post_new(channel, item.id, rendered.text, rendered.blocks, may_join)
        if rest_in_file:
            await self._upload(
                item, channel, after=ts, name=file_name(message), content=full_text(message)
            )
        return ts

    async def _post_new(
        self, channel: str, outbox_id: int, text: str, blocks: list[Any], may_join: bool
    ) -> str:
        arguments: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "blocks": blocks,
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": outbox_id}},
            "link_names": False,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        try:
            response = await self._client.chat_postMessage(**arguments)
        except SlackApiError as error:
            if not may_join or error_code(error) != "not_in_channel":
                raise
            await self._client.conversations_join(channel=channel)
            response = await self._client.chat_postMessage(**arguments)
        return str(response["ts"])

    async def _find_posted(self, channel: str, outbox_id: int) -> str | None:
        """The ts of the message an earlier attempt of this item posted, if it got through.

        Only the bot's own messages count: another sevbot (staging, say) in the same channel
        numbers its outbox the same way.
        """
        bot_user = await self._channels.bot_user()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                response = await self._client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=HISTORY_PAGE, cursor=cursor
                )
            except SlackApiError as error:
                if error_code(error) == "not_in_channel":
                    return None  # not a member yet, so nothing of ours is there
                raise
            for posted in response.get("messages") or ():
                if posted.get("user") != bot_user:
                    continue
                metadata = posted.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == EVENT_TYPE and str(
                    payload.get("outbox_id")
                ) == str(outbox_id):
                    return str(posted["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    async def _upload(
        self, item: OutboxItem, channel: str, *, after: str, name: str, content: str
    ) -> None:
        """A file in the channel, once: a retry looks for it after the message's text."""
        if item.attempts > 1:
            bot_user = await self._channels.bot_user()
            response = await self._client.conversations_history(
                channel=channel, oldest=after, limit=HISTORY_PAGE
            )
            for posted in response.get("messages") or ():
                files = posted.get("files") or ()
                if posted.get("user") == bot_user and any(f.get("name") == name for f in files):
                    return
        await self._client.files_upload_v2(
            channel=channel, content=content, filename=name, title=name
        )

    async def _direct_channel(self, message: Message) -> str:
        recipient = message.recipient
        user_id = None if recipient is None else await self._channels.user_id(recipient)
        if user_id is None:
            raise DeliveryError(f"cannot send a Slack DM to {recipient!r}", permanent=True)
        if user_id not in self._ims:
            response = await self._client.conversations_open(users=user_id)
            self._ims[user_id] = str(response["channel"]["id"])
        return self._ims[user_id]

    async def _named_channel(self, target: str) -> str:
        """A channel id for `C123` or `#name` (looked up once in conversations.list)."""
        if not target.startswith("#"):
            return target
        name = target[1:]
        if name not in self._named:
            cursor: str | None = None
            while name not in self._named:
                response = await self._client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    cursor=cursor,
                )
                for channel in response.get("channels") or ():
                    self._named[str(channel.get("name"))] = str(channel["id"])
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        if name not in self._named:
            raise DeliveryError(
                f"no Slack channel {target} (or it is private and sevbot is not in it)",
                permanent=True,
            )
        return self._named[name]
