"""The command bus on the real store: transactions, replies, outbox, idempotency."""

from __future__ import annotations

from bot.bootstrap import App
from bot.events import EventPublisher
from incidents.events import IncidentOpened
from incidents.messages import Audience
from incidents.severity import Severity
from tests.fakes import RecordingChat
from tests.service.conftest import T0, say


async def test_open_posts_summary_page_and_announcement(app: App, chat: RecordingChat) -> None:
    """Opening writes the summary, the page to the primary and the announcement to the outbox."""
    reply = await say(app, "/incident open sev1 Checkout is failing", who="maria")
    assert reply == "Opening incident #1… its channel is being created."
    assert chat.kinds() == ["summary", "page", "announcement"]
    summary = chat.messages[0]
    assert summary.pin
    assert summary.audience is Audience.INCIDENT
    assert chat.messages[1].recipient == "console:sam"


async def test_numbers_are_sequential(app: App) -> None:
    """Each open gets the next number."""
    first = await say(app, "open sev2 One")
    second = await say(app, "open sev3 Two")
    assert "#1" in first
    assert "#2" in second


async def test_parse_error_changes_nothing(app: App, chat: RecordingChat) -> None:
    """Bad input gets the parser's polite error and writes nothing."""
    reply = await say(app, "/incident open sev9 DB down")
    assert reply.startswith("Unknown severity `sev9`")
    assert chat.delivered == []
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []


async def test_domain_error_rolls_back(app: App, chat: RecordingChat) -> None:
    """A refused command (ack twice) replies with why and adds no timeline entry."""
    await say(app, "open sev1 DB down")
    await say(app, "ack 1")
    before = await app.service.load(1)
    reply = await say(app, "ack 1", who="li")
    after = await app.service.load(1)
    assert "already acknowledged by @sam" in reply
    assert before is not None
    assert after is not None
    assert len(after.timeline) == len(before.timeline)


async def test_command_without_incident_lists_open_ones(app: App) -> None:
    """Outside an incident channel and without a number, the reply says how and lists #s."""
    await say(app, "open sev2 Search slow")
    reply = await say(app, "status Looking")
    assert "Which incident?" in reply
    assert "#1" in reply


async def test_unknown_number_is_refused(app: App) -> None:
    """A number that is no incident is refused politely."""
    reply = await say(app, "ack 7")
    assert reply == "There is no incident #7. `/incident list` shows the open ones."


async def test_channel_binding_names_the_incident(app: App, chat: RecordingChat) -> None:
    """Inside a bound incident channel, commands need no number."""
    await say(app, "open sev2 Search slow")
    await app.service.bind_channel(1, "console", "inc-1-search-slow")
    await say(app, "status Found the slow query", channel="inc-1-search-slow")
    incident = await app.service.load(1)
    assert incident is not None
    assert [u.text for u in incident.status_updates] == ["Found the slow query"]


async def test_retried_request_is_done_once(app: App, chat: RecordingChat) -> None:
    """The same request key twice (a platform retry) opens one incident."""
    first = await app.service.handle_text(
        "open sev1 Twice", actor="console:sam", platform="console", request_key="evt-1"
    )
    second = await app.service.handle_text(
        "open sev1 Twice", actor="console:sam", platform="console", request_key="evt-1"
    )
    assert first.incident == 1
    assert second.duplicate
    async with app.store.transaction() as uow:
        assert [i.number for i in await uow.open_incidents()] == [1]


async def test_review_is_posted_as_markdown_file(app: App, chat: RecordingChat) -> None:
    """`review` posts the draft as incident-N-review.md in the incident channel."""
    await say(app, "open sev1 DB down")
    await say(app, "status 1 Failing over")
    reply = await say(app, "review 1")
    assert "incident-1-review.md" in reply
    review = chat.messages[-1]
    assert review.attachment_name == "incident-1-review.md"
    assert review.attachment is not None
    assert "Failing over" in review.attachment


async def test_list_and_timeline_and_help(app: App) -> None:
    """Queries answer from the store without changing it."""
    await say(app, "open sev2 Search slow")
    assert "SEV-2 #1 Search slow" in await say(app, "list")
    assert "Declared SEV-2: Search slow" in await say(app, "timeline 1")
    assert "open <sev> [--private] [--component <name>] <title>" in await say(app, "help")


def test_event_handler_failure_does_not_stop_others() -> None:
    """A failing event handler is logged; the next one still runs."""
    seen: list[str] = []

    def broken(event: object) -> None:
        raise RuntimeError("boom")

    events = EventPublisher([broken, lambda event: seen.append(type(event).__name__)])
    events.publish([IncidentOpened(number=1, at=T0, severity=Severity.SEV2, title="Search slow")])
    assert seen == ["IncidentOpened"]
