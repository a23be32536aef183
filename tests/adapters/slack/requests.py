"""Signed Slack requests, shaped like the real ones: slash commands, interactivity, events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.adapters.slack.standin import TEAM

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = "application/x-www-form-urlencoded"
_counter = itertools.count(1)


def signature_headers(
    body: bytes, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature` (v0 HMAC-SHA256), as Slack sends."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slash_command(command: str, text: str, *, user: str, channel: str, response_url: str) -> bytes:
    """The form body of a slash command invocation."""
    serial = next(_counter)
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "sevbot-test",
            "channel_id": channel,
            "channel_name": "somewhere",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SEVBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{serial}.1234.abcdef{serial}",
        }
    ).encode()


def interactivity(payload: dict[str, Any]) -> bytes:
    """The form body of an interactivity request (`payload=<json>`)."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_action(
    action_id: str, value: str, *, user: str, channel: str, response_url: str
) -> dict[str, Any]:
    """A click on a button of a message in `channel`."""
    serial = next(_counter)
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sevbot-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SEVBOT",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
        "trigger_id": f"{serial}.5678.click{serial}",
        "channel": {"id": channel, "name": "inc"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "sevbot_actions",
                "type": "button",
                "value": value,
                "action_ts": "1700000002.000200",
            }
        ],
    }


def view_submission(view: dict[str, Any], values: dict[str, Any], *, user: str) -> dict[str, Any]:
    """Submitting an opened modal with `values` (block_id → action_id → value object)."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "sevbot-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SEVBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_counter)}.9.submit",
        "view": {**view, "state": {"values": values}},
    }


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0SEVBOT",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
        ],
    }
