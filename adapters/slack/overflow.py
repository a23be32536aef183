"""Where the rest of a message goes when it is longer than one Slack message holds.

`render` cuts such a body and says so; this decides what "the rest" points at: the incident's
page on the dashboard when sevbot has a public URL (and the dashboard is on), else the whole
text as a file (files.upload v2: files.getUploadURLExternal, then files.completeUploadExternal).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import error_code
from adapters.slack.render import render, rendered_reply, reply_payload
from incidents.messages import Message, render_plain

log = logging.getLogger(__name__)


class Overflow:
    """The dashboard link for an incident, or a file with a message's whole text."""

    def __init__(self, *, client: AsyncWebClient, dashboard_url: str | None = None) -> None:
        self._client = client
        self._dashboard = dashboard_url.rstrip("/") if dashboard_url else None

    def link(self, message: Message) -> str | None:
        """`<…/incidents/42|the incident's page on the dashboard>`, when there is one."""
        if self._dashboard is None or message.incident is None:
            return None
        url = f"{self._dashboard}/incidents/{message.incident}"
        return f"<{url}|the incident's page on the dashboard>"

    async def upload(self, message: Message, channel: str) -> bool:
        """Post the message's whole text as a file in `channel`; False if Slack refused it."""
        try:
            await self._client.files_upload_v2(
                channel=channel, content=full_text(message), filename=file_name(message)
            )
        except SlackApiError as error:
            log.warning("could not upload the rest of a %s: %s", message.kind, error_code(error))
            return False
        return True

    async def reply(self, message: Message, user_id: str) -> dict[str, Any]:
        """The payload of a reply to `user_id`. One too long for a message says where its rest
        is: the dashboard, else a file in the person's DM with sevbot (a reply is private)."""
        rendered = render(message)
        if not rendered.cut:  # rendered once: `rest_at` changes only a body that was cut
            return rendered_reply(rendered)
        rest = self.link(message)
        if rest is None:
            try:
                opened = await self._client.conversations_open(users=user_id)
                channel = str(opened["channel"]["id"])
            except SlackApiError as error:
                log.warning("could not open a DM with %s: %s", user_id, error_code(error))
            else:
                if await self.upload(message, channel):
                    rest = f"`{file_name(message)}`, in your direct messages with sevbot"
        return reply_payload(message, rest_at=rest)


def file_name(message: Message) -> str:
    """`incident-42-timeline.txt`, or `sevbot-list.txt` for what is about no incident."""
    head = f"incident-{message.incident}" if message.incident is not None else "sevbot"
    return f"{head}-{message.kind.value.replace('_', '-')}.txt"


def full_text(message: Message) -> str:
    """The whole message as plain text: title, text, facts (a file is never parsed as markup)."""
    lines = [message.title] if message.title else []
    lines.append(message.plain_text())
    lines += [f"{fact.label}: {render_plain(fact.value)}" for fact in message.facts]
    return "\n".join(lines) + "\n"
