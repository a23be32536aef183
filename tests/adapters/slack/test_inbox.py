"""Acknowledged means durable, in Slack: a command is in the inbox when Slack gets its 200, and
a restarted process runs what the previous one acknowledged and did not finish, once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import SlackAdapter
from adapters.slack.recorded import INCIDENT, Recorded
from bot.bootstrap import App, build_app
from bot.chat import CommandBus, Outcome
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from incidents.ports import InboxEntry
from tests.adapters.slack.conftest import MARIA, SAM, T0, Slack, maintainers, running_slack
from tests.adapters.slack.standin import APP_TOKEN, BOT_TOKEN, SlackStandIn
from tests.adapters.slack.test_interactivity import status_values

WAIT = 10  # seconds; only a guard against hanging, nothing here waits on time


class HeldBus:
    """The command bus, holding every request until `release()`: the work after the ack."""

    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus
        self.released = asyncio.Event()
        self.started = 0

    async def handle(self, *args: Any, **kwargs: Any) -> Outcome:
        """Wait for the release, then hand the request on."""
        self.started += 1
        await self.released.wait()
        return await self._bus.handle(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)


def hold(slack: Slack) -> HeldBus:
    """Hold the work that follows Slack's acknowledgements."""
    held = HeldBus(slack.app.service)
    slack.adapter.inbound._service = held
    return held


async def pending(app: App) -> list[InboxEntry]:
    """The inbox entries not done yet."""
    return await app.store.pending_commands("slack", 100)


async def refuse_writes(app: App) -> None:
    """Make the store refuse inbox writes (a full disk, a read-only file)."""

    async def refused(entry: InboxEntry) -> bool:
        raise OSError("disk I/O error")

    app.store.record_command = refused  # type: ignore[method-assign]


async def titles(app: App) -> list[str]:
    """The titles of the open incidents, by number."""
    async with app.store.transaction() as uow:
        return [incident.title for incident in await uow.open_incidents()]


@contextlib.asynccontextmanager
async def restarted(tmp_path: Path, standin: SlackStandIn) -> AsyncIterator[Slack]:
    """A new process on the same database: its Slack adapter runs (and replays) meanwhile."""
    async with running_slack(tmp_path, standin) as slack:
        task = asyncio.create_task(slack.adapter.run())
        try:
            await asyncio.sleep(0)  # run() takes back the inbox before it waits
            yield slack
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_a_command_is_in_the_inbox_when_it_is_acknowledged(slack: Slack) -> None:
    """The 200 ("Opening incident…") comes once the command is written, before any work; the
    entry keeps what is needed to run it again, and is done once the person has the answer."""
    held = hold(slack)
    reply = await slack.command("open sev2 Disk full on db-3")
    assert reply.text == "Opening incident…"
    [entry] = await pending(slack.app)
    assert entry.key.startswith("slack:command:")
    recorded = json.loads(entry.command)
    assert recorded["kind"] == INCIDENT
    assert recorded["text"] == "open sev2 Disk full on db-3"
    assert recorded["user"] == MARIA
    assert recorded["response_url"] == slack.standin.response_url(MARIA)
    assert await titles(slack.app) == []
    held.released.set()
    await slack.settle()
    assert await titles(slack.app) == ["Disk full on db-3"]
    assert await pending(slack.app) == []
    assert slack.responses_to(MARIA) == ["Opening incident #1… its channel is being created."]


async def test_acknowledgements_go_before_the_work_of_earlier_commands(slack: Slack) -> None:
    """In a burst, the work of a command already acknowledged does not start while another
    command is still being written to the inbox (`Inbox.acknowledged_first`): that one's
    acknowledgement goes first. Both are then carried out."""
    inbox = slack.app.ports.inbox
    assert inbox is not None
    inbox.acks_first = WAIT
    counted = hold(slack)
    counted.released.set()  # not held: only counted
    writing, written = asyncio.Event(), asyncio.Event()
    record = slack.app.store.record_command

    async def slow(entry: InboxEntry) -> bool:
        if "Cache" in entry.command:
            writing.set()
            await written.wait()
        return await record(entry)

    slack.app.store.record_command = slow  # type: ignore[method-assign]
    later = asyncio.create_task(slack.command("open sev2 Cache misses", user=SAM))
    await asyncio.wait_for(writing.wait(), WAIT)
    reply = await slack.command("open sev1 Checkout is failing")
    assert reply.text == "Opening incident…"
    for _ in range(20):
        await asyncio.sleep(0)
    assert counted.started == 0
    written.set()
    assert (await later).text == "Opening incident…"
    await slack.settle()
    assert counted.started == 2
    assert sorted(await titles(slack.app)) == ["Cache misses", "Checkout is failing"]


async def test_a_command_that_cannot_be_written_down_is_refused(slack: Slack) -> None:
    """When the inbox write fails, the acknowledgement says nothing was done, and nothing is."""
    await refuse_writes(slack.app)
    reply = await slack.run("open sev1 Checkout is failing")
    assert reply.status == 200
    assert "could not take that just now, so nothing was done" in reply.text
    assert await titles(slack.app) == []
    assert slack.standin.named("inc-") == []


async def test_a_read_is_answered_in_its_ack_and_writes_no_inbox_entry(slack: Slack) -> None:
    """`list` changes nothing, so it is not written down: it answers in the acknowledgement
    itself, even while the inbox cannot take writes."""
    await slack.run("open sev2 Disk full on db-3")
    await refuse_writes(slack.app)
    reply = await slack.run("list", user=SAM)
    assert "Disk full on db-3" in reply.text
    assert slack.responses_to(SAM) == []
    assert await pending(slack.app) == []


async def test_a_slow_read_is_acknowledged_then_answered_by_response_url(slack: Slack) -> None:
    """A read not ready within the ack's budget is acknowledged empty (Slack waits 3 s), and
    its answer follows on the response_url once, with nothing in the inbox."""
    await slack.run("open sev2 Disk full on db-3")
    slack.adapter.inbound.answer_now = 0.0
    held = hold(slack)
    reply = await slack.command("timeline 1", user=SAM)
    assert reply.status == 200
    assert reply.body is None  # the empty acknowledgement
    assert held.started == 1
    assert await pending(slack.app) == []
    held.released.set()
    await slack.settle()
    [answer] = slack.responses_to(SAM)
    assert answer.startswith("Timeline of #1")
    assert "Declared SEV-2: Disk full on db-3" in answer


async def test_clicks_and_forms_are_written_before_their_acknowledgement(slack: Slack) -> None:
    """An Acknowledge click and a submitted status form are in the inbox when bolt answers."""
    await slack.run("open sev1 Checkout is failing")
    await slack.click("sevbot_post_update", 1)
    await slack.settle()
    held = hold(slack)
    assert (await slack.click("sevbot_acknowledge", 1)).status == 200
    assert (await slack.submit(status_values("Rolling back"))).body is None
    keys = [entry.key for entry in await pending(slack.app)]
    assert [key.split(":")[1] for key in keys] == ["action", "view"]
    assert "Rolling back" not in " ".join(slack.channel(1).texts())  # the work waits
    held.released.set()
    await slack.settle()
    assert await pending(slack.app) == []
    assert "Status update from <@U0SAM>: Rolling back" in slack.channel(1).texts()[-1]


async def test_a_form_that_cannot_be_written_down_stays_open_and_says_why(slack: Slack) -> None:
    """A submission the inbox cannot take is answered with a field error, so the form stays
    open to submit again; nothing is posted."""
    await slack.run("open sev1 Checkout is failing")
    await slack.click("sevbot_post_update", 1)
    await slack.settle()
    posts = len(slack.channel(1).posts())
    await refuse_writes(slack.app)
    reply = await slack.submit(status_values("Rolling back"))
    assert reply.body["response_action"] == "errors"
    assert "nothing was done" in reply.body["errors"]["status"]
    await slack.settle()
    assert len(slack.channel(1).posts()) == posts


async def test_a_command_acknowledged_before_a_crash_runs_once_after_restarts(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """Acknowledged, then the process dies before the work: the next start opens the incident
    and answers the person; a start after that does nothing more."""
    async with running_slack(tmp_path, standin) as slack:
        hold(slack)
        assert (await slack.command("open sev1 Checkout is failing")).text == "Opening incident…"
        await slack.adapter.inbound.close(0)  # the crash: the held work never finishes
        assert await titles(slack.app) == []
    async with restarted(tmp_path, standin) as slack:
        await slack.settle()
        assert await titles(slack.app) == ["Checkout is failing"]
        assert await pending(slack.app) == []
        assert slack.channel(1).name == "inc-1-checkout-is-failing"
    answers = [x["text"] for x in standin.responses if x["key"] == MARIA]
    assert answers == ["Opening incident #1… its channel is being created."]
    async with restarted(tmp_path, standin) as slack:
        await slack.settle()
        assert await titles(slack.app) == ["Checkout is failing"]
    assert len(standin.named("inc-")) == 1
    assert len([x for x in standin.responses if x["key"] == MARIA]) == 1


async def test_a_command_done_before_the_crash_is_not_done_again(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """Done, but the process died before marking it: the replay finds the request key used
    (no second incident) and repeats the first answer, which may not have arrived."""
    async with running_slack(tmp_path, standin) as slack:

        async def lost(key: str, now: object) -> None:
            raise OSError("killed before the mark")

        slack.app.store.command_done = lost  # type: ignore[method-assign]
        await slack.run("open sev2 Search latency")
        assert await titles(slack.app) == ["Search latency"]
    async with restarted(tmp_path, standin) as slack:
        await slack.settle()
        assert await titles(slack.app) == ["Search latency"]
        assert await pending(slack.app) == []
    answers = [x["text"] for x in standin.responses if x["key"] == MARIA]
    assert answers == ["Opening incident #1… its channel is being created."] * 2
    assert len(standin.named("inc-")) == 1


async def test_a_replay_whose_response_url_expired_still_does_the_work(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """Restarted after the response_url's 30 minutes: the status update is posted all the
    same, the answer is lost (logged), and the entry is done."""
    async with running_slack(tmp_path, standin) as slack:
        await slack.run("open sev1 Checkout is failing")
        channel = slack.channel(1).id
        await slack.run(f"ic <@{SAM}>", user=SAM, channel=channel)
        hold(slack)
        await slack.command("status Rolling back the deploy", user=SAM, channel=channel)
        await slack.adapter.inbound.close(0)
    standin.responses_expired = True
    replies = len(standin.responses)
    async with restarted(tmp_path, standin) as slack:
        await slack.settle()
        assert (
            "Status update from <@U0SAM>: Rolling back the deploy" in (slack.channel(1).texts()[-1])
        )
        assert await pending(slack.app) == []
    assert len(standin.responses) == replies


async def test_socket_mode_writes_before_the_ack_and_replays_at_start(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """Over Socket Mode: an entry left by an earlier process runs when the connection starts;
    a new command is in the inbox when its ack envelope goes back, and done after its work."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_app_token=SecretStr(APP_TOKEN),
        slack_api_url=standin.api_url,
    )
    app = await build_app(settings, clock=FakeClock(T0), oncall=maintainers)
    adapter = app.chats["slack"]
    assert isinstance(adapter, SlackAdapter)
    left = Recorded(
        key="slack:command:0.0.before",
        kind=INCIDENT,
        user_id=MARIA,
        channel_id="CGENERAL",
        response_url=standin.response_url(MARIA),
        text="open sev3 Left by the last process",
    )
    await app.store.record_command(
        InboxEntry(
            key="slack:command:0.0.before", platform="slack", command=left.dump(), received_at=T0
        )
    )
    connection = asyncio.create_task(adapter.run())
    try:
        await asyncio.wait_for(standin.socket_connected.wait(), WAIT)
        await adapter.settle()
        assert await titles(app) == ["Left by the last process"]
        held = HeldBus(app.service)
        adapter.inbound._service = held
        await standin.send_envelope(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": "T0TEAM",
                    "channel_id": "CGENERAL",
                    "user_id": MARIA,
                    "command": "/incident",
                    "text": "open sev2 Over the socket",
                    "response_url": standin.response_url(MARIA),
                    "trigger_id": "1.2.socket",
                },
            }
        )
        ack = await asyncio.wait_for(standin.socket_acks.get(), WAIT)
        assert ack["payload"]["text"] == "Opening incident…"
        assert [e.key for e in await pending(app)] == ["slack:command:1.2.socket"]
        held.released.set()
        await adapter.settle()
        assert await titles(app) == ["Left by the last process", "Over the socket"]
        assert await pending(app) == []
    finally:
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)
        await app.close()


async def test_an_entry_this_version_cannot_read_is_set_aside(
    tmp_path: Path, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """An inbox entry whose command cannot be read (written by another version, say) is
    logged and marked done at start; the readable ones around it still run."""
    async with running_slack(tmp_path, standin) as slack:
        for key, command in (("slack:command:x.1", "not json"), ("slack:command:x.2", "[]")):
            await slack.app.store.record_command(
                InboxEntry(key=key, platform="slack", command=command, received_at=T0)
            )
        left = Recorded(
            key="slack:command:x.3",
            kind=INCIDENT,
            user_id=MARIA,
            channel_id="CGENERAL",
            response_url=standin.response_url(MARIA),
            text="open sev3 Still runs",
        )
        await slack.app.store.record_command(
            InboxEntry(
                key="slack:command:x.3", platform="slack", command=left.dump(), received_at=T0
            )
        )
    async with restarted(tmp_path, standin) as slack:
        await slack.settle()
        assert await titles(slack.app) == ["Still runs"]
        assert await pending(slack.app) == []
    assert "cannot read inbox entry slack:command:x.1" in caplog.text
    assert "cannot read inbox entry slack:command:x.2" in caplog.text
