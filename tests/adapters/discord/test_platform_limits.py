"""Contract: every message kind, form and command sevbot sends to Discord, through the real
discord.py client against the strict stand-in, with hostile text at the core's own maximum
lengths: Discord accepts every call, every message says whom it may ping, nobody is pinged whom
the bot did not mean, and no text a person wrote is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from incidents.messages import MessageKind
from incidents.ports import OutboxItem
from tests.adapters.discord.conftest import deliver, discord_app, discord_settings, start_adapter
from tests.adapters.discord.hostile import EVE, ampersands, hostile, readable, title
from tests.adapters.discord.standin import Callback, StandIn

DASHBOARD = "https://sevbot.example.com"
PEOPLE = ("sam", "li", "ana")


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, discord: StandIn) -> AsyncIterator[App]:
    """The app with a rotation of sam, li and ana (handoffs on Mondays) and the dashboard on."""
    rotation = {
        "name": "maintainers",
        "members": [f"discord:{discord.uid(name)}" for name in PEOPLE],
        "start": date(2026, 11, 23),
        "channel": {"discord": discord.oncall["id"]},
    }
    settings = discord_settings(
        tmp_path, discord, rotation=[rotation], public_url=DASHBOARD, web_token="t" * 32
    )
    built = await discord_app(settings, clock)
    running = await start_adapter(built)
    try:
        yield built
    finally:
        await running.stop()
        await built.close()


def record_kinds(app: App) -> list[MessageKind]:
    """The kinds of the outbox items the Discord adapter delivers, from now on."""
    adapter = app.chats["discord"]
    assert isinstance(adapter, DiscordAdapter)
    kinds: list[MessageKind] = []
    deliver_item: Callable[[OutboxItem], Awaitable[None]] = adapter.deliver

    async def recording(item: OutboxItem) -> None:
        await deliver_item(item)
        kinds.append(item.message.kind)

    adapter.deliver = recording  # type: ignore[method-assign]
    return kinds


class Session:
    """Drives the bot as people would and keeps every answer and every text typed."""

    def __init__(self, app: App, discord: StandIn, clock: FakeClock) -> None:
        self.app, self.discord, self.clock = app, discord, clock
        self.answers: list[Callback] = []
        self.typed: list[str] = []

    async def slash(self, verb: str | None, **options: Any) -> Callback:
        """A command; deliver what it caused."""
        answer = await self.discord.slash(verb, **options)
        assert isinstance(answer, Callback)
        self.answers.append(answer)
        self.typed += [v for k, v in options.items() if isinstance(v, str) and k != "command"]
        await deliver(self.app)
        return answer

    async def answered(self, answer: Awaitable[Callback], *typed: str) -> Callback:
        """A click, pick or form; deliver what it caused."""
        callback = await answer
        self.answers.append(callback)
        self.typed += typed
        await deliver(self.app)
        return callback

    async def until(self, moment: datetime, *, step: float = 15) -> None:
        """Advance the fake clock to `moment`, `step` minutes at a time, firing and delivering
        what is due on the way."""
        while self.clock.now() < moment:
            self.clock.advance(minutes=step)
            await self.app.scheduler.fire_due()
            await deliver(self.app)


async def test_every_kind_of_message_fits_discord_and_loses_nothing(
    app: App, discord: StandIn, clock: FakeClock
) -> None:
    """An incident's whole life, the on-call week and every form, with 3,000-character hostile
    text wherever the core takes that much: the stand-in refused nothing."""
    kinds = record_kinds(app)
    s = Session(app, discord, clock)
    await s.slash("open", severity="SEV-1", title=title())
    [channel] = [c for c in discord.channels.values() if str(c.get("name")).startswith("inc-1-")]
    where = {"channel": channel}
    await s.slash("open", severity="SEV-3", title=("مرحبا بالعالم 👩🏽‍💻 " * 20)[:200].strip())
    for verb in ("help", "list", "dashboard"):
        await s.slash(verb, channel=channel)
    await s.slash("sev", level=hostile(100), **where)  # an error that repeats what was typed
    await s.slash("note", text=ampersands(), **where)
    await s.slash("note", text=hostile(start=3), **where)
    await s.slash("status", text=hostile(start=5), **where)
    await s.slash("action", text=hostile(start=9), owner={"user": "li"}, **where)
    await s.slash("action", text=hostile(start=11), owner={"user": "ana"}, **where)
    await s.slash("action", done=1, **where)
    form = await s.slash("status", **where)
    assert form.type == 9
    await s.answered(
        discord.submit(form.data["custom_id"], {"text": hostile(start=13)}, **where),
        hostile(start=13),
    )
    # pages, @here, reminders, warnings and breaches, the external update due
    await s.until(datetime(2026, 11, 23, 15, 3, tzinfo=UTC), step=3)
    await s.slash("status", text=hostile(start=7), external=True, **where)
    summary = next(sent for sent in discord.posts(channel) if sent.custom_ids())
    update = await s.answered(discord.click(summary, "sevbot:update:1"))
    await s.answered(
        discord.submit(update.data["custom_id"], {"text": hostile(start=1)}, **where),
        hostile(start=1),
    )
    picker = await s.answered(discord.click(summary, "sevbot:sev:1"))
    await s.answered(discord.pick(picker, "sevbot:setsev:1", "sev2", **where))
    await s.slash("ack", **where)
    await s.slash("ic", user={"user": "li"}, **where)
    await s.slash("role", role="comms", user={"user": "ana"}, **where)
    await s.slash("phase", name="mitigation", **where)
    await s.slash("mitigated", summary=hostile(start=15), **where)
    timeline = await s.slash("timeline", **where)
    resolve = await s.answered(discord.click(summary, "sevbot:resolve:1"))
    await s.answered(
        discord.submit(resolve.data["custom_id"], {"summary": hostile(start=17)}, **where),
        hostile(start=17),
    )
    await s.slash("review", **where)
    await s.until(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # review reminder and overdue
    await s.slash("review", done="https://wiki.example.com/" + ampersands(475), **where)
    await s.slash("close", **where)
    await s.slash(None, command="oncall")
    await s.slash(None, command="oncall", text="schedule 26")
    await s.until(datetime(2026, 11, 30, 9, 15, tzinfo=UTC))  # handoff, its DMs, the nag

    assert discord.refused == [], discord.refused
    assert discord.command_uploads  # the slash commands were registered, and taken
    assert discord.channel_named("inc-2")["name"] == "inc-2"  # a title with no Latin letters
    expected = {
        MessageKind.SUMMARY, MessageKind.ANNOUNCEMENT, MessageKind.PAGE, MessageKind.NOTE,
        MessageKind.STATUS_UPDATE, MessageKind.EXTERNAL_UPDATE, MessageKind.ACTION_ADDED,
        MessageKind.ACTION_DONE, MessageKind.SEVERITY_CHANGED, MessageKind.SEVERITY_ANNOUNCEMENT,
        MessageKind.ACKNOWLEDGED, MessageKind.ROLE_ASSIGNED, MessageKind.PHASE_CHANGED,
        MessageKind.RESOLVED, MessageKind.RESOLUTION_ANNOUNCEMENT, MessageKind.REVIEW,
        MessageKind.REVIEW_DONE, MessageKind.CLOSED, MessageKind.STATUS_REMINDER,
        MessageKind.ESCALATION, MessageKind.RESPONSE_WARNING, MessageKind.RESPONSE_BREACH,
        MessageKind.PHASE_WARNING, MessageKind.PHASE_BREACH, MessageKind.EXTERNAL_UPDATE_DUE,
        MessageKind.REVIEW_REMINDER, MessageKind.HANDOFF, MessageKind.HANDOFF_DM,
        MessageKind.HANDOFF_REMINDER, MessageKind.ACTION_ITEMS_NAG,
    }  # fmt: skip
    assert expected <= set(kinds), expected - set(kinds)
    assert {answer.type for answer in s.answers} >= {4, 9}
    assert_pings_only_whom_meant(discord)
    assert_nothing_typed_is_lost(discord, s.typed)
    assert_long_replies_say_where_the_rest_is(timeline)


def assert_pings_only_whom_meant(discord: StandIn) -> None:
    """Every message and every answer names whom it may ping; only sam, li and ana are, and
    @here only in the on-call channel; roles never."""
    meant = {str(discord.uid(name)) for name in PEOPLE}
    for sent in discord.sent:
        if sent.message["author"]["id"] != discord.bot["id"]:
            continue
        assert "allowed_mentions" in sent.body, sent.text[:200]
        assert sent.pinged["roles"] == []
        assert set(sent.pinged["users"]) <= meant, sent.text[:200]
        assert str(EVE) not in sent.pinged["users"]
        if sent.pinged["everyone"]:
            assert sent.channel_id == int(discord.oncall["id"]), sent.text[:200]
    answers = [c for c in discord.callbacks.values() if c.type in (4, 7)] + discord.followups
    assert answers
    for answer in answers:
        assert answer.data.get("allowed_mentions") == {"parse": []}, answer.data


def assert_nothing_typed_is_lost(discord: StandIn, typed: list[str]) -> None:
    """Each text a person typed is whole in one message the bot posted (mentions made
    harmless but readable), or in the file attached to it."""
    posted = [
        readable(sent.text)
        for sent in discord.sent
        if sent.message["author"]["id"] == discord.bot["id"]
    ]
    files = [readable(f["content"].decode()) for sent in discord.sent for f in sent.files]
    long_texts = [text for text in typed if len(text) >= 1000]
    assert len(long_texts) >= 9
    for text in long_texts:
        assert any(text in message for message in posted + files), text[:80]


def assert_long_replies_say_where_the_rest_is(timeline: Callback) -> None:
    """A timeline too long for one reply shows its beginning, says it was cut, and where the
    whole is: attached, and on the incident's dashboard page."""
    description = timeline.data["embeds"][0]["description"]
    assert len(description) <= 4096
    assert description.endswith(
        f"the full text is in the attached timeline.md and at {DASHBOARD}/incidents/1."
    )
    [attached] = timeline.files
    assert attached["filename"] == "timeline.md"
    shown = description.split("\n\n✂️")[0].removesuffix("\n```")  # a code block closed
    assert readable(shown) in readable(attached["content"].decode())
