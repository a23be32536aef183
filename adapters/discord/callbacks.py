"""A small HTTP/1.1 client for interaction deferrals: a few kept-alive connections, no more.

A deferral is one fixed POST whose answer only matters as a status code. aiohttp spends some
250 µs of CPU on each request (building the request object, cookies, tracing, the response
object); this spends a tenth of that, which is what a burst of 50 commands queues on.
Anything it does not understand (a redirect, a malformed answer, a closed connection) is a
failed deferral, and the handler then defers through discord.py as before.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

HEAD_LIMIT = 64 * 1024
IDLE_LIMIT = 30.0  # seconds a kept-alive connection may sit unused before it is not trusted
# What a dead connection raises: uvloop says RuntimeError when writing to a reset transport.
_CONNECTION_ERRORS = (OSError, EOFError, RuntimeError)


class CallbackError(Exception):
    """The callback could not be sent, or its answer was not understood."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        """Neither closed by the server as far as we know, nor idle for too long."""
        return (
            now - self.idle_since < IDLE_LIMIT
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        self.writer.close()

    def abort(self) -> None:
        """Drop the connection without the TLS goodbye (shutting down)."""
        self.writer.transport.abort()


class CallbackPoster:
    """POSTs JSON to paths under one base URL over at most `connections` kept-alive sockets."""

    def __init__(self, base_url: str, *, user_agent: str, connections: int = 8) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        self._prefix = parts.path.rstrip("/")
        default_port = self._port == (443 if self._tls else 80)
        host_header = f"[{self._host}]" if ":" in self._host else self._host  # IPv6 literal
        if not default_port:
            host_header = f"{host_header}:{self._port}"
        self._head = (
            f"Host: {host_header}\r\nUser-Agent: {user_agent}\r\n"
            "Content-Type: application/json\r\nConnection: keep-alive\r\n"
        ).encode("latin-1")
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if self._tls else None
        self._closed = False

    async def post(self, path: str, body: bytes) -> int:
        """POST `body` to base + `path`; the response's status code. Raises CallbackError.

        No timeout of its own: the caller's `asyncio.timeout` around this call covers the wait
        for a free connection too, so it leaves the caller time to answer another way."""
        request = (
            f"POST {self._prefix}{path} HTTP/1.1\r\n".encode("latin-1")
            + self._head
            + f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
            + body
        )
        try:
            async with self._slots:
                return await self._exchange(request)
        except (*_CONNECTION_ERRORS, ValueError, asyncio.LimitOverrunError) as error:
            raise CallbackError(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        """Drop the idle connections; later posts fail."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.abort()

    async def _exchange(self, request: bytes) -> int:
        connection = await self._connection()
        try:
            status, keep = await self._send(connection, request)
        except _CONNECTION_ERRORS:
            connection.close()
            if not connection.reused:
                raise
            # The server closed a kept-alive connection while it was idle: once more, afresh.
            connection = await self._connection(fresh=True)
            try:
                status, keep = await self._send(connection, request)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        if keep and not self._closed:
            connection.reused = True
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.append(connection)
        else:
            connection.close()
        return status

    async def _connection(self, *, fresh: bool = False) -> _Connection:
        if self._closed:
            raise OSError("closed")
        now = asyncio.get_running_loop().time()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if connection.usable(now):
                return connection
            connection.close()
        reader, writer = await asyncio.open_connection(
            self._host,
            self._port,
            ssl=self._ssl,
            server_hostname=self._host if self._tls else None,
            limit=HEAD_LIMIT,
        )
        return _Connection(reader, writer)

    @staticmethod
    async def _send(connection: _Connection, request: bytes) -> tuple[int, bool]:
        """Write the request, read the response; (status, whether to keep the connection)."""
        connection.writer.write(request)
        while True:
            version, status, headers = await _read_head(connection.reader)
            if status == 101 or not 100 <= status < 200:
                break
            # 100 Continue, 102 Processing, 103 Early Hints: the real answer follows.
        if status == 101:
            raise ValueError("the server switched protocols")
        keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        if headers.get("transfer-encoding", "").lower() == "chunked":
            await _skip_chunked(connection.reader)
        elif "content-length" in headers:
            await connection.reader.readexactly(int(headers["content-length"]))
        elif status not in (204, 304):
            raise ValueError("a response without a length")  # would be read until close
        return status, keep


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, int, dict[str, str]]:
    """A response's status line and headers: (version, status, lower-cased headers)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x response: {lines[0]!r}")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return version, status, headers


async def _skip_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return
        await reader.readexactly(size + 2)
