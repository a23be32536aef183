"""`POST /slack/events`: signature check, a fast path for slash commands, bolt for the rest.

Why a typical bolt app acknowledges in ~11 ms: see listeners.py (bolt's listener runner polls
for `ack()` every 10 ms unless `process_before_response` is on). Even with that fixed, each
request through bolt pays for its middleware chain (ssl_check, signature verification,
authorization, self-event filtering, url_verification, function tokens), a fresh
AsyncWebClient built per request in `_init_context`, and matching against every listener.

Slash commands are what people wait on, so they skip all of that: the signature and the
timestamp (at most five minutes off) are checked with slack_sdk's SignatureVerifier, the
few form fields used are read, the command text is parsed (pure, microseconds), the command
is written to the inbox (one small INSERT: acknowledged means durable), and the
acknowledgement is the HTTP response itself. The work is queued for SlackInbound's workers,
which get the loop only after this handler has returned and the response is written.
Interactivity and events go through slack-bolt (`process_before_response=True`), which
verifies the signature again. bench/slack_ack.py measures all three.
"""

from __future__ import annotations

import json

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.interactions import SlackInbound
from adapters.slack.parse import SlashCommand, slash_form

PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"
_UNAUTHORIZED = json.dumps({"ok": False, "error": "invalid signature or stale timestamp"})


class SlackEvents:
    """The aiohttp handler for Slack's single request URL."""

    def __init__(self, *, signing_secret: str, inbound: SlackInbound, bolt: AsyncApp) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._inbound = inbound
        self._bolt = bolt

    def verified(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        """True for a correctly signed request at most five minutes old (SignatureVerifier).
        Headers are any text a client sends: anything but ASCII digits and an ASCII signature is
        refused before hmac.compare_digest, which raises on non-ASCII strings."""
        if not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit():
            return False
        if not signature.isascii():
            return False
        return self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Verify, then acknowledge a slash command directly or hand the request to bolt."""
        body = await request.read()  # bounded by the web app's client_max_size (413 beyond)
        headers = request.headers
        if not self.verified(
            body, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")
        ):
            return web.Response(status=401, text=_UNAUTHORIZED, content_type="application/json")
        if request.content_type == FORM:
            form = slash_form(body.decode("utf-8", "replace"))
            if form is not None:
                answer = await self._inbound.slash_command(SlashCommand.from_form(form))
                if answer is None:
                    return web.Response(status=200)
                return web.Response(
                    status=200, text=json.dumps(answer), content_type="application/json"
                )
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8", "replace"),
            query=request.query_string,
            headers={key.lower(): value for key, value in headers.items()},
        )
        return await to_aiohttp_response(await self._bolt.async_dispatch(bolt_request))
