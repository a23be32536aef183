"""Channel events into the timeline: pins, 📌 reactions, participants; retries done once."""

from __future__ import annotations

from typing import Any

from incidents.model import EntryKind, Incident
from tests.adapters.slack.conftest import LI, MARIA, SAM, Slack
from tests.adapters.slack.standin import BOT_ID, BOT_USER

ANA = "U0ANA"


async def incident(slack: Slack, number: int = 1) -> Incident:
    """The incident as stored."""
    loaded = await slack.app.service.load(number)
    assert loaded is not None
    return loaded


def pins(found: Incident) -> list[tuple[str, str | None, str | None]]:
    """(text, author, link) of each pinned-message timeline entry."""
    return [
        (entry.text, entry.get("author"), entry.get("link"))
        for entry in found.timeline
        if entry.kind is EntryKind.PINNED
    ]


def spy(slack: Slack) -> list[tuple[str, bool]]:
    """Record (request type, was a duplicate) for each request the bus handles from now on."""
    seen: list[tuple[str, bool]] = []
    service = slack.app.service
    original = service.handle

    async def recording(request: Any, **kwargs: Any) -> Any:
        outcome = await original(request, **kwargs)
        seen.append((type(request).__name__, outcome.duplicate))
        return outcome

    service.handle = recording  # type: ignore[method-assign]
    return seen


def pin_added(channel: str, message: dict[str, Any], by: str) -> dict[str, Any]:
    """A `pin_added` event as Slack sends it."""
    return {
        "type": "pin_added",
        "user": by,
        "channel_id": channel,
        "item": {
            "type": "message",
            "channel": channel,
            "created_by": by,
            "message": {**message, "permalink": f"https://x.slack.com/p{message['ts']}"},
        },
        "event_ts": "1700000099.000100",
    }


def pushpin(channel: str, message: dict[str, Any], by: str) -> dict[str, Any]:
    """A `reaction_added` :pushpin: event."""
    return {
        "type": "reaction_added",
        "user": by,
        "reaction": "pushpin",
        "item_user": message["user"],
        "item": {"type": "message", "channel": channel, "ts": message["ts"]},
        "event_ts": "1700000098.000100",
    }


async def test_a_pinned_message_goes_into_the_timeline(slack: Slack) -> None:
    """pin_added in the incident channel → a PINNED entry with author, text and link."""
    await slack.run("open sev2 Search latency")
    channel = slack.channel(1).id
    said = slack.standin.post_message(channel, LI, "Found it: the EU index is rebuilding")
    reply = await slack.event(pin_added(channel, said, by=MARIA))
    assert reply.status == 200
    await slack.settle()
    assert pins(await incident(slack)) == [
        (
            "Found it: the EU index is rebuilding",
            "slack:U0LI",
            f"https://x.slack.com/p{said['ts']}",
        )
    ]


async def test_a_pushpin_reaction_counts_as_a_pin_once(slack: Slack) -> None:
    """:pushpin: fetches the text and permalink; pinning the same message again adds nothing."""
    await slack.run("open sev2 Search latency")
    channel = slack.channel(1).id
    said = slack.standin.post_message(channel, SAM, "Rolled back at 14:20")
    await slack.event(pushpin(channel, said, by=MARIA))
    await slack.settle()
    [(text, author, link)] = pins(await incident(slack))
    assert (text, author) == ("Rolled back at 14:20", "slack:U0SAM")
    assert link is not None
    assert link.startswith("https://sevbot-test.slack.com/archives/")
    await slack.event(pin_added(channel, said, by=LI))
    await slack.settle()
    assert len(pins(await incident(slack))) == 1


async def test_the_bots_own_pin_is_not_recorded(slack: Slack) -> None:
    """The summary the bot pinned itself (and 📌 on a bot message) stay out of the timeline."""
    await slack.run("open sev2 Search latency")
    channel = slack.channel(1)
    summary = channel.posts()[0]
    await slack.event(pin_added(channel.id, summary, by=BOT_USER))
    await slack.event(pushpin(channel.id, {**summary, "user": BOT_USER}, by=MARIA))
    await slack.settle()
    assert pins(await incident(slack)) == []


async def test_people_who_speak_become_participants_once(slack: Slack) -> None:
    """Messages make the speaker a participant: one write per person, bots ignored."""
    await slack.run("open sev2 Search latency")
    channel = slack.channel(1).id
    handled = spy(slack)
    for text in ("looking", "still looking", "found it"):
        await slack.event({"type": "message", "channel": channel, "user": ANA, "text": text})
    await slack.event(
        {"type": "message", "channel": channel, "bot_id": BOT_ID, "user": "U0OTHERBOT", "text": "x"}
    )
    await slack.event({"type": "message", "channel": "CGENERAL", "user": LI, "text": "lunch?"})
    await slack.settle()
    assert handled == [("RecordParticipant", False)]
    found = await incident(slack)
    assert "slack:U0ANA" in found.participants
    assert "slack:U0LI" not in found.speakers


async def test_retried_events_do_nothing_twice(slack: Slack) -> None:
    """The same event_id again (X-Slack-Retry-Num) records nothing more."""
    await slack.run("open sev2 Search latency")
    channel = slack.channel(1).id
    said = slack.standin.post_message(channel, LI, "Root cause: expired certificate")
    event = pin_added(channel, said, by=MARIA)
    first = await slack.event(event, event_id="Ev0PIN")
    retry = await slack.event(event, event_id="Ev0PIN", retry=1)
    assert (first.status, retry.status) == (200, 200)
    await slack.settle()
    assert len(pins(await incident(slack))) == 1
    handled = spy(slack)
    speaking = {"type": "message", "channel": channel, "user": ANA, "text": "hi"}
    await slack.event(speaking, event_id="Ev0MSG")
    await slack.settle()
    slack.adapter.capture._speakers.clear()  # as if the retry reached another replica
    await slack.event(speaking, event_id="Ev0MSG", retry=2)
    await slack.settle()
    assert handled == [("RecordParticipant", False), ("RecordParticipant", True)]
