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
from incidents.people import TOOL, Person

MAX_BODY = 64 * 1024


async def healthz(request: web.Request) -> web.Response:
    """200 once the store is open and the scheduler runs; 503 before."""
    app = request.app[CONTEXT_KEY]
    if not app.ready():
        return web.json_response({"status": "starting"}, status=503)
    backlog = await app.store.outbox_backlog()
    return web.json_response({"status": "ok", "outbox_pending": backlog})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def api_command(request: web.Request) -> web.Response:
    """POST /api/commands {"text": "open sev1 DB down", "actor": "...", "request_id": "..."}."""
    app = request.app[CONTEXT_KEY]
    token = app.settings.api_token
    if token is None:
        return _error(404, "The command API is off; set SEVBOT_API_TOKEN to turn it on.")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        return _error(401, "Send `Authorization: Bearer <SEVBOT_API_TOKEN>`.")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"The body is larger than {MAX_BODY} bytes.")
    try:
        body: Any = json.loads(await request.text())
    except ValueError:
        return _error(400, 'Send JSON like {"text": "open sev1 DB down", "actor": "alertmanager"}.')
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return _error(400, 'Send JSON with a "text" field holding an /incident command.')
    try:  # a tool names itself (`alertmanager` → `api:alertmanager`), or acts as `slack:U1`
        actor = Person.parse(str(body.get("actor") or "api"), bare=TOOL)
    except ValueError as error:
        return _error(400, f'"actor": {error}')
    request_id = body.get("request_id")
    outcome = await app.service.handle_text(
        body["text"],
        actor=actor,
        platform=str(body.get("platform") or app.default_platform),
        request_key=f"api:{request_id}" if request_id else None,
    )
    return web.json_response(
        {
            "ok": outcome.ok,
            "incident": outcome.incident,
            "duplicate": outcome.duplicate,
            "reply": outcome.reply_text,
        },
        status=200 if outcome.ok else 422,
    )


def make_web_app(context: WebContext, adapters: Sequence[ChatAdapter] = ()) -> web.Application:
    """The aiohttp application with every route sevbot serves, the chat adapters' included."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[CONTEXT_KEY] = context
    web_app.router.add_get("/healthz", healthz)
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
