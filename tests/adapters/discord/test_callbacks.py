"""The deferrals' HTTP/1.1 client against real local servers: requests, keep-alive, limits,
and every answer it does not understand turned into a CallbackError."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from adapters.discord import callbacks
from adapters.discord.callbacks import CallbackError, CallbackPoster

BODY = json.dumps({"type": 5, "data": {"flags": 64}}).encode()


class Recorder:
    """An aiohttp server under /api/v10 that records each request and its connection."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.peers: set[tuple[str, int]] = set()
        self.hold: asyncio.Event | None = None
        self.three_waiting = asyncio.Event()
        self.arrived = asyncio.Event()  # a request came in
        self.active = 0
        self.status = 204

    async def handle(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername"))  # type: ignore[union-attr]
        self.requests.append(
            {"path": request.path, "headers": dict(request.headers), "json": await request.json()}
        )
        self.active += 1
        self.arrived.set()
        if self.active >= 3:
            self.three_waiting.set()
        try:
            if self.hold is not None:
                await self.hold.wait()
        finally:
            self.active -= 1
        if self.status == 204:
            return web.Response(status=204)
        return web.json_response(
            {"message": "Interaction has already been acknowledged."}, status=self.status
        )


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    """The recording server and its base URL."""
    state = Recorder()
    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield state, f"http://127.0.0.1:{port}/api/v10"
    finally:
        await runner.cleanup()


async def test_a_deferral_is_posted_as_discord_expects(recorder: tuple[Recorder, str]) -> None:
    """Path under the base, JSON body, Host and User-Agent; the status comes back."""
    state, base = recorder
    poster = CallbackPoster(base, user_agent="DiscordBot (sevbot, 1)")
    try:
        assert await poster.post("/interactions/42/tok/callback", BODY) == 204
    finally:
        poster.close()
    (request,) = state.requests
    assert request["path"] == "/api/v10/interactions/42/tok/callback"
    assert request["json"] == {"type": 5, "data": {"flags": 64}}
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == "DiscordBot (sevbot, 1)"
    assert request["headers"]["Host"] == base.split("/")[2]


async def test_connections_are_kept_alive_and_reused(recorder: tuple[Recorder, str]) -> None:
    """Five deferrals one after another share one connection; an error status is returned."""
    state, base = recorder
    poster = CallbackPoster(base, user_agent="test")
    try:
        for number in range(5):
            assert await poster.post(f"/interactions/{number}/t/callback", BODY) == 204
        state.status = 400
        assert await poster.post("/interactions/9/t/callback", BODY) == 400
    finally:
        poster.close()
    assert len(state.requests) == 6
    assert len(state.peers) == 1


async def test_no_more_than_the_allowed_connections_are_opened(
    recorder: tuple[Recorder, str],
) -> None:
    """Ten deferrals at once over at most three connections: the rest wait for a free one."""
    state, base = recorder
    state.hold = asyncio.Event()
    poster = CallbackPoster(base, user_agent="test", connections=3)
    try:
        posts = [
            asyncio.create_task(poster.post(f"/interactions/{n}/t/callback", BODY))
            for n in range(10)
        ]
        async with asyncio.timeout(5):
            await state.three_waiting.wait()
        state.hold.set()
        assert await asyncio.gather(*posts) == [204] * 10
    finally:
        poster.close()
    assert len(state.requests) == 10
    assert len(state.peers) == 3


class Canned:
    """A poster talking to a server that answers every request with the same bytes; with
    `close_after` the server closes each connection after one answer (a kept-alive connection
    it dropped while idle). `connections` counts the connections it accepted."""

    def __init__(
        self,
        response: bytes,
        *,
        close_after: bool = False,
        reset: bool = False,
    ) -> None:
        self.response = response
        self.close_after = close_after
        self.reset = reset  # close with a RST rather than a FIN
        self.closed = asyncio.Event()
        self.connections = 0

    async def __aenter__(self) -> CallbackPoster:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}/api/v10"
        self.poster = CallbackPoster(base, user_agent="test")
        return self.poster

    async def __aexit__(self, *exc: object) -> None:
        self.poster.close()
        self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                if self.response:
                    writer.write(self.response)
                    await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if self.reset:
                linger = struct.pack("ii", 1, 0)
                writer.get_extra_info("socket").setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, linger
                )
            writer.close()
            self.closed.set()


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    """The next deferral on a dropped kept-alive connection goes out once more, on a new one."""
    server = Canned(b"HTTP/1.1 204 No Content\r\n\r\n", close_after=True)
    async with server as poster:
        assert await poster.post("/interactions/1/t/callback", BODY) == 204
        assert await poster.post("/interactions/2/t/callback", BODY) == 204
    assert server.connections == 2


@pytest.mark.parametrize(
    ("response", "connections"),
    [
        (
            b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n',
            1,
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 2),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 2),
    ],
    ids=["chunked", "connection-close", "http-1.0"],
)
async def test_bodies_of_every_shape_are_read(response: bytes, connections: int) -> None:
    """Chunked and sized bodies are read whole; a closing answer is not kept alive."""
    server = Canned(response)
    async with server as poster:
        assert await poster.post("/interactions/1/t/callback", BODY) == 200
        assert await poster.post("/interactions/2/t/callback", BODY) == 200
    assert server.connections == connections


@pytest.mark.parametrize(
    "response",
    [
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nno length, read until close",
        b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
        b"",  # the connection closes without an answer
    ],
    ids=["not-http", "no-length", "bad-status", "closed"],
)
async def test_answers_it_does_not_understand_are_callback_errors(response: bytes) -> None:
    """Never an exception of another kind: the caller falls back to discord.py's deferral."""
    async with Canned(response, close_after=not response) as poster:
        with pytest.raises(CallbackError):
            await poster.post("/interactions/1/t/callback", BODY)


async def test_interim_answers_are_skipped_and_a_protocol_switch_refused() -> None:
    """A 103 Early Hints before the real answer is not taken for it (nor left for the next
    request on the connection); a 101 is not HTTP any more."""
    hints = b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    final = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}"
    async with Canned(hints + final) as poster:
        assert await poster.post("/interactions/1/t/callback", BODY) == 400
        assert await poster.post("/interactions/2/t/callback", BODY) == 400
    async with Canned(b"HTTP/1.1 101 Switching Protocols\r\n\r\n") as poster:
        with pytest.raises(CallbackError, match="switched protocols"):
            await poster.post("/interactions/1/t/callback", BODY)


async def test_a_connection_idle_too_long_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A middlebox may drop an idle connection without a word: past IDLE_LIMIT a new one."""
    monkeypatch.setattr(callbacks, "IDLE_LIMIT", 0.0)
    server = Canned(b"HTTP/1.1 204 No Content\r\n\r\n")
    async with server as poster:
        assert await poster.post("/interactions/1/t/callback", BODY) == 204
        assert await poster.post("/interactions/2/t/callback", BODY) == 204
    assert server.connections == 2


async def test_a_deferral_waiting_for_a_free_connection_can_be_given_up(
    recorder: tuple[Recorder, str],
) -> None:
    """With the only connection busy, the caller's timeout ends a second deferral still waiting
    for it (the handler then answers another way); nothing of it was sent, and the poster goes
    on working."""
    state, base = recorder
    state.hold = asyncio.Event()
    poster = CallbackPoster(base, user_agent="test", connections=1)
    try:
        first = asyncio.create_task(poster.post("/interactions/1/t/callback", BODY))
        async with asyncio.timeout(5):
            await state.arrived.wait()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await poster.post("/interactions/2/t/callback", BODY)
        state.hold.set()
        assert await first == 204
        assert await poster.post("/interactions/3/t/callback", BODY) == 204
    finally:
        state.hold.set()
        poster.close()
    assert [r["path"].split("/")[4] for r in state.requests] == ["1", "3"]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_connection_reset_while_idle_is_replaced(loop: str) -> None:
    """The server resets (RST) a kept-alive connection while it is idle; the next deferral goes
    out on a new one, on asyncio's loop and on uvloop (which `sevbot run` uses, and whose reset
    transports raise other errors than asyncio's)."""
    factory = asyncio.new_event_loop
    if loop == "uvloop":
        factory = pytest.importorskip("uvloop").new_event_loop

    async def scenario() -> int:
        server = Canned(b"HTTP/1.1 204 No Content\r\n\r\n", close_after=True, reset=True)
        async with server as poster:
            assert await poster.post("/interactions/1/t/callback", BODY) == 204
            async with asyncio.timeout(5):
                await server.closed.wait()
            await asyncio.sleep(0.05)  # let the RST reach the idle connection
            assert await poster.post("/interactions/2/t/callback", BODY) == 204
        return server.connections

    with asyncio.Runner(loop_factory=factory) as runner:
        assert runner.run(scenario()) == 2


async def test_after_close_nothing_is_sent(recorder: tuple[Recorder, str]) -> None:
    """A closed poster refuses politely (a CallbackError), and only http(s) URLs are taken."""
    state, base = recorder
    poster = CallbackPoster(base, user_agent="test")
    poster.close()
    with pytest.raises(CallbackError):
        await poster.post("/interactions/1/t/callback", BODY)
    assert state.requests == []
    with pytest.raises(ValueError, match="not an http"):
        CallbackPoster("ftp://example.com/api", user_agent="test")
