"""Forged, replayed and unsigned requests are refused with 401 and change nothing."""

from __future__ import annotations

import json
import time

import pytest

from tests.adapters.slack import requests as r
from tests.adapters.slack.conftest import MARIA, Slack


async def nothing_happened(slack: Slack) -> None:
    """No incident, no outbox, no Web API call, no reply."""
    await slack.settle()
    async with slack.app.store.transaction() as uow:
        assert await uow.open_incidents() == []
    assert await slack.app.store.outbox_counts() in ({}, {"delivered": 0, "pending": 0, "dead": 0})
    assert [call.method for call in slack.standin.calls] == []
    assert slack.standin.responses == []


@pytest.mark.parametrize(
    ("secret", "age"),
    [
        pytest.param("not-the-signing-secret", 0, id="forged"),
        pytest.param(r.SECRET, 301, id="replayed-5-minutes-later"),
        pytest.param(r.SECRET, -310, id="from-the-future"),
    ],
)
async def test_bad_slash_commands_get_401(slack: Slack, secret: str, age: int) -> None:
    """A slash command with a bad signature or stale timestamp: 401, nothing done."""
    signed_at = int(time.time()) - age
    reply = await slack.command("open sev1 Forged incident", secret=secret, timestamp=signed_at)
    assert reply.status == 401
    await nothing_happened(slack)


async def test_a_tampered_body_gets_401(slack: Slack) -> None:
    """Signed for one body, sent with another: 401."""
    signed = r.slash_command(
        "/incident", "help", user=MARIA, channel="CGENERAL", response_url="http://x/"
    )
    sent = signed.replace(b"help", b"open+sev0+Evil")
    headers = {"Content-Type": r.FORM, **r.signature_headers(signed)}
    response = await slack.client.post("/slack/events", data=sent, headers=headers)
    assert response.status == 401
    await nothing_happened(slack)


async def test_unsigned_and_garbled_headers_get_401(slack: Slack) -> None:
    """No signature headers, or a timestamp that is not a number: 401."""
    body = r.slash_command("/incident", "list", user=MARIA, channel="C1", response_url="http://x/")
    response = await slack.client.post("/slack/events", data=body, headers={"Content-Type": r.FORM})
    assert response.status == 401
    headers = {
        "Content-Type": r.FORM,
        "X-Slack-Request-Timestamp": "soon",
        "X-Slack-Signature": "v0=00",
    }
    response = await slack.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    await nothing_happened(slack)


async def test_forged_interactivity_and_events_get_401(slack: Slack) -> None:
    """Button clicks and events go through bolt, behind the same check: 401."""
    click = r.block_action(
        "sevbot_acknowledge", "1", user=MARIA, channel="C1", response_url="http://x/"
    )
    reply = await slack.send(r.interactivity(click), r.FORM, secret="wrong")
    assert reply.status == 401
    event = r.event_callback({"type": "message", "channel": "C1", "user": MARIA, "text": "hi"})
    reply = await slack.send(json.dumps(event).encode(), "application/json", secret="wrong")
    assert reply.status == 401
    await nothing_happened(slack)


async def test_url_verification_is_answered(slack: Slack) -> None:
    """Slack's Events API set-up challenge is answered (signed, through bolt)."""
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    reply = await slack.send(body, "application/json")
    assert reply.status == 200
    assert reply.body == {"challenge": "c-123"}
