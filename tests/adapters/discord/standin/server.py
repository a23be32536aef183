"""A stand-in Discord on 127.0.0.1: REST v10 and a gateway, one guild, state tests can read."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.adapters.discord.standin import payloads as p
from tests.adapters.discord.standin import permissions as perms
from tests.adapters.discord.standin.gateway import Gateway
from tests.adapters.discord.standin.people import People
from tests.adapters.discord.standin.rest import API, Failure, middleware, routes

WAIT = 10.0  # a safety net against a hung test, never a timing assertion


class RefusedCall(AssertionError):
    """The bot's answer to an interaction was refused by the stand-in (as by Discord)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(f"stand-in refused the interaction response: {body}")
        self.body = body


@dataclass
class Callback:
    """An interaction response the bot sent (type 4 message, 5 deferred, 9 modal …)."""

    interaction_id: int
    type: int
    data: dict[str, Any]
    files: list[dict[str, Any]]
    received_at: float

    @property
    def content(self) -> str:
        """The reply's text (content or first embed description)."""
        embeds = self.data.get("embeds") or [{}]
        return str(self.data.get("content") or embeds[0].get("description") or "")

    @property
    def ephemeral(self) -> bool:
        """Whether only the person who asked sees it."""
        return bool((self.data.get("flags") or 0) & 64)


@dataclass
class Sent:
    """A message the bot posted, with who Discord would have pinged."""

    channel_id: int
    message: dict[str, Any]
    body: dict[str, Any]
    files: list[dict[str, Any]]
    pinged: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str:
        """The message text."""
        return str(self.message.get("content") or "")

    @property
    def embed(self) -> dict[str, Any]:
        """The first embed, or {}."""
        embeds = self.message.get("embeds") or [{}]
        return dict(embeds[0])

    @property
    def text(self) -> str:
        """Content, embed title and description and fields, for loose assertions."""
        embed = self.embed
        fields = " ".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
        parts = (self.content, embed.get("title") or "", embed.get("description") or "", fields)
        return "\n".join(part for part in parts if part)

    def custom_ids(self) -> list[str]:
        """The custom ids of the message's buttons."""
        return [
            item["custom_id"]
            for row in self.message.get("components") or []
            for item in row.get("components", [])
        ]


class StandIn(People):
    """State and helpers; `start()` serves REST on /api/v10 and the gateway on /gateway."""

    def __init__(self, *, guild_name: str = "Acme") -> None:
        self.token = "stand-in-bot-token"
        self.application_id = p.snowflake()
        self.bot = p.user(self.application_id, "sevbot", bot=True)
        self.guild_id = p.snowflake()
        self.guild_name = guild_name
        self.bot_permissions = perms.BOT_PERMISSIONS  # the bot's rights in the guild
        self.users: dict[str, dict[str, Any]] = {}
        self.roles: dict[int, str] = {}  # the guild's roles besides @everyone: id → name
        self.member_roles: dict[str, list[int]] = {}  # a person's roles, by name
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.sent: list[Sent] = []
        self.pins: dict[int, list[int]] = defaultdict(list)
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.command_uploads: list[str | None] = []
        self.callbacks: dict[int, Callback] = {}
        self.tokens_expired = False  # follow-ups refused as 15 minutes after the interaction
        self.followups: list[Callback] = []
        self.interaction_types: dict[int, int] = {}
        self.topic_edits: list[tuple[int, str | None]] = []
        self.requests: list[str] = []
        self.refused: list[tuple[str, dict[str, Any]]] = []  # (route, Discord's error body)
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.dispatched_at: dict[int, float] = {}
        self.answered: dict[int, asyncio.Future[Callback]] = {}
        self._changed = asyncio.Event()
        self.general = self._channel("general")
        self.announce = self._channel("incidents")
        self.oncall = self._channel("oncall")
        self.gateway = Gateway(self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- serving -------------------------------------------------------------------------
    async def start(self) -> StandIn:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(middlewares=[middleware(self)], client_max_size=32 * 1024 * 1024)
        app.add_routes(routes(self))
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close the gateway and the server."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """For DISCORD_API_URL."""
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        """For DISCORD_GATEWAY_URL."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- state ---------------------------------------------------------------------------
    def _channel(self, name: str, **options: Any) -> dict[str, Any]:
        data = p.channel(p.snowflake(), name, guild_id=self.guild_id, **options)
        self.channels[int(data["id"])] = data
        return data

    def user(self, name: str) -> dict[str, Any]:
        """A (new or known) person in the guild."""
        if name not in self.users:
            self.users[name] = p.user(p.snowflake(), name)
        return self.users[name]

    def uid(self, name: str) -> int:
        """The id of a person."""
        return int(self.user(name)["id"])

    def guild_payload(self) -> dict[str, Any]:
        """GUILD_CREATE for the one guild."""
        members = [p.member(self.bot), *(self.member(name) for name in self.users)]
        guild_channels = [c for c in self.channels.values() if c.get("guild_id")]
        payload = p.guild(self.guild_id, self.guild_name, channels=guild_channels, members=members)
        payload["roles"] += [p.role(role_id, name) for role_id, name in self.roles.items()]
        return payload

    def member(self, name: str) -> dict[str, Any]:
        """The guild member object of a person, with their roles (Discord sends the role ids
        with each interaction's `member`; they must be roles of the guild)."""
        roles = self.member_roles.get(name, [])
        unknown = [r for r in roles if r not in self.roles]
        assert not unknown, f"roles {unknown} are not roles of the guild"
        return p.member(self.user(name)) | {"roles": [str(r) for r in roles]}

    async def add_channel(self, name: str, **options: Any) -> dict[str, Any]:
        """Create a guild channel and tell the gateway."""
        data = self._channel(name, position=len(self.channels), **options)
        await self.dispatch("CHANNEL_CREATE", data)
        return data

    def dm_channel(self, user_id: int) -> dict[str, Any]:
        """The DM channel with a user (created once)."""
        for data in self.channels.values():
            if data["type"] == 1 and data["recipients"][0]["id"] == str(user_id):
                return data
        person = next((u for u in self.users.values() if u["id"] == str(user_id)), None)
        data = p.dm_channel(p.snowflake(), person or p.user(user_id, str(user_id)))
        self.channels[int(data["id"])] = data
        return data

    def message(self, channel_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message."""
        return next((m for m in self.messages[channel_id] if m["id"] == str(message_id)), None)

    async def post(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[dict[str, Any]],
        author: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a message (the bot's unless `author`); honours `enforce_nonce`."""
        author = author or self.bot
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce"):
            for existing in self.messages[channel_id]:
                if existing.get("nonce") == nonce and existing["author"]["id"] == author["id"]:
                    return existing
        attachments = [
            {
                "id": str(p.snowflake()),
                "filename": f["filename"],
                "size": len(f["content"]),
                "url": f"https://cdn.example/{f['filename']}",
                "proxy_url": f"https://cdn.example/{f['filename']}",
            }
            for f in files
        ]
        guild_id = self.guild_id if self.channels[channel_id].get("guild_id") else None
        data = p.message(
            p.snowflake(), channel_id, author, body, guild_id=guild_id, attachments=attachments
        )
        self.messages[channel_id].append(data)
        pinged = p.pings(data["content"], body.get("allowed_mentions"))
        self.sent.append(Sent(channel_id, data, body, files, pinged))
        await self.dispatch(
            "MESSAGE_CREATE", data | {"member": p.member(author)} if guild_id else data
        )
        return data

    async def pin(self, channel_id: int, message_id: int) -> None:
        """Pin a message and tell the gateway."""
        if message_id not in self.pins[channel_id]:
            self.pins[channel_id].append(message_id)
            stored = self.message(channel_id, message_id)
            if stored is not None:
                stored["pinned"] = True
        event = {
            "guild_id": str(self.guild_id),
            "channel_id": str(channel_id),
            "last_pin_timestamp": p.TIMESTAMP,
        }
        await self.dispatch("CHANNEL_PINS_UPDATE", event)

    def record_callback(
        self, interaction_id: int, body: dict[str, Any], files: list[dict[str, Any]]
    ) -> None:
        """An interaction response arrived."""
        callback = Callback(
            interaction_id,
            int(body.get("type", 0)),
            body.get("data") or {},
            files,
            time.perf_counter(),
        )
        self.callbacks[interaction_id] = callback
        waiter = self.answered.get(interaction_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(callback)
        self._notify()

    def refuse(self, route: str, body: dict[str, Any]) -> None:
        """A call refused for breaking Discord's limits (400 Invalid Form Body and the like)."""
        self.refused.append((route, body))
        self._notify()

    def refuse_callback(self, interaction_id: int, body: dict[str, Any]) -> None:
        """An interaction response was refused: whoever waits for it learns why, at once."""
        waiter = self.answered.get(interaction_id)
        if waiter is not None and not waiter.done():
            waiter.set_exception(RefusedCall(body))

    def record_followup(
        self, token: str, body: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A follow-up message after a deferred response."""
        interaction_id = int(token.removeprefix("token-"))
        self.followups.append(Callback(interaction_id, 4, body, files, time.perf_counter()))
        self._notify()
        return p.message(
            p.snowflake(), int(self.general["id"]), self.bot, body, guild_id=self.guild_id
        )

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event (buffered for RESUME while disconnected)."""
        await self.gateway.dispatch(event, data)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()

    async def wait_for(
        self, condition: Callable[[], Any], what: str = "condition", seconds: float = WAIT
    ) -> Any:
        """Wait until `condition()` is truthy (I/O, not time); fail after `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                while not (result := condition()):
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.05)
                return result
        except TimeoutError:
            raise AssertionError(f"stand-in: gave up waiting for {what}") from None

    def fail(self, method: str, route: str, *failures: Failure) -> None:
        """Answer the next calls to `METHOD /route/{template}` with these failures."""
        self.failures[f"{method} {API}{route}"].extend(failures)

    # ---- reading ---------------------------------------------------------------------------
    def channel_named(self, prefix: str) -> dict[str, Any]:
        """The one channel whose name starts with `prefix`."""
        found = [c for c in self.channels.values() if str(c.get("name", "")).startswith(prefix)]
        assert len(found) == 1, f"channels starting {prefix!r}: {[c.get('name') for c in found]}"
        return found[0]

    def posts(self, channel: dict[str, Any] | int) -> list[Sent]:
        """What the bot posted in a channel, in order."""
        channel_id = channel if isinstance(channel, int) else int(channel["id"])
        return [
            s
            for s in self.sent
            if s.channel_id == channel_id and s.message["author"]["id"] == self.bot["id"]
        ]

    def can_view(self, channel: dict[str, Any], who: str) -> bool:
        """Whether a person (by name), or the bot (`"bot"`), sees the channel."""
        user_id = str(self.bot["id"]) if who == "bot" else str(self.uid(who))
        base = self.bot_permissions if who == "bot" else perms.EVERYONE_PERMISSIONS
        return perms.can_view(channel, str(self.guild_id), user_id, base)

    def bot_sees(self, channel_id: int) -> bool:
        """Whether the bot may act on the channel (DMs and unknown ids: yes, 404 elsewhere)."""
        channel = self.channels.get(channel_id)
        if channel is None or not channel.get("guild_id"):
            return True
        return self.can_view(channel, "bot")

    def dms(self, name: str) -> list[Sent]:
        """What the bot sent a person by direct message."""
        return self.posts(self.dm_channel(self.uid(name)))
