"""Paging from the rotations: the primary first, then backup, then everyone, until acknowledged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from incidents.messages import Audience, Everyone, Mention
from tests.fakes import RecordingChat
from tests.service.conftest import say, tick
from tests.service.oncall_helpers import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    MAINTAINERS,
    WEDNESDAY,
    oncall,
    oncall_app,
)


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2 Dec 2026 14:00 UTC: alice is primary, bob backup."""
    return FakeClock(WEDNESDAY)


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> AsyncIterator[App]:
    """The app paging from the maintainers rotation (no explicit lookup)."""
    built = await oncall_app(tmp_path / "paging.db", clock, chat)
    try:
        yield built
    finally:
        await built.close()


def pages(chat: RecordingChat) -> list[str | None]:
    """Who got a page DM, in order."""
    return [m.recipient for m in chat.messages if m.kind == "page"]


async def test_opening_pages_the_rotation_primary(app: App, chat: RecordingChat) -> None:
    """A SEV-1 pages alice by DM and mentions her (and bob as backup) in the channels."""
    await say(app, "open sev1 Checkout failing", who="maria")
    assert pages(chat) == [ALICE]
    summary = next(m for m in chat.messages if m.kind == "summary")
    assert Mention(ALICE) in summary.text
    assert "Paging @alice (primary). Escalates to @bob at 14:15, everyone at 14:30." in (
        summary.plain_text()
    )


async def test_escalation_reaches_backup_then_everyone_and_ack_stops_it(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Unacknowledged: bob at 15 min, the whole rotation and @here at 30 min; ack ends it."""
    await say(app, "open sev1 Checkout failing", who="maria")
    await tick(app, clock, minutes=15)
    assert pages(chat) == [ALICE, BOB]
    await tick(app, clock, minutes=15)
    everyone = [m for m in chat.messages if m.kind == "escalation"][-2:]
    channel, oncall_channel = everyone
    assert [p for p in channel.text if isinstance(p, Mention)] == [
        Mention(ALICE),
        Mention(BOB),
        Mention(CAROL),
    ]
    assert oncall_channel.audience is Audience.ONCALL
    assert oncall_channel.rotation == "maintainers"
    assert Everyone() in oncall_channel.text
    assert app.router.channel_for(oncall_channel, "console") == "#oncall"
    await say(app, "ack 1", who="carol")
    chat.clear()
    await tick(app, clock, hours=4)
    assert "page" not in chat.kinds()
    assert "escalation" not in chat.kinds()


async def test_an_early_ack_pages_nobody_else(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Acknowledged at 5 min: the backup is never paged."""
    await say(app, "open sev1 Checkout failing", who="maria")
    clock.advance(minutes=5)
    await say(app, "ack 1", who="alice")
    await tick(app, clock, hours=2)
    assert pages(chat) == [ALICE]


async def test_a_breach_goes_to_the_incident_and_the_rotations_channel(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """A SEV-2 not acknowledged in 4 h: breach messages for the incident and on-call channel."""
    await say(app, "open sev2 Search slow", who="maria")
    await tick(app, clock, hours=4)
    breaches = [m for m in chat.messages if m.kind == "response_breach"]
    assert {m.audience for m in breaches} == {Audience.INCIDENT, Audience.ONCALL}
    assert {m.rotation for m in breaches} == {"maintainers"}


async def test_an_override_changes_who_is_paged(app: App, chat: RecordingChat) -> None:
    """With dana overriding today, a new incident pages dana, and escalation still reaches bob."""
    await oncall(app, "/oncall override @dana 2026-12-02")
    chat.clear()
    await say(app, "open sev1 Everything down", who="maria")
    assert pages(chat) == [DANA]


async def test_page_per_severity(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> None:
    """`page = { sev0 = "sre" }`: SEV-0 pages the sre rotation (all hands: each member), the
    rest the first one."""
    sre = {**MAINTAINERS, "name": "sre", "members": [DANA, CAROL], "channel": {}}
    app = await oncall_app(
        tmp_path / "sev.db", clock, chat, rotation=[MAINTAINERS, sre], page={"sev0": "sre"}
    )
    try:
        await say(app, "open sev0 Everything down", who="maria")
        await say(app, "open sev2 Search slow", who="maria")
        assert pages(chat) == [DANA, CAROL, ALICE]
    finally:
        await app.close()
