"""A scripted SEV-1 played through the service on the fake clock, for the review's golden files.

It holds one of everything the review shows: a page and an escalation, a phase warning and
breach, acknowledgement, roles, internal and external status updates, a severity change, a
note, a pinned message with its author and link, someone who only spoke, resolution, and
action items with and without owners, one done.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import App
from bot.clock import FakeClock
from incidents import commands as c
from tests.service.conftest import T0, say

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE_GOLDEN = "SEVBOT_UPDATE_GOLDEN"


async def at(app: App, clock: FakeClock, minute: float) -> None:
    """Move the fake clock to T0 + `minute`, firing and delivering what falls due on the way."""
    clock.set(T0 + timedelta(minutes=minute))
    await app.scheduler.fire_due()
    await app.dispatcher.deliver_due()


async def record(app: App, request: c.Request, actor: str) -> None:
    """Send a request that only chat adapters produce (pins, participants) to incident #1."""
    outcome = await app.service.handle(request, actor=actor, platform="console", number=1)
    assert outcome.ok, outcome.reply_text


async def play_sev1(app: App, clock: FakeClock) -> None:
    """Play the scripted SEV-1 (#1) up to 15:20 UTC, an hour and 20 minutes after declaring."""
    await say(app, "/incident open sev1 Checkout is failing for card payments", who="maria")
    await at(app, clock, 12)  # the detection window's warning
    await at(app, clock, 15)  # its breach, and escalation to the backup (@li)
    await at(app, clock, 17)
    await say(app, "/incident ack 1", who="li")
    await at(app, clock, 18)
    await say(app, "/incident ic 1 @li", who="li")
    await at(app, clock, 19)
    await say(app, "/incident role 1 comms @ana", who="li")
    await at(app, clock, 20)
    await say(app, "/incident phase 1 triage", who="li")
    await at(app, clock, 22)
    await say(app, "/incident status 1 Card payments fail with 502s since the 13:55 deploy")
    await at(app, clock, 25)
    await record(
        app,
        c.RecordPinnedMessage(
            author="console:sam",
            text="Error graph: 502s from the card processor start at 13:55",
            link="https://chat.example.com/archives/inc-1/p1",
        ),
        actor="console:li",
    )
    await record(app, c.RecordParticipant(user="console:omar"), actor="console:omar")
    await at(app, clock, 28)
    await say(app, "/incident phase 1 investigation", who="li")
    await at(app, clock, 30)
    await say(app, "/incident sev 1 sev0", who="li")
    await at(app, clock, 35)
    await say(app, "/incident role 1 responder @sam", who="li")
    await at(app, clock, 40)
    await say(app, "/incident note 1 Paused the nightly settlement batch", who="li")
    await at(app, clock, 45)
    await say(
        app, "/incident status 1 --external Card payments are failing; we are on it", who="ana"
    )
    await at(app, clock, 50)
    await say(app, "/incident phase 1 mitigation", who="li")
    await at(app, clock, 70)
    await say(app, "/incident resolve 1 Rolled back deploy 8812; payments recovered", who="li")
    await at(app, clock, 71)
    await say(app, "/incident action 1 Alert on card-processor 502s @sam", who="li")
    await at(app, clock, 72)
    await say(app, "/incident action 1 Canary the payment service deploys", who="li")
    await at(app, clock, 73)
    await say(app, "/incident action 1 Write the rollback runbook @ana", who="li")
    await at(app, clock, 75)
    await say(app, "/incident action 1 done 3", who="ana")
    await at(app, clock, 80)


def check_golden(name: str, text: str) -> None:
    """`text` equals tests/golden/`name` byte for byte; SEVBOT_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing; run the tests with {UPDATE_GOLDEN}=1 to write it"
    assert text.encode("utf-8") == path.read_bytes(), (
        f"the review differs from {path}; if the change is intended, rerun with "
        f"{UPDATE_GOLDEN}=1 and review the diff"
    )
