"""One incident on Slack and Discord (`[mirror]`), and `[[person]]`: the service on two chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents import commands as c
from incidents.messages import Mention, Message, MessageKind
from incidents.people import Person
from incidents.ports import DeliveryError
from tests.fakes import RecordingChat
from tests.service.conftest import tick

ANA_SLACK, ANA_DISCORD = "slack:U01ANA", "discord:234567890123456789"
SAM = "slack:U0SAM"
ANA = {"name": "Ana Lima", "slack": "U01ANA", "discord": "234567890123456789"}
ROTATION = {"name": "maintainers", "members": ["Ana Lima", SAM], "start": "2026-11-23"}
MIRROR = {"platforms": ["slack", "discord"], "relay_messages": True}


class Chats:
    """The app with a recording chat for Slack and one for Discord."""

    def __init__(self, app: App, slack: RecordingChat, discord: RecordingChat) -> None:
        self.app, self.slack, self.discord = app, slack, discord

    async def say(self, text: str, *, actor: str = SAM, platform: str = "slack") -> str:
        """A command from `actor` on `platform`, then delivery; the reply's text."""
        outcome = await self.app.service.handle_text(text, actor=actor, platform=platform)
        await self.app.dispatcher.deliver_due()
        return outcome.reply_text

    def of(self, kind: MessageKind) -> tuple[list[Message], list[Message]]:
        """The messages of `kind` delivered on Slack and on Discord."""
        return (
            [m for m in self.slack.messages if m.kind == kind],
            [m for m in self.discord.messages if m.kind == kind],
        )


@asynccontextmanager
async def running(tmp_path: Path, clock: FakeClock, **settings: Any) -> AsyncIterator[Chats]:
    """The real application with `settings` (Ana in [[person]], the rotation naming her)."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/m.db",
        "person": [ANA],
        "rotation": [ROTATION],
    }
    slack, discord = RecordingChat(platform="slack"), RecordingChat(platform="discord")
    app = await build_app(Settings(**(values | settings)), clock=clock, chats=[slack, discord])
    try:
        yield Chats(app, slack, discord)
    finally:
        await app.close()


@pytest.fixture
async def mirrored(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Chats]:
    """Every incident on Slack and Discord, relaying messages."""
    async with running(tmp_path, clock, mirror=MIRROR) as chats:
        yield chats


async def test_an_incident_opened_in_slack_lives_on_both(mirrored: Chats) -> None:
    """Opening in Slack: the summary and the announcement on each platform, once."""
    await mirrored.say("open sev1 Checkout is failing")
    incident = await mirrored.app.service.load(1)
    assert incident is not None
    assert incident.home == ("slack", "discord")
    for kind in (MessageKind.SUMMARY, MessageKind.ANNOUNCEMENT):
        on_slack, on_discord = mirrored.of(kind)
        assert (len(on_slack), len(on_discord)) == (1, 1)


async def test_a_rotation_naming_ana_lima_pages_her_on_both_platforms(mirrored: Chats) -> None:
    """The rotation lists `Ana Lima`: the page reaches her Slack and her Discord identity."""
    await mirrored.say("open sev1 Checkout is failing")
    on_slack, on_discord = mirrored.of(MessageKind.PAGE)
    assert [m.recipient for m in on_slack] == [ANA_SLACK]
    assert [m.recipient for m in on_discord] == [ANA_DISCORD]


async def test_a_status_update_from_discord_is_posted_in_both_saying_where(
    mirrored: Chats,
) -> None:
    """Ana's update from Discord: once on each side, "(Discord)" after her mention, which is
    her own identity on each platform; the record names one person."""
    await mirrored.say("open sev1 Checkout is failing")
    await mirrored.say("status 1 Rolled back", actor=ANA_DISCORD, platform="discord")
    [on_slack], [on_discord] = mirrored.of(MessageKind.STATUS_UPDATE)
    assert on_slack.text[1:3] == (Mention(ANA_SLACK), " (Discord)")  # type: ignore[arg-type]
    assert on_discord.text[1:3] == (Mention(ANA_DISCORD), " (Discord)")  # type: ignore[arg-type]
    incident = await mirrored.app.service.load(1)
    assert incident is not None
    assert incident.status_updates[-1].author == ANA_SLACK
    assert incident.timeline[-1].get("platform") == "discord"
    timeline = await mirrored.say("timeline 1")
    assert "Rolled back" in timeline
    assert "(Discord)" in timeline


async def test_a_reminder_comes_once_on_each_side(mirrored: Chats, clock: FakeClock) -> None:
    """30 minutes without an update: one status reminder in each channel."""
    await mirrored.say("open sev1 Checkout is failing")
    await mirrored.say("ack 1", actor=ANA_DISCORD, platform="discord")
    await tick(mirrored.app, clock, minutes=31)
    on_slack, on_discord = mirrored.of(MessageKind.STATUS_REMINDER)
    assert (len(on_slack), len(on_discord)) == (1, 1)


async def test_an_acknowledgement_from_discord_stops_escalation_on_both(
    mirrored: Chats, clock: FakeClock
) -> None:
    """Ana acknowledges from Discord: no escalation step on either side, ever; acknowledged
    by her (one person)."""
    await mirrored.say("open sev1 Checkout is failing")
    await mirrored.say("ack 1", actor=ANA_DISCORD, platform="discord")
    await tick(mirrored.app, clock, minutes=45)
    assert mirrored.of(MessageKind.ESCALATION) == ([], [])
    incident = await mirrored.app.service.load(1)
    assert incident is not None
    assert incident.acknowledged_by == ANA_SLACK


async def test_unacknowledged_escalation_comes_once_on_each_side(
    mirrored: Chats, clock: FakeClock
) -> None:
    """Nobody acknowledges: the backup step is posted once in each channel."""
    await mirrored.say("open sev1 Checkout is failing")
    await tick(mirrored.app, clock, minutes=16)
    on_slack, on_discord = mirrored.of(MessageKind.ESCALATION)
    assert (len(on_slack), len(on_discord)) == (1, 1)


async def test_access_names_a_person_by_name_whatever_platform_they_act_from(
    tmp_path: Path, clock: FakeClock
) -> None:
    """`admins = ["Ana Lima"]`: Ana acting from Discord may change a severity she does not
    lead; Sam's Discord-only colleague may not."""
    async with running(tmp_path, clock, mirror=MIRROR, access={"admins": ["Ana Lima"]}) as chats:
        await chats.say("open sev2 Search is slow")
        await chats.say("sev 1 sev1", actor=ANA_DISCORD, platform="discord")
        [raised], _ = chats.of(MessageKind.SEVERITY_CHANGED)
        assert "SEV-2 → SEV-1" in raised.plain_text()
        stranger = "discord:999999999999999999"
        refused = await chats.say("sev 1 sev3", actor=stranger, platform="discord")
        assert refused.startswith("Only the declarer")


async def test_a_message_written_on_one_side_is_relayed_once_to_the_other(
    mirrored: Chats,
) -> None:
    """A relayed message goes to the other platform only, with Ana's configured name, once
    per request key; never as a mention."""
    await mirrored.say("open sev1 Checkout is failing")
    for _ in range(2):
        await mirrored.app.service.handle(
            c.RelayMessage(author=Person(ANA_DISCORD), text="@everyone see graph", name="ana_l"),
            actor=ANA_DISCORD,
            platform="discord",
            number=1,
            request_key="discord:relay:42",
        )
    await mirrored.app.dispatcher.deliver_due()
    on_slack, on_discord = mirrored.of(MessageKind.RELAYED)
    assert on_discord == []
    assert [m.plain_text() for m in on_slack] == ["💬 Ana Lima (Discord): @everyone see graph"]
    assert not any(isinstance(part, Mention) for part in on_slack[0].text)


async def test_a_rate_limited_platform_delays_only_its_own_copy(
    mirrored: Chats, clock: FakeClock
) -> None:
    """Discord answers 429 (retry after 20 s): Slack gets everything now; Discord gets each
    message once, in order, when the wait is over."""
    mirrored.discord.failures.append(DeliveryError("429", retry_after=20))
    await mirrored.say("open sev1 Checkout is failing")
    await mirrored.say("status 1 Rolled back")
    assert MessageKind.STATUS_UPDATE in mirrored.slack.kinds()
    assert mirrored.discord.kinds() == []  # the page waits too: it is #1's, on Discord
    await tick(mirrored.app, clock, seconds=20)
    kinds = mirrored.discord.kinds()
    assert kinds.count(MessageKind.SUMMARY) == kinds.count(MessageKind.STATUS_UPDATE) == 1
    assert kinds.index(MessageKind.SUMMARY) < kinds.index(MessageKind.STATUS_UPDATE)


async def test_without_mirror_the_api_uses_default_platform_and_pages_follow_page_on(
    tmp_path: Path, clock: FakeClock
) -> None:
    """No [mirror]: an incident lives where it was opened, the API's on `default_platform`;
    Ana, paged on Discord only, gets her page there."""
    ana = ANA | {"page_on": ["discord"]}
    async with running(tmp_path, clock, person=[ana], default_platform="discord") as chats:
        assert chats.app.default_platform == "discord"
        await chats.say("open sev1 Checkout is failing", actor="api:api", platform="discord")
        incident = await chats.app.service.load(1)
        assert incident is not None
        assert incident.home == ("discord",)
        summaries_on_slack, summaries_on_discord = chats.of(MessageKind.SUMMARY)
        assert (len(summaries_on_slack), len(summaries_on_discord)) == (0, 1)
        on_slack, on_discord = chats.of(MessageKind.PAGE)
        assert on_slack == []
        assert [m.recipient for m in on_discord] == [ANA_DISCORD]


async def test_the_review_draft_says_which_actions_came_from_discord(mirrored: Chats) -> None:
    """The review draft of a mirrored incident: Ana's status update from Discord is marked
    "(Discord)" beside her name; Sam's resolution from Slack says "(Slack)"."""
    await mirrored.say("open sev1 Checkout is failing")
    await mirrored.say("status 1 Rolled back deploy 8812", actor=ANA_DISCORD, platform="discord")
    await mirrored.say("resolve 1 Deploy 8812 rolled back")
    await mirrored.say("review 1")
    [on_slack], [on_discord] = mirrored.of(MessageKind.REVIEW)
    assert on_slack.attachment == on_discord.attachment  # one incident, one draft
    rows = [line for line in (on_slack.attachment or "").splitlines() if line.startswith("- 20")]
    [update] = [row for row in rows if "Rolled back deploy 8812" in row]
    assert "· Ana Lima (Discord) ·" in update
    [resolved] = [row for row in rows if "Resolved after" in row]
    assert "(Slack)" in resolved
    assert "(Discord)" not in resolved
