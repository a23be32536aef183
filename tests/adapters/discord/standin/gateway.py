"""The stand-in's gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME.

Events carry a sequence number and stay buffered, so a client that RESUMEs after a dropped
connection gets what it missed (as Discord does), then RESUMED.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.adapters.discord.standin import payloads as p

if TYPE_CHECKING:
    from tests.adapters.discord.standin.server import StandIn

HELLO, HEARTBEAT, IDENTIFY, RESUME, DISPATCH, HEARTBEAT_ACK = 10, 1, 2, 6, 0, 11
MESSAGE_CONTENT_INTENT = 1 << 15


class Gateway:
    """One session at a time; state tests can read (identifies, resumes, intents)."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.socket: web.WebSocketResponse | None = None
        self.session_id: str | None = None
        self.sequence = 0
        self.buffer: list[tuple[int, str, dict[str, Any]]] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.connections = 0
        self.refuse_message_content = False  # close 4014 like an app without the intent

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One gateway connection."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.connections += 1
        await socket.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            packet = json.loads(frame.data)
            op = packet.get("op")
            if op == HEARTBEAT:
                await socket.send_str(json.dumps({"op": HEARTBEAT_ACK}))
            elif op == IDENTIFY:
                await self._identify(socket, packet["d"])
            elif op == RESUME:
                await self._resume(socket, packet["d"])
        if self.socket is socket:
            self.socket = None
        return socket

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if self.refuse_message_content and int(data.get("intents", 0)) & MESSAGE_CONTENT_INTENT:
            await socket.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.socket = socket
        self.session_id = f"session-{p.snowflake()}"
        self.sequence = 0
        self.buffer.clear()
        s = self.standin
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": s.bot,
                "guilds": [{"id": str(s.guild_id), "unavailable": True}],
                "session_id": self.session_id,
                "resume_gateway_url": s.gateway_url,
                "application": {"id": str(s.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        await self.dispatch("GUILD_CREATE", s.guild_payload())

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        if data.get("session_id") != self.session_id:
            await socket.send_str(json.dumps({"op": 9, "d": False}))  # INVALID_SESSION
            return
        self.socket = socket
        for seq, event, payload in self.buffer:
            if seq > int(data.get("seq") or 0):
                await self._send(event, payload, seq)
        await self.dispatch("RESUMED", {})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Number the event, keep it for RESUME, and send it if a client is connected."""
        self.sequence += 1
        self.buffer.append((self.sequence, event, data))
        await self._send(event, data, self.sequence)

    async def _send(self, event: str, data: dict[str, Any], seq: int) -> None:
        socket = self.socket
        if socket is None or socket.closed:
            return
        if event == "INTERACTION_CREATE":
            self.standin.dispatched_at[int(data["id"])] = time.perf_counter()
        try:
            await socket.send_str(json.dumps({"op": DISPATCH, "t": event, "s": seq, "d": data}))
        except ConnectionError:
            self.socket = None

    async def drop(self, code: int = 4000) -> None:
        """Close the connection as Discord does before asking the client to resume."""
        socket, self.socket = self.socket, None
        if socket is not None:
            await socket.close(code=code, message=b"stand-in dropped the connection")

    async def close(self) -> None:
        """Close for good (server shutdown)."""
        await self.drop(code=1001)
