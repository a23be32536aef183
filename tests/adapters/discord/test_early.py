"""Deferring from the raw gateway payload (`defer_after=0`, the default of `sevbot run`).

What goes to the store is deferred the moment INTERACTION_CREATE is read and followed up with
the reply; forms, pickers and errors found while parsing are answered directly; a deferral that
fails falls back to discord.py's own; other work waits while deferrals are being sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any, cast

import discord as dpy
import pytest

from adapters.discord import DiscordAdapter, early
from adapters.discord.callbacks import CallbackError, CallbackPoster
from adapters.discord.early import EarlyDeferral
from bot.bootstrap import App
from tests.adapters.discord.conftest import deliver, start_adapter
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.rest import Failure
from tests.adapters.discord.standin.server import Callback

CALLBACK = "POST /api/v10/interactions/{id}/{token}/callback"
DEFERRED, MESSAGE, MODAL = 5, 4, 9


@pytest.fixture
async def bot(app: App) -> AsyncIterator[DiscordAdapter]:
    """The adapter as `sevbot run` builds it: deferring at once."""
    running = await start_adapter(app, defer_after=0)
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
    await deliver(app)
    incident = await app.service.load(1)
    assert incident is not None
    assert [e.text for e in incident.timeline].count("Once only") == 1


class HeldPoster:
    """A CallbackPoster stand-in whose posts wait until the test lets them go."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.release = asyncio.Event()  # lets every post go
        self.fail = False

    async def post(self, path: str, body: bytes) -> int:
        self.paths.append(path)
        gate = self.gates.setdefault(path, asyncio.Event())
        await asyncio.wait(
            [asyncio.ensure_future(gate.wait()), asyncio.ensure_future(self.release.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self.fail:
            raise CallbackError("OSError: connection refused")
        return 204

    async def close(self) -> None:
        self.release.set()


def fake_client() -> tuple[Any, list[Any]]:
    """Just what EarlyDeferral touches of a discord.py client; and what its parser received."""
    parsed: list[Any] = []
    connection = SimpleNamespace(parsers={"INTERACTION_CREATE": parsed.append})
    client = SimpleNamespace(_connection=connection, http=SimpleNamespace(user_agent="test"))
    return client, parsed


def deferral(
    poster: HeldPoster, wanted: Callable[[Any], bool] = lambda d: bool(d.get("defer"))
) -> tuple[EarlyDeferral, Callable[[Any], None], list[Any]]:
    client, parsed = fake_client()
    unit = EarlyDeferral(cast(dpy.Client, client), wanted, poster=cast(CallbackPoster, poster))
    unit.install()
    return unit, client._connection.parsers["INTERACTION_CREATE"], parsed


async def settle() -> None:
    """Let every ready task run (no timing: the loop only runs what is already ready)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_work_waits_while_deferrals_are_sent() -> None:
    """discord.py's handling of a deferred interaction, and anyone asking `quiet()` (the
    outbox), wait until the deferrals in flight are out, and then interactions reach discord.py
    in the order they arrived; an interaction that is not deferred goes straight through."""
    poster = HeldPoster()
    unit, parse, parsed = deferral(poster)
    parse({"id": "1", "token": "a", "defer": True})
    parse({"id": "2", "token": "b", "defer": True})
    parse({"id": "3", "token": "c"})
    outbox = asyncio.create_task(unit.quiet())
    await settle()
    assert poster.paths == ["/interactions/1/a/callback", "/interactions/2/b/callback"]
    assert [d["id"] for d in parsed] == ["3"]
    assert not outbox.done()
    poster.gates["/interactions/2/b/callback"].set()  # the second deferral is out first
    await settle()
    assert [d["id"] for d in parsed] == ["3"]
    assert not outbox.done()
    poster.gates["/interactions/1/a/callback"].set()
    await outbox
    await settle()
    assert [d["id"] for d in parsed] == ["3", "1", "2"]
    assert (unit.take(1), unit.take(1), unit.take(3)) == (True, False, False)


async def test_a_failed_deferral_still_reaches_discord_py() -> None:
    """The handler is told the interaction was not deferred, and answers it itself."""
    poster = HeldPoster()
    poster.fail = True
    poster.release.set()
    unit, parse, parsed = deferral(poster)
    parse({"id": "7", "token": "x", "defer": True})
    await settle()
    assert [d["id"] for d in parsed] == ["7"]
    assert unit.take(7) is False


async def test_other_work_waits_no_longer_than_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deferral that hangs holds the outbox back for HOLD seconds at most."""
    monkeypatch.setattr(early, "HOLD", 0.01)
    poster = HeldPoster()
    unit, parse, _ = deferral(poster)
    parse({"id": "1", "token": "a", "defer": True})
    async with asyncio.timeout(5):
        await unit.quiet()
    await unit.close()


async def test_odd_payloads_and_broken_deferrals_still_reach_discord_py() -> None:
    """A payload the check cannot read, or a poster failing in an unexpected way, never stops
    the interaction from reaching discord.py (which answers or rejects it)."""

    def broken(data: Any) -> bool:
        raise KeyError("data")

    poster = HeldPoster()
    poster.release.set()
    unit, parse, parsed = deferral(poster, broken)
    parse({"id": "1", "token": "a"})
    assert [d["id"] for d in parsed] == ["1"]

    class Exploding(HeldPoster):
        async def post(self, path: str, body: bytes) -> int:
            raise RuntimeError("a bug")

    unit, parse, parsed = deferral(Exploding())
    parse({"id": "2", "defer": True})  # no token: not deferred early
    parse({"id": "3", "token": "c", "defer": True})
    parse({"id": "4", "token": "d", "defer": True})
    await settle()
    assert [d["id"] for d in parsed] == ["2", "3", "4"]
    assert (unit.take(3), unit.take(4)) == (False, False)
