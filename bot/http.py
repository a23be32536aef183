"""The HTTP server: health, and a small token-protected command API for tools and alerts."""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.chat import ChatAdapter
from bot.metrics import metrics_view
from bot.oncall.ics import feed_handler
from bot.web.context import CONTEXT_KEY, WebContext
from bot.web.pages import setup_web
from incidents.people import Person

MAX_BODY = 64 * 1024


async def healthz(request: web.Request) -> web.Response:
    """Readiness, for load balancers and monitors: 200 when the store can be read and written
    and neither the scheduler nor the dispatcher has been failing for long; else 503 with the
    status (`starting`, `store unavailable`, `failing`) and the reason (bot/health.py)."""
    verdict = await request.app[CONTEXT_KEY].health_check.verdict()
    return web.json_response(verdict.body(), status=200 if verdict.ok else 503)


async def livez(request: web.Request) -> web.Response:
    """Liveness, for process supervisors: 200 while the process serves HTTP, whatever the
    store's state (restarting sevbot does not cure a database outage)."""
    return web.json_response({"status": "alive"})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


ON_BEHALF_MAX = 200


def _identity(app: WebContext, header: str) -> Person | None:
    """The identity of the bearer token in `header`: `api:api` for SEVBOT_API_TOKEN,
    `api:<name>` for an `[[api_client]]`; None when it matches none (checked in constant time
    against every token)."""
    given = header.removeprefix("Bearer ").strip().encode("utf-8", "surrogateescape")
    found = None
    for token, identity in app.api_tokens.items():
        if hmac.compare_digest(given, token.encode()):
            found = identity
    return found


def _on_behalf(value: Any) -> str | None:
    """The request's `actor`, kept as "on behalf of" text (printable, at most 200 characters)."""
    if value is None or value == "":
        return None
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()
    return text[:ON_BEHALF_MAX] or None


async def api_command(request: web.Request) -> web.Response:
    """POST /api/commands {"text": "open sev1 DB down", "actor": "...", "request_id": "..."}.

    The bearer token is the identity (`api` or `api:<name>`); `actor` is recorded as whom the
    tool acts for and grants nothing; `platform` must be a configured chat platform; a repeated
    `request_id` answers with the first answer."""
    app = request.app[CONTEXT_KEY]
    if not app.api_tokens:
        return _error(
            404,
            "The command API is off; set SEVBOT_API_TOKEN or add an [[api_client]] to turn it on.",
        )
    identity = _identity(app, request.headers.get("Authorization", ""))
    if identity is None:
        return _error(
            401,
            "Send `Authorization: Bearer <token>` with SEVBOT_API_TOKEN or an API client's token.",
        )
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"The body is larger than {MAX_BODY} bytes.")
    try:
        body: Any = json.loads(await request.read())
    except ValueError:  # not JSON, or not UTF-8
        return _error(
            400, 'Send UTF-8 JSON like {"text": "open sev1 DB down", "actor": "alertmanager"}.'
        )
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return _error(400, 'Send JSON with a "text" field holding an /incident command.')
    platform = body.get("platform") or app.default_platform
    if not isinstance(platform, str) or platform not in app.platforms:
        valid = ", ".join(app.platforms)
        return _error(400, f'"platform" must be a configured chat platform: {valid}.')
    request_id = body.get("request_id")
    if request_id is not None and (
        not isinstance(request_id, (str, int)) or len(str(request_id)) > 200
    ):
        return _error(400, '"request_id" is a string of at most 200 characters.')
    outcome = await app.service.handle_text(
        body["text"],
        actor=identity,
        platform=platform,
        request_key=f"{identity}:{request_id}" if request_id not in (None, "") else None,
        on_behalf_of=_on_behalf(body.get("actor")),
    )
    return web.json_response(
        {
            "ok": outcome.ok,
            "incident": outcome.incident,
            "duplicate": outcome.duplicate,
            "reply": outcome.reply_text,
        },
        status=200 if outcome.ok else 503 if outcome.unavailable else 422,
    )


def make_web_app(context: WebContext, adapters: Sequence[ChatAdapter] = ()) -> web.Application:
    """The aiohttp application with every route sevbot serves, the chat adapters' included."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[CONTEXT_KEY] = context
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/livez", livez)
    web_app.router.add_post("/api/commands", api_command)
    web_app.router.add_get("/oncall/{rotation}.ics", feed_handler(context))  # bot/oncall/ics.py
    if context.metrics is not None:
        web_app.router.add_get(
            "/metrics", metrics_view(context.metrics, context.settings.metrics_token)
        )
    setup_web(web_app, context)
    for adapter in adapters:
        adapter.mount(web_app)
    return web_app
