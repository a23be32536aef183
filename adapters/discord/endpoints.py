"""Where discord.py talks to: the REST base (DISCORD_API_URL) and the gateway (DISCORD_GATEWAY_URL).

discord.py keeps both as class attributes (`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`),
so they are process-wide, like the environment variables they come from. A non-sharded client
connects to its default gateway without asking `GET /gateway/bot`; without DISCORD_GATEWAY_URL
we ask, so a REST proxy or a stand-in named by DISCORD_API_URL also names the gateway.
"""

from __future__ import annotations

import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


def use_rest_base(url: str | None) -> str:
    """Point every REST call (interaction callbacks and webhooks too) at `url`."""
    base = (url or DEFAULT_API_URL).rstrip("/")
    Route.BASE = base
    return base


async def use_gateway(client: discord.Client, url: str | None) -> str:
    """Connect to `url`, or to what `GET /gateway/bot` names, or to discord.py's default."""
    chosen = url
    if not chosen:
        try:
            _, chosen, _ = await client.http.get_bot_gateway()
        except (
            discord.GatewayNotFound,
            discord.HTTPException,
            aiohttp.ClientError,
            OSError,
        ) as error:
            log.warning(
                "discord: GET /gateway/bot failed (%s); using %s", error, DEFAULT_GATEWAY_URL
            )
            chosen = DEFAULT_GATEWAY_URL
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(chosen)
    return chosen
