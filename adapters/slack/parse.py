"""Slack payloads → core requests: pure functions over slash commands, clicks, modals, events."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from adapters.slack.render import ACTION_PREFIX, ephemeral
from incidents import commands as c
from incidents.messages import Button
from incidents.parser import ParseError, help_text, parse
from incidents.people import Person
from incidents.severity import Severity

STATUS_MODAL = "sevbot_status"
SEVERITY_MODAL = "sevbot_severity"
RESOLVE_MODAL = "sevbot_resolve"
OPENING = "Opening incident…"
PARTICIPANT_SUBTYPES = (None, "thread_broadcast", "file_share")
UNKNOWN = Person("slack:unknown")  # an event that names no user
# Slack's escaped mentions (the slash commands set `should_escape`), as whole words.
_USER_MENTION = re.compile(r"(?<!\S)<@([A-Z0-9]+)(?:\|[^>]*)?>(?!\S)")
_MAILTO = re.compile(r"(?<!\S)<mailto:([^|>\s]+)(?:\|[^>]*)?>(?!\S)")
_BROADCAST = re.compile(r"(?<!\S)<!(here|channel|everyone)(?:\|[^>]*)?>(?!\S)")
_USER_GROUP = re.compile(r"(?<!\S)<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>(?!\S)")


SLASH_FIELDS = frozenset(
    {"command", "text", "user_id", "channel_id", "response_url", "trigger_id", "team_id"}
)


def slash_form(body: str) -> dict[str, str] | None:
    """The fields of a slash command form body; None for anything else (interactivity).

    A few times quicker than `parse_qs`: only the fields sevbot reads are unquoted.
    """
    raw: dict[str, str] = {}
    for pair in body.split("&"):
        key, _, value = pair.partition("=")
        raw[key] = value
    if "command" not in raw or "payload" in raw:
        return None
    return {key: unquote_plus(value) for key, value in raw.items() if key in SLASH_FIELDS}


def actor(user_id: str) -> Person:
    """The core's identity for a Slack user: `slack:U123` (`slack:unknown` for no id)."""
    return Person.of("slack", user_id) if user_id else UNKNOWN


def neutral_text(text: str) -> str:
    """Command text with Slack's mention syntax in the core's neutral form, parsed once here.

    `<@U123>` and `<@U123|sam>` become `@slack:U123`; `<mailto:a@b.io|a@b.io>` becomes
    `a@b.io`; `<!here>`, `<!channel>` and `<!everyone>` become `@here`, `@channel` and
    `@everyone`, and a user group `<!subteam^S0SRE|@sre>` becomes `@slack-group:S0SRE` (the
    core refuses both wherever one person is meant). Only whole words change; everything else
    is left exactly as typed.
    """
    if "<" not in text:
        return text
    text = _USER_MENTION.sub(lambda m: f"@{actor(m.group(1))}", text)
    text = _BROADCAST.sub(lambda m: f"@{m.group(1)}", text)
    text = _USER_GROUP.sub(lambda m: f"@slack-group:{m.group(1)}", text)
    return _MAILTO.sub(lambda m: m.group(1), text)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlashCommand:
    """The fields of a slash command request that sevbot uses."""

    command: str
    text: str
    user_id: str
    channel_id: str
    response_url: str | None
    trigger_id: str | None

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> SlashCommand:
        """From the form body (HTTP) or the envelope payload (Socket Mode)."""

        def field(name: str) -> str:
            value = form.get(name, "")
            return str(value[0] if isinstance(value, list) else value)

        return cls(
            command=field("command"),
            text=field("text"),
            user_id=field("user_id"),
            channel_id=field("channel_id"),
            response_url=field("response_url") or None,
            trigger_id=field("trigger_id") or None,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer in the acknowledgement itself and do nothing else (help, parse errors)."""

    payload: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispatch:
    """Acknowledge (with `ack` if set), then hand `request` to the command bus."""

    request: c.Request
    incident: int | None
    ack: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AskStatus:
    """`/incident status` without text: acknowledge, then open the status update modal."""

    incident: int | None


Plan = Answer | Dispatch | AskStatus


def plan_incident_command(text: str) -> Plan:
    """What `/incident <text>` does; parsing is pure and fast, so it happens before the ack."""
    parsed = parse(neutral_text(text), "slack")
    if isinstance(parsed, ParseError):
        return Answer(ephemeral(parsed.message))
    request = parsed.request
    if isinstance(request, c.Help):
        return Answer(dict(_help()))
    if isinstance(request, c.PostStatusUpdate) and not request.text.strip():
        return AskStatus(incident=parsed.incident)
    if isinstance(request, c.OpenIncident):
        return Dispatch(request=request, incident=None, ack=ephemeral(OPENING))
    return Dispatch(request=request, incident=parsed.incident)


@cache
def _help() -> dict[str, Any]:
    return ephemeral(help_text())


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonClick:
    """A click on one of the summary's buttons."""

    button: Button
    incident: int
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    response_url: str | None


def button_click(body: Mapping[str, Any]) -> ButtonClick | None:
    """The first sevbot button of a block_actions payload; None for anything else."""
    for action in body.get("actions") or ():
        action_id = str(action.get("action_id", ""))
        if not action_id.startswith(ACTION_PREFIX):
            continue
        try:
            button = Button(action_id.removeprefix(ACTION_PREFIX))
            number = int(action.get("value", ""))
        except ValueError:
            return None
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        return ButtonClick(
            button=button,
            incident=number,
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=channel,
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
        )
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModalContext:
    """What a modal remembers between opening and submission (its private_metadata)."""

    incident: int | None
    channel_id: str | None
    response_url: str | None = None

    def dump(self) -> str:
        """As private_metadata (at most 3000 characters; a response_url is ~100)."""
        return json.dumps(
            {
                "incident": self.incident,
                "channel": self.channel_id,
                "response_url": self.response_url,
            }
        )

    @classmethod
    def load(cls, text: str | None) -> ModalContext:
        """From private_metadata; empty when missing or not ours."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        number = data.get("incident")
        return cls(
            incident=number if isinstance(number, int) else None,
            channel_id=data.get("channel") if isinstance(data.get("channel"), str) else None,
            response_url=data.get("response_url")
            if isinstance(data.get("response_url"), str)
            else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ModalSubmission:
    """A submitted sevbot modal as a core request."""

    request: c.Request
    context: ModalContext


def _value(values: Mapping[str, Any], block: str, action: str) -> dict[str, Any]:
    found = (values.get(block) or {}).get(action) or {}
    return found if isinstance(found, dict) else {}


def modal_submission(view: Mapping[str, Any]) -> ModalSubmission | None:
    """The request a view_submission of one of sevbot's modals asks for; None if not ours."""
    callback = view.get("callback_id")
    values = (view.get("state") or {}).get("values") or {}
    context = ModalContext.load(view.get("private_metadata"))
    request: c.Request
    if callback == STATUS_MODAL:
        text = _value(values, "status", "text").get("value") or ""
        chosen = _value(values, "external", "external").get("selected_options") or []
        request = c.PostStatusUpdate(text=str(text), external=bool(chosen))
    elif callback == SEVERITY_MODAL:
        option = _value(values, "severity", "severity").get("selected_option") or {}
        try:
            request = c.ChangeSeverity(severity=Severity(int(option.get("value", ""))))
        except ValueError:
            return None
    elif callback == RESOLVE_MODAL:
        summary = _value(values, "summary", "summary").get("value") or ""
        request = c.Resolve(summary=str(summary))
    else:
        return None
    return ModalSubmission(request=request, context=context)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spoke:
    """Someone wrote a message in a channel (a participant, if it is an incident channel)."""

    channel_id: str
    user_id: str


def spoke(event: Mapping[str, Any]) -> Spoke | None:
    """A person's message event; None for bots, edits, joins and other subtypes."""
    if event.get("subtype") not in PARTICIPANT_SUBTYPES or event.get("bot_id"):
        return None
    channel, user = event.get("channel"), event.get("user")
    if not isinstance(channel, str) or not isinstance(user, str):
        return None
    return Spoke(channel_id=channel, user_id=user)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """A message someone pinned or marked 📌; text and link are fetched when missing."""

    channel_id: str
    ts: str
    pinned_by: str
    author: str | None = None
    text: str | None = None
    link: str | None = None
    by_bot: bool = False


def pin_added(event: Mapping[str, Any]) -> Pin | None:
    """A `pin_added` event for a message."""
    item = event.get("item") or {}
    message = item.get("message") or {}
    channel = event.get("channel_id") or item.get("channel")
    ts = message.get("ts") or item.get("ts")
    if item.get("type") not in (None, "message") or not channel or not ts:
        return None
    return Pin(
        channel_id=str(channel),
        ts=str(ts),
        pinned_by=str(event.get("user", "")),
        author=message.get("user"),
        text=message.get("text"),
        link=message.get("permalink"),
        by_bot=bool(message.get("bot_id")),
    )


def pushpin(event: Mapping[str, Any]) -> Pin | None:
    """A `reaction_added` event with :pushpin: on a message."""
    item = event.get("item") or {}
    if event.get("reaction") != "pushpin" or item.get("type") != "message":
        return None
    if not item.get("channel") or not item.get("ts"):
        return None
    return Pin(
        channel_id=str(item["channel"]),
        ts=str(item["ts"]),
        pinned_by=str(event.get("user", "")),
        author=event.get("item_user"),
    )
