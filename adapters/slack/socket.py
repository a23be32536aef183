"""Socket Mode envelopes: slash commands acknowledged directly, everything else through bolt.

The Socket Mode twin of the HTTP fast path (http.py). slack-bolt's AsyncSocketModeHandler
sends every envelope through the app's middleware chain (authorization, self-event
filtering, url_verification, function tokens, listener matching) and a BoltResponse before
acknowledging it. A slash command needs none of that: its payload is the form HTTP posts, so
the fields used are read, the command is written to the inbox (acknowledged means durable)
and the acknowledgement envelope goes straight back on the socket. Interactivity and events
still go through bolt.

Socket Mode has no request signature: what vouches for an envelope is the socket itself, a
websocket the bot opened with its app-level token to the URL `apps.connections.open` gave.
This listener is registered on that socket's client only, so it sees nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.interactions import SlackInbound
from adapters.slack.parse import SlashCommand

SLASH_COMMANDS = "slash_commands"


# What slack_sdk's Socket Mode client calls with each envelope (bolt's handler among them).
RequestListener = Callable[[Any, SocketModeRequest], Awaitable[None]]


class SocketEnvelopes:
    """The Socket Mode client's one request listener: slash commands here, the rest to bolt."""

    def __init__(self, *, inbound: SlackInbound, bolt: RequestListener) -> None:
        self._inbound = inbound
        self._bolt = bolt

    async def handle(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        """Acknowledge a slash command once it is in the inbox; hand anything else to bolt.
        A retried envelope (Slack retries one not acknowledged in time) carries the same
        trigger id, hence the same inbox and request key: the command bus runs it once."""
        if request.type != SLASH_COMMANDS or "command" not in request.payload:
            await self._bolt(client, request)
            return
        answer = await self._inbound.slash_command(SlashCommand.from_form(request.payload))
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=answer)
        )
