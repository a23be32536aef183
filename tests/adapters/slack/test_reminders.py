"""Time-driven messages in Slack, with the fake clock: reminders, warnings, escalation."""

from __future__ import annotations

from tests.adapters.slack.conftest import LI, SAM, Slack


async def tick(slack: Slack, **delta: float) -> None:
    """Advance the fake clock, fire what is due and deliver it."""
    slack.clock.advance(**delta)
    await slack.app.scheduler.fire_due()
    await slack.settle()


def reminders(slack: Slack) -> list[str]:
    """Status reminders posted in incident #1's channel."""
    return [t for t in slack.channel(1).texts() if t.startswith("⏰")]


async def test_status_reminders_ping_the_ic_reset_on_update_and_stop_on_resolve(
    slack: Slack,
) -> None:
    """Every 30 min without an update the IC is pinged; an update resets it; resolve stops it."""
    await slack.run("open sev2 Search latency in EU")
    channel = slack.channel(1).id
    await slack.run(f"ic <@{SAM}>", user=SAM, channel=channel)
    await tick(slack, minutes=30)
    assert reminders(slack) == [
        "⏰ <@U0SAM>, no status update for 30 min. What do we know, what are we doing, "
        "when is the next update? `/incident status …`"
    ]
    await tick(slack, minutes=10)
    await slack.run("status Index rebuild at 40 %", user=SAM, channel=channel)
    await tick(slack, minutes=25)
    assert len(reminders(slack)) == 1  # 35 min since the reminder, 25 since the update
    await tick(slack, minutes=5)
    assert len(reminders(slack)) == 2
    await slack.run("resolve Rebuild finished", user=SAM, channel=channel)
    await tick(slack, hours=3)
    assert len(reminders(slack)) == 2


async def test_deadline_warnings_and_breaches_are_posted_in_the_channel(slack: Slack) -> None:
    """The detection window's warning (80 %) and breach appear in the incident channel; the
    breach speaks to the primary on call who was paged (nobody has acknowledged yet)."""
    await slack.run("open sev2 Search latency in EU")
    await tick(slack, minutes=12)
    assert "⚠️ Detection window ends at 14:15 UTC (3 min left)." in slack.channel(1).texts()
    await tick(slack, minutes=3)
    assert any(
        t.startswith("🚨 <@U0SAM>, the detection window ended at 14:15 UTC")
        for t in slack.channel(1).texts()
    )


async def test_escalation_pages_the_backup_then_everyone_with_here(slack: Slack) -> None:
    """No ack: the backup gets a DM at 15 min; at 30 min the on-call channel gets <!here>."""
    await slack.run("open sev1 Checkout is failing")
    await tick(slack, minutes=15)
    backup = slack.standin.dm(LI)
    assert backup is not None
    assert "You are paged (backup, maintainers)" in backup.texts()[0]
    await tick(slack, minutes=15)
    [page] = slack.standin.channels["CONCALL"].posts()
    assert page["text"].startswith("<!here> SEV-1 #1 Checkout is failing is unacknowledged")
    await slack.run("ack", user=SAM, channel=slack.channel(1).id)
    await tick(slack, hours=1)
    assert len(slack.standin.channels["CONCALL"].posts()) == 1
