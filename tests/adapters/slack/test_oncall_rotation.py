"""On-call rotations from sevbot.toml, through the real Slack adapter and the stand-in Web API:
paging the primary (an email member, looked up), escalation to backup then everyone, ack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.slack.conftest import LI, MARIA, SAM, Slack, running_slack, slack_settings
from tests.adapters.slack.standin import SlackStandIn

ANA = "U0ANA"
ROTATION: dict[str, Any] = {
    "name": "maintainers",
    "members": ["sam@example.com", f"slack:{LI}", f"slack:{ANA}"],
    "start": date(2026, 11, 23),  # T0's Monday: sam's week since 09:00
    "channel": {"slack": "CONCALL"},
}


@pytest.fixture
async def slack(tmp_path: Path, standin: SlackStandIn) -> AsyncIterator[Slack]:
    """The whole app with Slack, paging from the rotation in its settings (no explicit lookup)."""
    settings = slack_settings(tmp_path, standin, rotation=[ROTATION])
    async with running_slack(tmp_path, standin, settings, oncall=None, oncall_channels={}) as app:
        yield app


async def tick(slack: Slack, **delta: float) -> None:
    """Advance the fake clock, fire what is due and deliver it."""
    slack.clock.advance(**delta)
    await slack.app.scheduler.fire_due()
    await slack.settle()


def dm_texts(slack: Slack, user: str) -> list[str]:
    """What the bot sent `user` by DM."""
    channel = slack.standin.dm(user)
    return [] if channel is None else channel.texts()


async def test_escalation_primary_backup_everyone_then_ack_stops_it(slack: Slack) -> None:
    """Sam (listed by email) is paged by DM; li at 15 min; at 30 min everyone and <!here> in
    the rotation's channel; sam's ack stops any further page."""
    await slack.run("open sev1 Checkout is failing", user=MARIA)
    assert [c.params["email"] for c in slack.standin.served("users.lookupByEmail")][:1] == [
        "sam@example.com"
    ]
    assert "You are paged (primary, maintainers)" in dm_texts(slack, SAM)[0]
    assert dm_texts(slack, LI) == []
    await tick(slack, minutes=15)
    assert "You are paged (backup, maintainers)" in dm_texts(slack, LI)[0]
    await tick(slack, minutes=15)
    [here] = slack.standin.channels["CONCALL"].posts()
    assert here["text"].startswith("<!here> SEV-1 #1 Checkout is failing is unacknowledged")
    everyone = [t for t in slack.channel(1).texts() if "Paging everyone on maintainers" in t]
    assert everyone
    assert all(f"<@{user}>" in everyone[0] for user in (SAM, LI, ANA))
    await slack.run("ack", user=SAM, channel=slack.channel(1).id)
    pages = len(dm_texts(slack, SAM)) + len(dm_texts(slack, LI))
    await tick(slack, hours=2)
    assert len(slack.standin.channels["CONCALL"].posts()) == 1
    assert len(dm_texts(slack, SAM)) + len(dm_texts(slack, LI)) == pages


async def test_oncall_in_slack_answers_from_the_rotation(slack: Slack) -> None:
    """`/oncall` in Slack names sam (resolved from his email) primary and li backup."""
    await slack.run("", command="/oncall", user=MARIA)
    answer = slack.responses_to(MARIA)[-1]
    assert "maintainers · on call now" in answer
    assert f"Backup: <@{LI}>" in answer
    assert "Next:" in answer
