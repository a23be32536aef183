"""Summary buttons, the severity picker and the forms, including right after a restart."""

from __future__ import annotations

from pathlib import Path

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import (
    deliver,
    discord_app,
    discord_settings,
    oncall_of,
    open_incident,
    start_adapter,
)
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.server import Sent


def summary_of(discord: StandIn, channel: dict) -> Sent:
    """The pinned summary with the buttons."""
    return next(s for s in discord.posts(channel) if s.custom_ids())


async def test_buttons_work_after_a_restart(
    tmp_path: Path, app: App, clock: FakeClock, discord: StandIn
) -> None:
    """A summary posted by one process: clicking Acknowledge right after a restart (new client,
    new App, same store) is answered and acknowledges the incident."""
    first = await start_adapter(app)
    channel = await open_incident(app, discord)
    summary = summary_of(discord, channel)
    await first.stop()
    await app.close()

    restarted = await discord_app(
        discord_settings(tmp_path, discord), clock, oncall=oncall_of(discord)
    )
    second = await start_adapter(restarted)
    try:
        assert len(discord.gateway.identifies) == 2
        answer = await discord.click(summary, "sevbot:ack:1", as_user="li")
        assert answer.type == 4
        assert answer.ephemeral
        await deliver(restarted)
        assert f"<@{discord.uid('li')}> acknowledged in" in discord.posts(channel)[-1].text
        incident = await restarted.service.load(1)
        assert incident is not None
        assert incident.acknowledged_by == f"discord:{discord.uid('li')}"
    finally:
        await second.stop()
        await restarted.close()


async def test_post_update_button_opens_the_form_and_the_form_posts(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Post update → a modal (type 9, stable custom id); submitting it posts the update."""
    channel = await open_incident(app, discord)
    answer = await discord.click(summary_of(discord, channel), "sevbot:update:1")
    assert answer.type == 9
    assert answer.data["custom_id"] == "sevbot:status:1"
    submitted = await discord.submit("sevbot:status:1", {"text": "Rolled back"}, channel=channel)
    assert submitted.ephemeral
    await deliver(app)
    assert "Status update from" in discord.posts(channel)[-1].text
    assert "Rolled back" in discord.posts(channel)[-1].text


async def test_status_without_text_opens_the_form(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """`/incident status external:true` with no text asks in a modal; the form posts externally."""
    channel = await open_incident(app, discord)
    answer = await discord.slash("status", channel=channel, external=True)
    assert (answer.type, answer.data["custom_id"]) == (9, "sevbot:status:0:external")
    await discord.submit("sevbot:status:0:external", {"text": "We are on it"}, channel=channel)
    await deliver(app)
    assert "External update from" in discord.posts(channel)[-1].text


async def test_change_severity_button_shows_a_picker(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Change severity → an ephemeral select; picking SEV-0 changes the severity."""
    channel = await open_incident(app, discord)
    answer = await discord.click(summary_of(discord, channel), "sevbot:sev:1")
    assert answer.ephemeral
    picker = answer.data["components"][0]["components"][0]
    assert picker["custom_id"] == "sevbot:setsev:1"
    assert [o["value"] for o in picker["options"]] == ["sev0", "sev1", "sev2", "sev3"]
    await discord.pick(answer, "sevbot:setsev:1", "sev0", channel=channel)
    await deliver(app)
    assert "Severity raised SEV-1 → SEV-0" in discord.posts(channel)[-1].text


async def test_resolve_button_asks_for_a_summary(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Resolve → a modal for the summary; submitting resolves with it."""
    channel = await open_incident(app, discord)
    answer = await discord.click(summary_of(discord, channel), "sevbot:resolve:1")
    assert (answer.type, answer.data["custom_id"]) == (9, "sevbot:resolved:1")
    await discord.submit("sevbot:resolved:1", {"summary": "Rolled back 8812"}, channel=channel)
    await deliver(app)
    resolved = [s for s in discord.posts(channel) if "Resolved by" in s.text]
    assert resolved
    assert "Rolled back 8812" in resolved[0].text


async def test_a_form_submitted_after_a_restart_is_handled(
    tmp_path: Path, app: App, clock: FakeClock, discord: StandIn
) -> None:
    """A status form opened before a restart still posts when submitted after it."""
    first = await start_adapter(app)
    channel = await open_incident(app, discord)
    await discord.click(summary_of(discord, channel), "sevbot:update:1")
    await first.stop()
    second = await start_adapter(app)
    try:
        answer = await discord.submit("sevbot:status:1", {"text": "Still here"}, channel=channel)
        assert answer.ephemeral
        await deliver(app)
        assert "Still here" in discord.posts(channel)[-1].text
    finally:
        await second.stop()


async def test_a_button_error_is_ephemeral(app: App, bot: DiscordAdapter, discord: StandIn) -> None:
    """Acknowledging twice: the second click gets a polite private explanation."""
    channel = await open_incident(app, discord)
    summary = summary_of(discord, channel)
    await discord.click(summary, "sevbot:ack:1")
    again = await discord.click(summary, "sevbot:ack:1", as_user="li")
    assert again.ephemeral
    assert "already acknowledged" in again.content
