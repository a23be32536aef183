"""The stand-in's REST v10: the routes discord.py calls for sevbot, with failure injection.

discord.py parses a body as JSON only when Content-Type is exactly `application/json`, and it
honours a 429 only with a `Via` header and a JSON `retry_after`; the responses here do both.
An interaction token is valid for 15 minutes (discord.com/developers/docs/interactions/
receiving-and-responding, "Followup Messages"); with `tokens_expired` set, follow-ups are
refused as after that: 401 Invalid Webhook Token (50027).

Every body that carries a message, a modal, a channel or the commands is checked against
Discord's published limits first (`limits.py`, `forms.py`) and refused as Discord refuses it
(400, 50035, the field path); each refusal is kept in `StandIn.refused`.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.adapters.discord.standin import forms
from tests.adapters.discord.standin import payloads as p
from tests.adapters.discord.standin import permissions as perms

if TYPE_CHECKING:
    from tests.adapters.discord.standin.server import StandIn

API = "/api/v10"


@dataclass
class Failure:
    """An injected answer: a 429 (with or without Via), a 5xx, a 403… `after`: do it, then fail.

    Once by default; with `seconds`, every call for that many seconds of real (monotonic) time
    from the first one it answers, then it is used up.
    """

    status: int
    retry_after: float | None = None
    via: bool = True
    after: bool = False
    code: int = 0
    seconds: float | None = None
    started: float | None = None  # when a `seconds` failure first answered (monotonic)
    answered: int = 0  # how many calls it answered

    def holds(self) -> bool:
        """Whether it answers the next call (a timed one: within its seconds)."""
        if self.seconds is None:
            return True
        now = time.monotonic()
        if self.started is None:
            self.started = now
        return now - self.started < self.seconds


def next_failure(queue: deque[Failure] | None) -> Failure | None:
    """The failure that answers this call, if any; a one-off or a used-up timed one leaves."""
    while queue:
        head = queue[0]
        if head.seconds is None:
            return queue.popleft()
        if head.holds():
            return head
        queue.popleft()
    return None


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer with exactly `Content-Type: application/json`, as Discord sends."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def failure_response(failure: Failure) -> web.Response:
    """The injected failure as Discord would word it."""
    if failure.status == 429:
        retry_after = failure.retry_after if failure.retry_after is not None else 1.0
        # As Discord (docs "Rate Limits", "Header Format"): the bucket's headers, and on a 429
        # its scope and Retry-After; the body says how long in fractional seconds.
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "stand-in-bucket",
            "X-RateLimit-Scope": "user",
        }
        if failure.via:
            headers["Via"] = "1.1 google"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        return json_response(body, 429, headers)
    names = {
        401: "401: Unauthorized",
        403: "Missing Access",
        404: "Unknown Channel",
        400: "Invalid Form Body",
    }
    body = {"message": names.get(failure.status, "Server error"), "code": failure.code}
    return json_response(body, failure.status)


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The JSON payload and any files (multipart `payload_json` + `files[n]`)."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        body = json.loads(str(form.get("payload_json") or "{}"))
        files = []
        for key, value in form.items():
            if key.startswith("files[") and hasattr(value, "file"):
                files.append({"filename": value.filename, "content": value.file.read()})
        return body, files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else {}), []
    return {}, []


def routes(standin: StandIn) -> web.RouteTableDef:
    """Every REST route, bound to the stand-in's state."""
    r = web.RouteTableDef()
    s = standin

    @r.get(API + "/users/@me")
    async def me(request: web.Request) -> web.Response:
        return json_response(s.bot)

    @r.get(API + "/oauth2/applications/@me")
    async def application(request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(s.application_id),
                "name": "sevbot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": s.bot,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    @r.get(API + "/gateway/bot")
    async def gateway_bot(request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": s.gateway_url, "shards": 1, "session_start_limit": limit})

    @r.get(API + "/applications/{app}/commands")
    @r.get(API + "/applications/{app}/guilds/{guild}/commands")
    async def get_commands(request: web.Request) -> web.Response:
        return json_response(s.commands.get(request.match_info.get("guild"), []))

    @r.put(API + "/applications/{app}/commands")
    @r.put(API + "/applications/{app}/guilds/{guild}/commands")
    async def put_commands(request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        forms.check_commands(body)
        guild = request.match_info.get("guild")
        stored = []
        for command in body:
            # Discord leaves out defaults (required: false, empty lists) in what it returns.
            stored.append(_as_discord_returns(command) | {"id": str(p.snowflake()), "version": "1"})
        s.commands[guild] = stored
        s.command_uploads.append(guild)
        return json_response(stored)

    @r.get(API + "/guilds/{guild}/channels")
    async def guild_channels(request: web.Request) -> web.Response:
        return json_response([c for c in s.channels.values() if c.get("guild_id")])

    @r.post(API + "/guilds/{guild}/channels")
    async def create_channel(request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        forms.check_channel(body, create=True)
        name = str(body.get("name", ""))
        try:
            overwrites = perms.overwrites_of_create(body.get("permission_overwrites"))
            perms.check_create(s.bot_permissions, overwrites)
        except perms.FormError as error:
            return json_response(error.body, 400)
        except perms.Refused as error:
            return json_response(error.body, 403)
        created = await s.add_channel(
            name,
            kind=int(body.get("type", 0)),
            parent_id=_int(body.get("parent_id")),
            topic=body.get("topic"),
            permission_overwrites=overwrites,
        )
        return json_response(created, 201)

    @r.get(API + "/channels/{channel}")
    async def get_channel(request: web.Request) -> web.Response:
        found = s.channels.get(int(request.match_info["channel"]))
        return json_response(found) if found else failure_response(Failure(404, code=10003))

    @r.patch(API + "/channels/{channel}")
    async def edit_channel(request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        channel_id = int(request.match_info["channel"])
        if channel_id not in s.channels:
            return failure_response(Failure(404, code=10003))
        forms.check_channel(body, create=False)
        s.channels[channel_id].update({k: v for k, v in body.items() if k in ("name", "topic")})
        s.topic_edits.append((channel_id, body.get("topic")))
        await s.dispatch("CHANNEL_UPDATE", s.channels[channel_id])
        return json_response(s.channels[channel_id])

    @r.get(API + "/channels/{channel}/messages/pins")
    async def get_pins(request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        items = [
            {"pinned_at": p.TIMESTAMP, "message": s.message(channel_id, mid)}
            for mid in reversed(s.pins.get(channel_id, []))
        ]
        return json_response({"items": items, "has_more": False})

    @r.put(API + "/channels/{channel}/messages/pins/{message}")
    async def pin(request: web.Request) -> web.Response:
        await s.pin(int(request.match_info["channel"]), int(request.match_info["message"]))
        return web.Response(status=204)

    @r.get(API + "/channels/{channel}/messages")
    async def history(request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        return json_response(list(reversed(s.messages.get(channel_id, [])))[:50])

    @r.get(API + "/channels/{channel}/messages/{message}")
    async def get_message(request: web.Request) -> web.Response:
        found = s.message(int(request.match_info["channel"]), int(request.match_info["message"]))
        return json_response(found) if found else failure_response(Failure(404, code=10008))

    @r.post(API + "/channels/{channel}/messages")
    async def post_message(request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        if channel_id not in s.channels:
            return failure_response(Failure(404, code=10003))
        body, files = await read_body(request)
        forms.check_message(body, len(files))
        return json_response(await s.post(channel_id, body, files))

    @r.patch(API + "/channels/{channel}/messages/{message}")
    async def edit_message(request: web.Request) -> web.Response:
        found = s.message(int(request.match_info["channel"]), int(request.match_info["message"]))
        if found is None:
            return failure_response(Failure(404, code=10008))
        body, _ = await read_body(request)
        forms.check_message(body, create=False)
        found.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        found["edited_timestamp"] = p.TIMESTAMP
        await s.dispatch("MESSAGE_UPDATE", found)
        return json_response(found)

    @r.put(API + "/channels/{channel}/permissions/{target}")
    async def permissions(request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        channel = s.channels.get(channel_id)
        if channel is None:
            return failure_response(Failure(404, code=10003))
        body, _ = await read_body(request)
        try:
            item = perms.overwrite(body, [], target=request.match_info["target"])
            perms.check_edit(s.bot_permissions, channel, str(s.bot["id"]), item)
        except perms.FormError as error:
            return json_response(error.body, 400)
        except perms.Refused as error:
            return json_response(error.body, 403)
        kept = [o for o in channel["permission_overwrites"] if o["id"] != item["id"]]
        channel["permission_overwrites"] = [*kept, item]
        await s.dispatch("CHANNEL_UPDATE", channel)
        return web.Response(status=204)

    @r.post(API + "/users/@me/channels")
    async def open_dm(request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        return json_response(s.dm_channel(int(body["recipient_id"])))

    @r.post(API + "/interactions/{id}/{token}/callback")
    async def callback(request: web.Request) -> web.Response:
        body, files = await read_body(request)
        interaction_id = int(request.match_info["id"])
        try:
            forms.check_callback(body, len(files))
        except forms.InvalidForm as refusal:
            s.refuse_callback(interaction_id, refusal.body)
            raise
        if interaction_id in s.callbacks:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        s.record_callback(interaction_id, body, files)
        flags = (body.get("data") or {}).get("flags") or 0
        return json_response(
            {
                "interaction": {
                    "id": str(interaction_id),
                    "type": s.interaction_types.get(interaction_id, 2),
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": bool(flags & 64),
                }
            }
        )

    @r.post(API + "/webhooks/{app}/{token}")
    async def followup(request: web.Request) -> web.Response:
        body, files = await read_body(request)
        token = request.match_info["token"]
        if s.tokens_expired:  # as Discord 15 minutes after the interaction
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        if int(token.removeprefix("token-")) not in s.callbacks:
            # As Discord: no follow-up before the interaction was answered (or deferred).
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        forms.check_message(body, len(files))
        return json_response(s.record_followup(token, body, files))

    @r.patch(API + "/webhooks/{app}/{token}/messages/{message}")
    async def edit_reply(request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        if s.tokens_expired:
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        forms.check_message(body, create=False)
        general = int(s.general["id"])
        return json_response(p.message(p.snowflake(), general, s.bot, body, guild_id=s.guild_id))

    return r


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _as_discord_returns(command: dict[str, Any]) -> dict[str, Any]:
    """Drop `required: false` and empty option lists, the way Discord's answers do."""
    out = {k: v for k, v in command.items() if not (k == "required" and v is False)}
    if "options" in out:
        options = [_as_discord_returns(o) for o in out["options"] or []]
        if options:
            out["options"] = options
        else:
            out.pop("options")
    if not out.get("choices"):
        out.pop("choices", None)
    return out


def middleware(standin: StandIn) -> Any:
    """Record every request; answer with an injected failure when one is queued for its route."""

    @web.middleware
    async def inject(request: web.Request, handler: Any) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = f"{request.method} {resource.canonical if resource else request.path}"
        standin.requests.append(route)
        if (
            request.path.startswith(API)
            and "/interactions/" not in request.path
            and (
                "/webhooks/" not in request.path
                and request.headers.get("Authorization") != f"Bot {standin.token}"
            )
        ):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        channel = request.match_info.get("channel")
        if channel is not None and channel.isdigit() and not standin.bot_sees(int(channel)):
            return json_response(perms.Refused(50001).body, 403)  # hidden from the bot
        failure = next_failure(standin.failures.get(route))
        if failure is None:
            return await refusing(request, handler, route)
        failure.answered += 1
        if failure.after:
            await refusing(request, handler, route)
        return failure_response(failure)

    async def refusing(request: web.Request, handler: Any, route: str) -> web.StreamResponse:
        """Run the route; a body breaking Discord's limits is answered as Discord would."""
        try:
            return await handler(request)
        except forms.InvalidForm as refusal:
            standin.refuse(route, refusal.body)
            return json_response(refusal.body, refusal.status)

    return inject
