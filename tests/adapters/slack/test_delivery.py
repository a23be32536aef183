"""Delivery through the outbox: rate limits, 5xx storms, lost responses, DMs, dead letters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse as SlackResponse

from adapters.slack.errors import delivery_error
from incidents.model import OnCall
from incidents.severity import Severity
from tests.adapters.slack.conftest import SAM, Slack, running_slack
from tests.adapters.slack.standin import SlackStandIn

UPDATES = ["First look: 502s from the card processor", "Rolling back deploy 8812", "Recovered"]


async def open_with_updates(slack: Slack) -> None:
    """Open an incident and post three status updates without delivering anything yet."""
    await slack.command("open sev2 Card payments failing")
    await slack.adapter.settle()
    for text in UPDATES:
        await slack.app.service.handle_text(
            f"status 1 {text}", actor=f"slack:{SAM}", platform="slack"
        )


def incident_posts(slack: Slack) -> list[str]:
    """What the incident channel shows, oldest first, summary reduced to 'summary'."""
    texts = slack.channel(1).texts()
    return ["summary" if "Card payments failing" in t.split("\n")[0] else t for t in texts]


async def drain(slack: Slack, step: timedelta) -> int:
    """Advance the fake clock by `step` until the outbox is empty; returns the rounds it took."""
    for rounds in range(1, 100):
        await slack.settle()
        counts = await slack.app.store.outbox_counts()
        if not counts.get("pending"):
            return rounds
        slack.clock.advance(seconds=step.total_seconds())
    raise AssertionError("the outbox never drained")


def assert_delivered_once_in_order(slack: Slack) -> None:
    """Summary then each update, once; one announcement; one page; one pin."""
    posts = incident_posts(slack)
    assert posts[0] == "summary"
    assert [p.split(": ", 1)[-1] for p in posts[1:]] == UPDATES
    assert len(slack.standin.channels["CINCIDENTS"].posts()) == 1
    dm = slack.standin.dm(SAM)
    assert dm is not None
    assert len(dm.posts()) == 1
    assert len(slack.channel(1).pins) == 1


async def test_a_429_storm_delays_but_neither_loses_nor_doubles(slack: Slack) -> None:
    """Eight 429s with Retry-After: 7 s: each retry waits 7 s; all arrive once, in order."""
    await open_with_updates(slack)  # nothing delivered yet; Maria's name asked for (users.info)
    slack.standin.fail(8, 429, retry_after=7)
    await slack.settle()
    pending = await slack.app.store.list_outbox(undelivered_only=True, limit=10)
    [waiting] = [item for item in pending if item.last_error is not None]
    assert waiting.next_attempt_at == slack.clock.now() + timedelta(seconds=7)
    assert waiting.last_error is not None
    assert "rate limited" in waiting.last_error
    rounds = await drain(slack, timedelta(seconds=7))
    assert rounds > 8
    assert [call.status for call in slack.standin.calls].count(429) == 8
    assert_delivered_once_in_order(slack)


async def test_a_5xx_storm_is_retried_with_backoff(slack: Slack) -> None:
    """503s (JSON) and 502s (HTML) are retried with backoff; all arrive once, in order."""
    slack.standin.fail(4, 503)
    slack.standin.fail(3, 502, html=True)
    await open_with_updates(slack)
    await drain(slack, timedelta(minutes=5))
    assert_delivered_once_in_order(slack)
    failed = [call for call in slack.standin.calls if not call.ok]
    assert [call.status for call in failed[:7]] == [503] * 4 + [502] * 3


async def test_a_post_whose_response_was_lost_is_not_posted_again(slack: Slack) -> None:
    """chat.postMessage reached Slack but the answer was a 502: the retry finds it by metadata."""
    slack.standin.fail(1, 502, methods={"chat.postMessage"}, processed=True)
    slack.standin.fail(1, 504, methods={"pins.add"}, processed=True)
    await open_with_updates(slack)
    await drain(slack, timedelta(minutes=5))
    assert_delivered_once_in_order(slack)
    histories = slack.standin.served("conversations.history")
    assert histories
    assert all(call.params.get("include_all_metadata") == "1" for call in histories)


async def test_an_uploaded_review_is_not_uploaded_twice(slack: Slack) -> None:
    """files.completeUploadExternal answered 500 after sharing: the retry sees the file."""
    await slack.run("open sev2 Search latency")
    await slack.run("resolve Scaled out", user=SAM, channel=slack.channel(1).id)
    slack.standin.fail(1, 500, methods={"files.completeUploadExternal"}, processed=True)
    await slack.command("review", user=SAM, channel=slack.channel(1).id)
    await drain(slack, timedelta(minutes=5))
    files = [m for m in slack.channel(1).messages if m.get("files")]
    assert len(files) == 1
    assert "Review draft for #1" in slack.channel(1).texts()[-2]


async def test_a_page_to_an_email_identity_finds_the_slack_user(slack: Slack) -> None:
    """An on-call person known by email is looked up and paged by DM."""

    def by_email(severity: Severity) -> OnCall:
        return OnCall(rotation="support", primary="email:carol@example.com", backup=None)

    slack.app.service._oncall = by_email
    await slack.run("open sev1 Logins failing")
    dm = slack.standin.dm("U0CAROL")
    assert dm is not None
    assert "You are paged (primary, support)" in dm.texts()[0]
    assert "U0CAROL" in slack.channel(1).members
    assert "<@U0CAROL>" in slack.channel(1).texts()[0]  # the summary pings her, not an email


async def test_a_missing_channel_is_given_up_on_visibly(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """An on-call channel that does not exist: that message is dead with the reason; the
    rest of the incident's messages still arrive."""
    async with running_slack(
        tmp_path, standin, oncall_channels={("maintainers", "slack"): "CGONE"}
    ) as slack:
        await _missing_channel(slack)


async def _missing_channel(slack: Slack) -> None:
    await slack.run("open sev1 Checkout is failing")
    slack.clock.advance(minutes=30)
    await slack.app.scheduler.fire_due()
    await drain(slack, timedelta(minutes=5))
    dead = [
        item
        for item in await slack.app.store.list_outbox(undelivered_only=False, limit=50)
        if item.dead_at is not None
    ]
    assert [item.message.audience.value for item in dead] == ["oncall"]
    assert dead[0].last_error is not None
    assert "channel_not_found" in dead[0].last_error
    assert any("Paging everyone on maintainers" in t for t in slack.channel(1).texts())


async def test_a_created_channel_whose_answer_was_lost_is_adopted(slack: Slack) -> None:
    """conversations.create succeeded but answered 502: the retry adopts the bot's own channel
    instead of leaving it behind and making `-2`."""
    slack.standin.fail(1, 502, methods={"conversations.create"}, processed=True)
    await slack.command("open sev2 Disk full")
    await drain(slack, timedelta(minutes=5))
    [channel] = slack.standin.named("inc-1")
    assert channel.name == "inc-1-disk-full"
    assert channel.pins
    assert len(slack.standin.served("conversations.create")) == 0  # the lost one was "failed"


async def test_after_a_restart_the_topic_is_compared_before_it_is_set(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """A fresh adapter reads the topic once (conversations.info) and sets it only on change."""
    async with running_slack(tmp_path, standin) as first:
        await first.run("open sev2 Disk full")
        channel = first.channel(1)
    # A restart: a new app on the same store, with a fresh adapter and no remembered topics.
    async with running_slack(tmp_path, standin, clock=first.clock) as slack:
        topics = len(slack.standin.served("conversations.setTopic"))
        await slack.run(f"ic <@{SAM}>", user=SAM, channel=channel.id)
        assert len(slack.standin.served("conversations.info")) == 1
        assert len(slack.standin.served("conversations.setTopic")) == topics + 1
        await slack.run("ack", user=SAM, channel=channel.id)
        assert len(slack.standin.served("conversations.setTopic")) == topics + 1
        assert "IC: @sam" in channel.topic


async def test_a_retry_before_joining_the_announce_channel_still_posts(slack: Slack) -> None:
    """conversations.join rate limited: the retry's history check meets not_in_channel,
    which means "not posted yet", not a dead letter."""
    slack.standin.fail(1, 429, retry_after=3, methods={"conversations.join"})
    await slack.run("open sev2 Disk full")
    await drain(slack, timedelta(seconds=3))
    assert len(slack.standin.channels["CINCIDENTS"].posts()) == 1
    assert (await slack.app.store.outbox_counts()).get("dead", 0) == 0


async def test_another_bots_message_with_the_same_outbox_id_is_not_mistaken_for_ours(
    slack: Slack,
) -> None:
    """A staging sevbot's post carrying outbox id 3 in #incidents does not stop ours."""
    foreign = slack.standin.post_message("CINCIDENTS", "U0STAGING", "staging announcement")
    foreign["metadata"] = {"event_type": "sevbot_outbox", "event_payload": {"outbox_id": 3}}
    slack.standin.channels["CINCIDENTS"].members.add("UBOT")
    slack.standin.fail(1, 503, methods={"conversations.list"})  # the announcement's 1st try
    await slack.command("open sev2 Disk full")
    await drain(slack, timedelta(minutes=5))
    announcements = slack.standin.channels["CINCIDENTS"].posts()
    assert [m["user"] for m in announcements] == ["U0STAGING", "UBOT"]
    assert announcements[1]["metadata"]["event_payload"]["outbox_id"] == 3
    looked = [c.params["channel"] for c in slack.standin.served("conversations.history")]
    assert looked == ["CINCIDENTS"]  # the retry did look, and saw only the other bot's post


def test_token_and_scope_errors_are_retried_message_errors_are_not() -> None:
    """invalid_auth, token_revoked, missing_scope… fail every message until the installation is
    fixed, then all should go out: retried. channel_not_found, is_archived… are the message's
    own: given up at once."""
    for code, permanent in [
        ("invalid_auth", False),
        ("token_revoked", False),
        ("missing_scope", False),
        ("account_inactive", False),
        ("channel_not_found", True),
        ("is_archived", True),
        ("msg_too_long", True),
    ]:
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url="https://slack.com/api/chat.postMessage",
            req_args={},
            data={"ok": False, "error": code},
            headers={},
            status_code=200,
        )
        failure = delivery_error(SlackApiError(code, response), "posting")
        assert (code, failure.permanent, failure.retry_after) == (code, permanent, None)
