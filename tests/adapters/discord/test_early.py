"""Deferring from the raw gateway payload (`defer_after=0`, the default of `sevbot run`).

What goes to the store is deferred the moment INTERACTION_CREATE is read and followed up with
the reply; forms, pickers and errors found while parsing are answered directly; a deferral that
fails falls back to discord.py's own; other work waits while deferrals are being sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any, cast

import discord as dpy
import pytest

from adapters.discord import DiscordAdapter, early
from adapters.discord.callbacks import CallbackError, CallbackPoster
from adapters.discord.early import EarlyDeferral
from adapters.discord.interactions import BAD_OPTION
from adapters.discord.render import FAILED
from bot.bootstrap import App
from tests.adapters.discord.conftest import deliver, start_adapter, times_on_timeline
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.rest import Failure
from tests.adapters.discord.standin.server import Callback

CALLBACK = "POST /api/v10/interactions/{id}/{token}/callback"
DEFERRED, MESSAGE, MODAL = 5, 4, 9


pytestmark = pytest.mark.defer_after(0)  # the adapter as `sevbot run` builds it


@pytest.fixture
async def bot(app: App) -> AsyncIterator[DiscordAdapter]:
    """The adapter as `sevbot run` builds it: deferring at once."""
    running = await start_adapter(app)
    try:
        yield running.adapter
    finally:
        await running.stop()


async def open_deferred(app: App, discord: StandIn, title: str = "Checkout is failing") -> Callback:
    """`/incident open`, its follow-up awaited and the outbox delivered; the deferral."""
    answer = await discord.slash("open", severity="SEV-1", title=title)
    assert isinstance(answer, Callback)
    await discord.followup(answer.interaction_id)
    await deliver(app)
    return answer


async def test_a_command_is_deferred_then_followed_up(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """The deferral (ephemeral "thinking…") comes first, then the reply as a follow-up."""
    answer = await open_deferred(app, discord)
    assert (answer.type, answer.ephemeral) == (DEFERRED, True)
    followup = await discord.followup(answer.interaction_id)
    assert followup.content.startswith("Opening incident #1")
    assert followup.ephemeral
    assert discord.channel_named("inc-1")["name"] == "inc-1-checkout-is-failing"
    assert discord.requests.count(CALLBACK) == 1


async def test_forms_and_errors_are_answered_directly(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """`/incident status` without text opens its form; a bad command gets its error at once."""
    await open_deferred(app, discord)
    form = await discord.slash("status", incident=1)
    assert isinstance(form, Callback)
    assert form.type == MODAL
    error = await discord.slash("action", incident=1)
    assert isinstance(error, Callback)
    assert (error.type, error.ephemeral) == (MESSAGE, True)
    assert "Say what needs doing" in error.content


async def test_a_click_that_runs_a_request_is_deferred(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Acknowledge is deferred and followed up; Change severity shows its picker directly."""
    await open_deferred(app, discord)
    summary = next(s for s in discord.posts(discord.channel_named("inc-1")) if s.custom_ids())
    ack = await discord.click(summary, "sevbot:ack:1", as_user="li")
    assert (ack.type, ack.ephemeral) == (DEFERRED, True)
    await discord.followup(ack.interaction_id)
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.acknowledged_by == f"discord:{discord.uid('li')}"
    picker = await discord.click(summary, "sevbot:sev:1")
    assert picker.type == MESSAGE


async def test_a_failed_deferral_falls_back_to_discord_py(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Discord refusing the early deferral (a 500) does not lose the command: the handler
    defers through discord.py and follows up as usual."""
    discord.fail("POST", "/interactions/{id}/{token}/callback", Failure(500))
    answer = await open_deferred(app, discord)
    assert answer.type == DEFERRED
    assert discord.requests.count(CALLBACK) == 2
    followup = await discord.followup(answer.interaction_id)
    assert followup.content.startswith("Opening incident #1")


async def test_a_replayed_interaction_changes_nothing(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """The gateway replays an INTERACTION_CREATE (after a RESUME): Discord refuses the second
    deferral, and the note is on the timeline once."""
    await open_deferred(app, discord)
    channel = discord.channel_named("inc-1")
    payload = await discord.slash("note", channel=channel, text="Once only", wait=False)
    assert isinstance(payload, dict)
    first = await discord.interact(payload)
    await discord.followup(first.interaction_id)
    answers = discord.requests.count(CALLBACK)
    await discord.dispatch("INTERACTION_CREATE", payload)
    await discord.wait_for(
        lambda: discord.requests.count(CALLBACK) >= answers + 2, "the replay's two tries"
    )
    await discord.wait_for(
        lambda: (
            len([f for f in discord.followups if f.interaction_id == first.interaction_id]) == 2
        ),
        "a second follow-up",
    )
    replies = [f.content for f in discord.followups if f.interaction_id == first.interaction_id]
    assert replies[1] == "Already done: that request was handled before."
    assert await times_on_timeline(app, "Once only") == 1


async def test_an_option_discord_py_refuses_gets_a_polite_follow_up(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """`level:1` parses for the early check, but is not one of the command's choices: discord.py
    refuses it, and the deferral is followed up with what to do instead of hanging."""
    await open_deferred(app, discord)
    answer = await discord.slash("sev", level="1", incident=1)
    assert isinstance(answer, Callback)
    assert answer.type == DEFERRED
    followup = await discord.followup(answer.interaction_id)
    assert followup.content == BAD_OPTION
    assert followup.ephemeral
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.severity.label == "SEV-1"


@pytest.mark.defer_after(10.0)
async def test_without_early_deferral_a_refused_option_is_answered_directly(
    app: App, discord: StandIn
) -> None:
    """The same refusal when answers are not deferred: a direct ephemeral message."""
    running = await start_adapter(app)
    try:
        answer = await discord.slash("sev", level="1", incident=1)
        assert isinstance(answer, Callback)
        assert (answer.type, answer.content, answer.ephemeral) == (MESSAGE, BAD_OPTION, True)
    finally:
        await running.stop()


class HeldPoster:
    """A CallbackPoster stand-in: each post waits at its own gate until the test opens it
    (unless `held` is off), and fails for the paths in `failing`."""

    def __init__(self, *, held: bool = True) -> None:
        self.posts: list[tuple[str, bytes]] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.held = held
        self.failing: set[str] = set()
        self.closed = False

    def gate(self, path: str) -> asyncio.Event:
        return self.gates.setdefault(path, asyncio.Event())

    async def post(self, path: str, body: bytes) -> int:
        self.posts.append((path, body))
        if self.held:
            await self.gate(path).wait()
        if path in self.failing:
            raise CallbackError("OSError: connection refused")
        return 204

    def close(self) -> None:
        self.closed = True

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.posts]


def deferral(
    poster: HeldPoster,
    wanted: Callable[[Any], bool] = lambda d: bool(d.get("defer")),
    *,
    answers: frozenset[int] = frozenset(),
) -> tuple[EarlyDeferral, Callable[[Any], None], list[Any]]:
    """An EarlyDeferral on just what it touches of a discord.py client; its parser, and what
    reached discord.py. The handler answers (takes) the interactions in `answers` at once."""
    parsed: list[Any] = []

    def discord_py(data: Any) -> None:
        parsed.append(data)
        if int(data["id"]) in answers:
            unit.take(int(data["id"]))

    connection = SimpleNamespace(parsers={"INTERACTION_CREATE": discord_py})
    client = SimpleNamespace(_connection=connection, http=SimpleNamespace(user_agent="test"))
    unit = EarlyDeferral(cast(dpy.Client, client), wanted, poster=cast(CallbackPoster, poster))
    unit.install()
    return unit, connection.parsers["INTERACTION_CREATE"], parsed


def interaction(number: int, *, defer: bool = True) -> dict[str, Any]:
    """A raw INTERACTION_CREATE as far as EarlyDeferral reads it."""
    return {"id": str(number), "token": f"t{number}", "application_id": "app", "defer": defer}


def callback(number: int) -> str:
    return f"/interactions/{number}/t{number}/callback"


def ids(parsed: list[Any]) -> list[int]:
    return [int(d["id"]) for d in parsed]


async def settle() -> None:
    """Let every ready task run (no timing: the loop only runs what is already ready)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_work_waits_while_deferrals_are_sent() -> None:
    """discord.py's handling of a deferred interaction, and anyone asking `quiet()` (the
    outbox), wait until the deferrals in flight are out; an interaction that is not deferred
    goes straight through."""
    poster = HeldPoster()
    unit, parse, parsed = deferral(poster)
    parse(interaction(1))
    parse(interaction(2))
    parse(interaction(3, defer=False))
    outbox = asyncio.create_task(unit.quiet())
    await settle()
    assert poster.paths == [callback(1), callback(2)]
    assert ids(parsed) == [3]
    assert not outbox.done()
    poster.gate(callback(2)).set()
    await settle()
    assert ids(parsed) == [3]
    assert not outbox.done()
    poster.gate(callback(1)).set()
    await outbox
    await settle()
    assert ids(parsed) == [3, 1, 2]
    assert (unit.take(1), unit.take(1), unit.take(3)) == (True, False, False)


async def test_interactions_reach_discord_py_in_arrival_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even once other work stops waiting (HOLD passed), a deferral that is out waits for the
    one that arrived before it."""
    monkeypatch.setattr(early, "HOLD", 0.0)  # other work never waits
    poster = HeldPoster()
    _, parse, parsed = deferral(poster)
    parse(interaction(1))
    parse(interaction(2))
    await settle()
    poster.gate(callback(2)).set()
    await settle()  # only the arrival order keeps 2 back now
    assert ids(parsed) == []
    poster.gate(callback(1)).set()
    await settle()
    assert ids(parsed) == [1, 2]


async def test_a_failed_deferral_goes_to_discord_py_at_once() -> None:
    """A refused deferral is handed over without waiting for the others: the handler has to
    answer it within Discord's 3 s itself, and is told it was not deferred."""
    poster = HeldPoster()
    poster.failing.add(callback(2))
    unit, parse, parsed = deferral(poster)
    parse(interaction(1))
    parse(interaction(2))
    await settle()
    poster.gate(callback(2)).set()
    await settle()
    assert ids(parsed) == [2]
    assert unit.take(2) is False
    poster.gate(callback(1)).set()
    await settle()
    assert ids(parsed) == [2, 1]
    assert unit.take(1) is True


async def test_a_deferral_not_answered_in_time_is_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Discord (or the way there) does not answer the deferral within TIMEOUT: the interaction
    goes to discord.py as not deferred, leaving the handler time to answer it before 3 s."""
    monkeypatch.setattr(early, "TIMEOUT", 0.0)
    poster = HeldPoster()
    unit, parse, parsed = deferral(poster)
    parse(interaction(1))
    await settle()
    assert ids(parsed) == [1]
    assert unit.take(1) is False


async def test_other_work_waits_no_longer_than_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deferral that hangs holds the outbox back for HOLD seconds at most."""
    monkeypatch.setattr(early, "HOLD", 0.0)
    poster = HeldPoster()
    unit, parse, _ = deferral(poster)
    parse(interaction(1))
    async with asyncio.timeout(5):
        await unit.quiet()
    await unit.close()


async def test_a_deferred_interaction_nobody_answers_gets_an_apology(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """discord.py dropped it (say, a button it could not match): after UNANSWERED seconds the
    person gets an ephemeral follow-up instead of "thinking…" for 15 minutes. An interaction the
    handler took gets none."""
    monkeypatch.setattr(early, "UNANSWERED", 0.0)
    poster = HeldPoster(held=False)
    _, parse, parsed = deferral(poster, answers=frozenset({2}))
    parse(interaction(1))
    parse(interaction(2))
    await settle()
    assert ids(parsed) == [1, 2]
    apologies = [(path, body) for path, body in poster.posts if path.startswith("/webhooks/")]
    assert apologies == [("/webhooks/app/t1", early.APOLOGY)]
    assert json.loads(early.APOLOGY) == {
        "content": FAILED,
        "flags": 64,
        "allowed_mentions": {"parse": []},
    }


async def test_closing_stops_what_is_pending() -> None:
    """Closing (before the client closes) cancels deferrals in flight and hands nothing more to
    discord.py."""
    poster = HeldPoster()
    unit, parse, parsed = deferral(poster)
    parse(interaction(1))
    await settle()
    await unit.close()
    await settle()
    poster.gate(callback(1)).set()
    await settle()
    assert parsed == []
    assert poster.closed


async def test_odd_payloads_and_broken_deferrals_still_reach_discord_py() -> None:
    """A payload the check cannot read, or a poster failing in an unexpected way, never stops
    the interaction from reaching discord.py (which answers or rejects it)."""

    def broken(data: Any) -> bool:
        raise KeyError("data")

    unit, parse, parsed = deferral(HeldPoster(held=False), broken)
    parse(interaction(1))
    assert ids(parsed) == [1]

    class Exploding(HeldPoster):
        async def post(self, path: str, body: bytes) -> int:
            raise RuntimeError("a bug")

    unit, parse, parsed = deferral(Exploding())
    parse({"id": "2", "defer": True})  # no token: not deferred early
    parse(interaction(3))
    parse(interaction(4))
    await settle()
    assert ids(parsed) == [2, 3, 4]
    assert (unit.take(3), unit.take(4)) == (False, False)
