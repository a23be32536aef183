"""Every `/incident` subcommand and `/oncall`, through the real discord.py client."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.service import Outcome
from incidents.messages import Audience, Message
from tests.adapters.discord.conftest import deliver, open_incident, run, start_adapter
from tests.adapters.discord.standin import StandIn


async def test_open_creates_the_channel_summary_announcement_and_page(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Open: ephemeral reply, `inc-1-…` in the category with its topic, pinned summary with
    buttons pinging the primary, an announcement, and a DM page."""
    answer = await discord.slash("open", severity="SEV-1", title="Checkout is failing")
    assert (answer.type, answer.ephemeral) == (4, True)
    assert answer.content == "Opening incident #1… its channel is being created."
    await deliver(app)
    channel = discord.channel_named("inc-1")
    category = discord.channel_named("Incidents")
    assert channel["name"] == "inc-1-checkout-is-failing"
    assert (category["type"], channel["parent_id"]) == (4, category["id"])
    assert channel["topic"].startswith("🔴 SEV-1 · detection · IC: unassigned · #1 ")
    summary = discord.posts(channel)[0]
    assert summary.embed["title"] == "🔴 SEV-1 · Checkout is failing"
    assert summary.custom_ids() == [
        "sevbot:ack:1",
        "sevbot:update:1",
        "sevbot:sev:1",
        "sevbot:resolve:1",
    ]
    assert str(discord.uid("sam")) in summary.pinged["users"]
    assert discord.pins[int(channel["id"])] == [int(summary.message["id"])]
    announcement = discord.posts(discord.announce)[0]
    assert "SEV-1 #1 Checkout is failing" in announcement.text
    assert "You are paged" in discord.dms("sam")[0].text
    assert (await app.service.load(1)) is not None


async def test_the_lifecycle_subcommands_in_the_incident_channel(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """ack, ic, role, note, action (add, done), status (+ external), sev, phase: each posts."""
    channel = await open_incident(app, discord)
    li, ana = {"user": "li"}, {"user": "ana"}
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("ack", {}, "acknowledged in"),
        ("ic", {"user": li}, f"<@{discord.uid('li')}> is incident commander."),
        ("role", {"role": "comms", "user": ana}, "is communications lead."),
        ("role", {"role": "responder", "user": {"user": "sam"}}, "is responder."),
        ("note", {"text": "Paused the nightly batch"}, "Note from"),
        ("action", {"text": "Alert on 502s", "owner": li}, "Action item 1: Alert on 502s"),
        ("action", {"done": 1}, "Action item 1 done"),
        ("status", {"text": "Rolled back the deploy"}, "Status update from"),
        ("status", {"text": "We are investigating", "external": True}, "External update from"),
        ("sev", {"level": "SEV-0"}, "Severity raised SEV-1 → SEV-0"),
        ("phase", {"name": "investigation"}, "Phase: detection → investigation"),
    ]
    for verb, options, posted in steps:
        before = len(discord.posts(channel))
        await run(app, discord, verb, channel, **options)
        new = discord.posts(channel)[before:]
        assert any(posted in sent.text for sent in new), (verb, [s.text for s in new])
    topic = discord.channels[int(channel["id"])]["topic"]
    assert topic.startswith(f"🔴 SEV-0 · investigation · IC: <@{discord.uid('li')}>")
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.communications_lead == f"discord:{discord.uid('ana')}"


async def test_resolve_review_and_close(app: App, bot: DiscordAdapter, discord: StandIn) -> None:
    """resolve posts and announces; review attaches Markdown; close waits for `review done`."""
    channel = await open_incident(app, discord)
    await run(app, discord, "resolve", channel, summary="Rolled back deploy 8812")
    assert "Resolved by" in discord.posts(channel)[-1].text
    assert "Resolved" in discord.posts(discord.announce)[-1].text
    reply = await run(app, discord, "review", channel)
    assert "incident-1-review.md" in reply
    review = discord.posts(channel)[-1]
    assert review.files[0]["filename"] == "incident-1-review.md"
    assert review.files[0]["content"].decode().startswith("#")
    refused = await run(app, discord, "close", channel)
    assert "needs its post-incident review" in refused
    await run(app, discord, "review", channel, done="https://wiki.example.com/pir-1")
    await run(app, discord, "close", channel)
    assert "closed by" in discord.posts(channel)[-1].text
    assert discord.channels[int(channel["id"])]["topic"].startswith("🔴 SEV-1 · closed")


async def test_force_close_and_queries(app: App, bot: DiscordAdapter, discord: StandIn) -> None:
    """timeline, list and help answer ephemerally; `close force` skips the review."""
    channel = await open_incident(app, discord)
    assert "Declared SEV-1" in await run(app, discord, "timeline", channel)
    assert "#1" in await run(app, discord, "list", discord.general)
    assert "/incident" in await run(app, discord, "help", discord.general)
    await run(app, discord, "ic", channel, user={"user": "sam"})  # force-close is the IC's
    await run(app, discord, "resolve", channel)
    await run(app, discord, "close", channel, force=True)
    assert "review skipped" in discord.posts(channel)[-1].text


async def test_commands_elsewhere_name_the_incident_by_number(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Outside the incident channel the `incident` option picks it; without it, a hint."""
    channel = await open_incident(app, discord)
    hint = await run(app, discord, "note", discord.general, text="From elsewhere")
    assert "Which incident?" in hint
    assert "#1" in hint
    await run(app, discord, "note", discord.general, text="From elsewhere", incident=1)
    assert "From elsewhere" in discord.posts(channel)[-1].text


async def test_errors_are_ephemeral_and_say_what_is_valid(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """A refused command changes nothing and explains the valid choices, privately."""
    channel = await open_incident(app, discord)
    posted = len(discord.sent)
    reply = await run(app, discord, "phase", channel, name="closed")
    assert "next can be" in reply
    reply = await run(app, discord, "sev", channel, level="SEV-1")
    assert "already SEV-1" in reply
    assert len(discord.sent) == posted


async def test_oncall_without_rotations_says_so(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """`/oncall` with no rotation configured answers ephemerally how to set one up: a
    `[[rotation]]` example with Discord member ids (the core's one wording)."""
    answer = await discord.slash(None, command="oncall")
    assert answer.ephemeral
    assert "No on-call rotation is configured" in answer.content
    assert "[[rotation]]" in answer.content
    assert '"discord:123456789012345678"' in answer.content


class FakeOnCall:
    """The on-call command handler's port, recording what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str | None]] = []

    async def handle_text(
        self,
        text: str,
        *,
        actor: str,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> Outcome:
        """Answer with who is on call."""
        self.asked.append((text, actor, request_key))
        reply = Message(kind="oncall", audience=Audience.REPLY, text=("Primary: @sam",))
        return Outcome(ok=True, reply=reply)


ONCALL = FakeOnCall()


@pytest.mark.oncall_commands(ONCALL)
async def test_oncall_goes_to_the_rotations(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """`/oncall schedule 4` is handed to the on-call handler as the person who asked."""
    oncall = ONCALL
    answer = await discord.slash(None, command="oncall", text="schedule 4")
    assert answer.content == "Primary: @sam"
    text, actor, key = oncall.asked[0]
    assert (text, actor) == ("schedule 4", f"discord:{discord.uid('sam')}")
    assert key == f"discord:{answer.interaction_id}"


@pytest.mark.defer_after(0)
async def test_slow_work_is_deferred_then_followed_up(app: App, discord: StandIn) -> None:
    """When the answer is not ready in time, the bot defers (type 5) and follows up."""
    running = await start_adapter(app)
    try:
        answer = await discord.slash("open", severity="SEV-2", title="Slow disk")
        assert (answer.type, answer.ephemeral) == (5, True)
        followup = await discord.followup(answer.interaction_id)
        assert followup.content.startswith("Opening incident #1")
        assert followup.ephemeral
    finally:
        await running.stop()
