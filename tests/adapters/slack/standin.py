"""A stand-in for the Slack Web API (and Socket Mode) on 127.0.0.1, recording every call.

It keeps just enough state to behave like Slack for sevbot: channels (public or private) with
members, topic, messages (with metadata) and pins; direct-message channels; users looked up by
email; views; the three-step file upload; response_url posts. Switches make it answer with
429s (with Retry-After) or 5xx errors for a while.

The rules it enforces, each with where Slack publishes it:

| rule | answer | published in |
|---|---|---|
| what a message, a modal, a channel name or a topic may hold (`limits.LIMITS`: 50 blocks, section text 3,000, header 150, button text 75, modal title 24, channel names 80 of `[a-z0-9_-]`, …) | `invalid_blocks`, `msg_too_long`, `invalid_arguments`, `invalid_name_*`, `too_long`; HTTP 400 on a response_url | the page `limits.LIMITS` names for each |
| a name is taken by any channel, public or private | `name_taken` | docs.slack.dev/reference/methods/conversations.create |
| `is_private=true` makes a private channel: only its members see it (listed, read, posted in) | `channel_not_found` to others | the same page; docs.slack.dev/reference/methods/conversations.list (private channels only where the caller is a member) |
| `conversations.join` works on public channels only | `method_not_supported_for_channel_type` | docs.slack.dev/reference/methods/conversations.join |
| `conversations.invite`: 1 to 1000 users, comma separated; the caller must be a member | `no_user`; over 1000: `invalid_arguments` (the page names no code of its own); `not_in_channel` | docs.slack.dev/reference/methods/conversations.invite |
| … not oneself, not someone already there, only real users (`force=true` skips the unknown) | `cant_invite_self`, `already_in_channel`, `user_not_found` | the same page |
| a response_url works for 30 minutes after the interaction (`responses_expired` switches to after) | HTTP 404 `expired_url` | docs.slack.dev/interactivity/handling-user-interaction (responding with response_url: five times within 30 minutes) |
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.slack.limits import (
    SlackError,
    check_channel_name,
    check_message,
    check_topic,
    check_view,
    decoded,
)

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0TEAM"
USERS = {
    "U0MARIA": ("maria", "maria@example.com"),
    "U0SAM": ("sam", "sam@example.com"),
    "U0LI": ("li", "li@example.com"),
    "U0ANA": ("ana", "ana@example.com"),
    "U0CAROL": ("carol", "carol@example.com"),
}
MAX_INVITES = 1000  # users per conversations.invite (docs.slack.dev, conversations.invite)


@dataclass
class Call:
    """One Web API call as received, with the HTTP status it was answered with."""

    method: str
    params: dict[str, Any]
    status: int = 200
    ok: bool = True


@dataclass(frozen=True)
class Refusal:
    """An `ok: false` answer (or a refused response_url post): where, the code, what was wrong."""

    method: str
    error: str
    errors: tuple[str, ...] = ()


@dataclass
class Channel:
    """A conversation: public or private (`is_private`) channel, or a DM with `is_im`."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    topic: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    is_im: bool = False
    is_private: bool = False
    creator: str = "U0MARIA"

    def hidden_from_bot(self) -> bool:
        """A private channel the bot is not in: to the bot it does not exist."""
        return self.is_private and BOT_USER not in self.members

    def posts(self) -> list[dict[str, Any]]:
        """Messages the bot posted (not topic changes and the like), oldest first."""
        return [m for m in self.messages if m.get("subtype") is None]

    def texts(self) -> list[str]:
        """The notification text of each post, oldest first."""
        return [str(m.get("text", "")) for m in self.posts()]


@dataclass
class Failure:
    """Answer the next matching call with this status instead of serving it."""

    status: int
    retry_after: int | None = None
    methods: frozenset[str] | None = None
    html: bool = False
    processed: bool = False  # serve the call, then answer with the error (a lost response)


class SlackStandIn:
    """The server. `api_url` is what SLACK_API_URL points at."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refusals: list[Refusal] = []  # every ok:false answer, and refused response_url posts
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}  # user group id (S…) → its members
        self.profiles: dict[str, dict[str, str]] = {}  # user id → profile fields people set
        self.failures: deque[Failure] = deque()
        self.triggers_expired = False  # views.open answers expired_trigger_id
        self.responses_expired = False  # response_url posts answer 404 expired_url
        self.socket_acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.socket_connected = asyncio.Event()
        self._socket: web.WebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.add_channel("CGENERAL", "general", {BOT_USER, *USERS})
        self.add_channel("CINCIDENTS", "incidents", set(USERS))  # the bot must join it first
        self.add_channel("CONCALL", "oncall-maintainers", {BOT_USER, *USERS})

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        web_app = web.Application(client_max_size=10 * 1024 * 1024)
        web_app.router.add_route("*", "/api/{method}", self._api)
        web_app.router.add_post("/upload/{file_id}", self._upload)
        web_app.router.add_post("/respond/{key}", self._respond)
        web_app.router.add_get("/socket", self._socket_handler)
        self._runner = web.AppRunner(web_app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        """Close the socket (if any) and the server."""
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return self.url + "api/"

    def response_url(self, key: str = "1") -> str:
        """A response_url for an interaction; posts to it land in `responses`."""
        return f"{self.url}respond/{key}"

    # -- switches and queries ---------------------------------------------------------

    def fail(
        self,
        count: int,
        status: int = 429,
        *,
        retry_after: int | None = None,
        methods: set[str] | None = None,
        html: bool = False,
        processed: bool = False,
    ) -> None:
        """Answer the next `count` matching calls with `status` (after serving, if processed)."""
        chosen = frozenset(methods) if methods else None
        for _ in range(count):
            self.failures.append(Failure(status, retry_after, chosen, html, processed))

    def add_channel(self, channel_id: str, name: str, members: set[str]) -> Channel:
        """A channel that exists before the test starts."""
        channel = Channel(id=channel_id, name=name, members=set(members))
        self.channels[channel_id] = channel
        return channel

    def named(self, prefix: str) -> list[Channel]:
        """Channels whose name starts with `prefix`, in creation order."""
        return [c for c in self.channels.values() if c.name.startswith(prefix)]

    def served(self, method: str) -> list[Call]:
        """Successful calls to `method`."""
        return [call for call in self.calls if call.method == method and call.ok]

    def post_message(self, channel_id: str, user: str, text: str) -> dict[str, Any]:
        """A message a person writes (for pins and reactions)."""
        message = {"type": "message", "ts": self._next_ts(), "user": user, "text": text}
        self.channels[channel_id].messages.append(message)
        return message

    def dm(self, user: str) -> Channel | None:
        """The bot's DM channel with `user`, if it was opened."""
        return next((c for c in self.channels.values() if c.is_im and user in c.members), None)

    # -- HTTP -------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method=method, params=params)
        self.calls.append(call)
        failure = self._take_failure(method)
        if failure is not None and failure.processed:
            with contextlib.suppress(SlackError):
                self._serve(method, params, request)
        if failure is not None:
            call.status, call.ok = failure.status, False
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            if failure.html:
                return web.Response(
                    status=failure.status, text="<html>bad gateway</html>", content_type="text/html"
                )
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return web.json_response(
                {"ok": False, "error": error}, status=failure.status, headers=headers
            )
        try:
            result = self._serve(method, params, request)
        except SlackError as error:
            call.ok = False
            self.refusals.append(Refusal(method, error.code, tuple(error.errors)))
            return web.json_response(error.body())
        return web.json_response({"ok": True, **result})

    def _serve(self, method: str, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        wanted = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != wanted:
            raise SlackError("invalid_auth")
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            raise SlackError("unknown_method")
        result: dict[str, Any] = handler(params)
        return result

    def _take_failure(self, method: str) -> Failure | None:
        if self.failures and (
            self.failures[0].methods is None or method in self.failures[0].methods
        ):
            return self.failures.popleft()
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.uploads:
            return web.Response(status=404, text="no such upload")
        self.uploads[file_id]["content"] = await request.read()
        return web.Response(text="OK", content_type="text/plain")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.responses_expired:
            return web.Response(status=404, text="expired_url", content_type="text/plain")
        try:
            check_message(body)
        except SlackError as error:  # as an incoming webhook answers (see limits.py)
            self.refusals.append(Refusal("response_url", error.code, tuple(error.errors)))
            return web.Response(status=400, text=error.code, content_type="text/plain")
        self.responses.append({"key": request.match_info["key"], **body})
        return web.Response(text="ok", content_type="text/plain")

    async def _socket_handler(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        self.socket_connected.set()
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                await self.socket_acks.put(json.loads(frame.data))
        return socket

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected client."""
        assert self._socket is not None, "no Socket Mode client is connected"
        await self._socket.send_json(envelope)

    # -- methods ----------------------------------------------------------------------

    def _channel(self, params: dict[str, Any], key: str = "channel") -> Channel:
        ref = str(params.get(key, ""))
        if ref.startswith("#"):
            found = next((c for c in self.channels.values() if c.name == ref[1:]), None)
        else:
            found = self.channels.get(ref)
        if found is None or found.hidden_from_bot():
            raise SlackError("channel_not_found")
        return found

    def m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://sevbot-test.slack.com/",
            "team": "Test",
            "user": "sevbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "socket"}

    def m_conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        check_channel_name(name)
        if any(c.name == name for c in self.channels.values()):
            raise SlackError("name_taken")  # private channels' names are taken too
        prefix = "G" if _flag(params, "is_private") else "C"
        channel = self.add_channel(f"{prefix}{next(self._ids):06d}", name, {BOT_USER})
        channel.creator = BOT_USER
        channel.is_private = _flag(params, "is_private")
        return {"channel": self._describe(channel)}

    def m_conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")  # "the calling user must be a member"
        users = params.get("users", "")
        if isinstance(users, list):  # a JSON body may carry a list; the form, one string
            users = ",".join(str(u) for u in users)
        ids = [u.strip() for u in str(users).split(",") if u.strip()]
        if not ids:
            raise SlackError("no_user")
        if len(ids) > MAX_INVITES:
            raise SlackError("invalid_arguments")
        if BOT_USER in ids:
            raise SlackError("cant_invite_self")
        known = [u for u in ids if u in USERS]
        if len(known) < len(ids) and (not _flag(params, "force") or not known):
            raise SlackError("user_not_found")
        new = [u for u in known if u not in channel.members]
        if not new:
            raise SlackError("already_in_channel")
        channel.members.update(new)
        return {"channel": self._describe(channel)}

    def _describe(self, channel: Channel) -> dict[str, Any]:
        """The channel object of conversations.create / invite / info (the fields read here)."""
        return {
            "id": channel.id,
            "name": channel.name,
            "creator": channel.creator,
            "is_private": channel.is_private,
            "is_im": channel.is_im,
            "topic": {"value": channel.topic},
        }

    def m_conversations_setTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        topic = str(params.get("topic", ""))
        check_topic(topic)
        channel.topic = topic
        channel.messages.append(
            {"type": "message", "subtype": "channel_topic", "ts": self._next_ts(), "topic": topic}
        )
        return {"channel": {"id": channel.id, "topic": {"value": topic}}}

    def m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._describe(self._channel(params))}

    def m_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        channel.members.add(BOT_USER)
        return {"channel": {"id": channel.id}}

    def m_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        types = set(str(params.get("types") or "public_channel").split(","))
        listed = [
            c
            for c in self.channels.values()
            if not c.is_im
            and not c.hidden_from_bot()
            and ("private_channel" if c.is_private else "public_channel") in types
        ]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = listed[start : start + limit]
        more = start + limit < len(listed)
        return {
            "channels": [self._describe(c) for c in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", ""))
        if user not in USERS:
            raise SlackError("user_not_found")
        existing = self.dm(user)
        channel = existing or self.add_channel(f"D{next(self._ids):06d}", "", {BOT_USER, user})
        channel.is_im = True
        return {"channel": {"id": channel.id}}

    def m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        inclusive = str(params.get("inclusive")).lower() in ("true", "1")
        oldest, latest = params.get("oldest"), params.get("latest")
        found = []
        for message in reversed(channel.messages):
            ts = float(message["ts"])
            if oldest is not None and ts <= float(oldest):
                continue
            if latest is not None and (
                ts > float(latest) or (ts == float(latest) and not inclusive)
            ):
                continue
            shown = dict(message)
            if not with_metadata:
                shown.pop("metadata", None)
            found.append(shown)
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        more = start + limit < len(found)
        return {
            "messages": found[start : start + limit],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        check_message(params)
        blocks = decoded(params.get("blocks")) or []
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": params.get("text", ""),
            "blocks": blocks,
            "metadata": params.get("metadata"),
        }
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        check_message(params)
        self.ephemerals.append(dict(params))
        return {"message_ts": self._next_ts()}

    def m_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        ts = str(params.get("message_ts", "")).replace(".", "")
        return {"permalink": f"https://sevbot-test.slack.com/archives/{channel.id}/p{ts}"}

    def m_pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        ts = str(params.get("timestamp", ""))
        if not any(m["ts"] == ts for m in channel.messages):
            raise SlackError("message_not_found")
        if ts in channel.pins:
            raise SlackError("already_pinned")
        channel.pins.append(ts)
        return {}

    def m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id", ""))
        if not trigger or self.triggers_expired:
            raise SlackError("expired_trigger_id")
        view = decoded(params.get("view"))
        check_view(view)
        opened = {"id": f"V{next(self._ids):06d}", "hash": "h1", **view}
        self.views.append({"trigger_id": trigger, "view": opened})
        return {"view": opened}

    def m_users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:
        email = params.get("email")
        for user_id, (name, address) in USERS.items():
            if address == email:
                return {"user": {"id": user_id, "name": name}}
        raise SlackError("users_not_found")

    def m_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """usergroups.users.list: `usergroup` is required; an unknown id is `no_such_subteam`
        (https://docs.slack.dev/reference/methods/usergroups.users.list: arguments, errors;
        scope usergroups:read)."""
        group = params.get("usergroup")
        if not group:
            raise SlackError("missing_argument")
        if group not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    def m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        if user_id not in USERS:
            raise SlackError("user_not_found")
        name = USERS[user_id][0]
        profile = {"display_name": name, "real_name": name.title()} | self.profiles.get(user_id, {})
        return {
            "user": {
                "id": user_id,
                "name": name,
                "real_name": profile["real_name"],
                "profile": profile,
            }
        }

    def m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        """`filename` and `length` are required (docs.slack.dev/reference/methods/
        files.getUploadURLExternal, arguments)."""
        for name in ("filename", "length"):
            if not params.get(name):
                raise SlackError(
                    "invalid_arguments", [f"missing required field: {name}"], listed=False
                )
        file_id = f"F{next(self._ids):06d}"
        self.uploads[file_id] = {"filename": params.get("filename"), "content": None}
        return {"upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        assert isinstance(files, list)
        shared = []
        for entry in files:
            upload = self.uploads.get(entry["id"])
            if upload is None or upload["content"] is None:
                raise SlackError("file_not_found")
            shared.append(
                {
                    "id": entry["id"],
                    "name": upload["filename"],
                    "title": entry.get("title") or upload["filename"],
                }
            )
        if params.get("channel_id"):
            channel = self._channel(params, "channel_id")
            channel.messages.append(
                {
                    "type": "message",
                    "ts": self._next_ts(),
                    "user": BOT_USER,
                    "bot_id": BOT_ID,
                    "text": params.get("initial_comment") or "",
                    "files": shared,
                }
            )
        return {"files": shared}


def _flag(params: dict[str, Any], name: str) -> bool:
    """A boolean argument as Slack reads it from a form or a JSON body."""
    return str(params.get(name)).lower() in ("true", "1")
