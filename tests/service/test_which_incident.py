"""A command about an incident typed outside any incident channel, without a number: the
refusal names the open incidents and shows that same command with a number."""

from __future__ import annotations

import re

import pytest

from bot.bootstrap import App
from tests.service.conftest import say

# Each command about one incident, and the verb its example must show.
VERBS = [
    ("ack", "ack"),
    ("status Rolled back", "status"),
    ("status --external We are on it", "status"),
    ("sev sev2", "sev"),
    ("phase triage", "phase"),
    ("ic @li", "ic"),
    ("role comms @li", "role"),
    ("note Paused the batch", "note"),
    ("action Add an alert", "action"),
    ("action done 1", "action"),
    ("mitigated Failed over", "mitigated"),
    ("resolve Rolled back", "resolve"),
    ("close", "close"),
    ("review", "review"),
    ("review done https://wiki.example.com/pir-1", "review"),
    ("timeline", "timeline"),
]


@pytest.mark.parametrize(("text", "verb"), VERBS, ids=[text for text, _ in VERBS])
async def test_which_incident_shows_the_command_that_was_typed(
    app: App, text: str, verb: str
) -> None:
    """`ack` in #general suggests `/incident ack 1` (the open incident's number), not a status
    update; the same for every verb."""
    await say(app, "/incident open sev2 Search is slow")
    reply = await say(app, f"/incident {text}")
    assert reply.startswith("Which incident?"), reply
    assert reply.endswith("Open incidents: #1.")
    (suggested,) = re.findall(r"`(/incident [^`]*)`", reply)
    assert suggested.startswith(f"/incident {verb} 1")


async def test_which_incident_without_any_open_uses_a_sample_number(app: App) -> None:
    """With no incident open, the example uses a sample number and says there are none."""
    reply = await say(app, "/incident ack")
    assert "e.g. `/incident ack 42`" in reply
    assert reply.endswith("Open incidents: none.")
