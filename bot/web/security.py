"""Security headers on every response: pages, errors, and unexpected failures turned into 500."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.web.connections import client_went_away, loggable_target

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
HSTS = "max-age=31536000"


def security_headers(*, public_url: str | None) -> Middleware:
    """The outermost middleware: adds the headers (and HSTS when the public URL is https) to
    every response. An exception a handler did not expect is logged once, here, and answered
    with a plain 500 that says nothing of it; a client that hung up is a DEBUG line."""
    headers = dict(HEADERS)
    if (public_url or "").startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS

    @web.middleware
    async def add_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            error.headers.update(headers)
            raise
        except ConnectionError:
            response = client_went_away(request)
        except Exception:
            log.exception(
                "unexpected error answering %s %s", request.method, loggable_target(request)
            )
            response = web.Response(
                status=500, text="500 Internal Server Error: the error is in sevbot's log.\n"
            )
        if not response.prepared:
            response.headers.update(headers)
        return response

    return add_headers
