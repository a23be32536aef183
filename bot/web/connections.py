"""The HTTP server's connections: timeouts and limits, reading request bodies, and logs that
hold no secret and are not flooded by what any client can send."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_protocol import RequestPayloadError

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# Query parameters whose values are secrets (the metrics and iCal `token`, the sign-in link's
# `t`) or look like one; their values never reach a log.
SECRET_PARAMETERS = frozenset(
    {"token", "t", "key", "secret", "password", "code", "access_token", "api_key", "signature"}
)
REDACTED = "REDACTED"
MAX_LINE = 8190  # request line and each header line, in bytes (aiohttp's default, stated)
MAX_HEADERS = 64
_TEXT_BODIES = ("application/x-www-form-urlencoded", "application/json", "text/")


def redact(target: str) -> str:
    """A request target with the values of secret query parameters replaced by REDACTED."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        if equals and unquote_plus(name).strip().lower() in SECRET_PARAMETERS:
            part = f"{name}={REDACTED}"
        parts.append(part)
    return f"{path}?{'&'.join(parts)}"


def _printable(text: str, limit: int = 300) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text[:limit])


def loggable_target(request: web.BaseRequest) -> str:
    """The path and query of a request as a log may show it: secrets redacted, printable."""
    return _printable(redact(request.raw_path), limit=2000)


def client_went_away(request: web.BaseRequest) -> web.Response:
    """Log at DEBUG that the client disconnected mid-request; the answer goes nowhere."""
    log.debug(
        "client %s went away during %s %s",
        request.remote,
        request.method,
        loggable_target(request),
    )
    return web.Response(status=400, text="The request was cut short.\n")


class RedactingAccessLogger(AbstractAccessLogger):
    """aiohttp's access log line, with secret query values REDACTED and no Referer (which can
    hold someone else's secret URL): `peer "METHOD target HTTP/1.1" status bytes seconds "UA"`."""

    @property
    def enabled(self) -> bool:
        """Format nothing when the access log is off."""
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write one line for a request answered."""
        version = request.version
        self.logger.info(
            '%s "%s %s HTTP/%s.%s" %s %s %.3fs "%s"',
            request.remote or "-",
            request.method,
            loggable_target(request),
            version.major,
            version.minor,
            response.status,
            response.body_length,
            time,
            _printable(request.headers.get("User-Agent", "-")),
        )


class _ServerLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server log, where a client's malformed request (or hang-up) is a DEBUG line and
    not an ERROR traceback: anyone can send one, so each must not flood the log."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Lower a client's fault to DEBUG; pass everything else on unchanged."""
        faulty = isinstance(kwargs.get("exc_info"), HttpProcessingError | ConnectionError)
        super().log(logging.DEBUG if faulty else level, msg, *args, **kwargs)


def connection_options(settings: Settings) -> dict[str, Any]:
    """`web.AppRunner` keyword arguments: the idle timeout (which in aiohttp also bounds the
    time a client takes to send its request line and headers, the same timer running from the
    connection's start or the previous response), line and header limits, and the logs."""
    return {
        "keepalive_timeout": settings.http_idle_timeout.total_seconds(),
        "max_line_size": MAX_LINE,
        "max_field_size": MAX_LINE,
        "max_headers": MAX_HEADERS,
        "access_log_class": RedactingAccessLogger,
        "logger": _ServerLog(logging.getLogger("aiohttp.server")),
    }


LARGER_BODIES: dict[str, int] = {"/hooks/": 1024 * 1024}
"""Path prefixes whose bodies may be larger than the server's 64 KiB (`client_max_size`): the
alert hooks take 1 MiB, as an Alertmanager group of many alerts needs; beyond, 413."""


def read_body(*, timeout: float) -> Middleware:
    """Read each request's body before its handler runs, within `timeout` seconds (408 after;
    a slow client holds nothing longer), and refuse a text body that is not valid in its
    charset (400) and multipart bodies, which no route takes (415). Handlers then read the
    body from memory: `request.read()`, `.text()` and `.post()` cannot fail on it."""

    @web.middleware
    async def read(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        for prefix, limit in LARGER_BODIES.items():
            if request.path.startswith(prefix):
                request = request.clone(client_max_size=limit)
                break
        content_type = request.content_type
        if content_type.startswith("multipart/"):
            raise web.HTTPUnsupportedMediaType(
                text="Send application/x-www-form-urlencoded or JSON.\n"
            )
        try:
            async with asyncio.timeout(timeout):
                body = await request.read()
        except TimeoutError:
            log.debug("client %s sent its body too slowly", request.remote)
            answer = web.HTTPRequestTimeout(text="The request body came too slowly.\n")
            answer.force_close()
            raise answer from None
        except ConnectionError:
            return client_went_away(request)
        except (RequestPayloadError, HttpProcessingError):
            raise web.HTTPBadRequest(text="The request body is malformed.\n") from None
        if content_type.startswith(_TEXT_BODIES):
            charset = request.charset or "utf-8"
            try:
                body.decode(charset)
            except (LookupError, UnicodeDecodeError):
                raise web.HTTPBadRequest(
                    text=f"The request body is not valid {_printable(charset, 40)} text.\n"
                ) from None
        return await handler(request)

    return read
