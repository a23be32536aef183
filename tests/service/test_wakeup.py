"""Bookkeeping yields to the messages a change queued: after a ring, `Wakeup.quiet` waits until
the running dispatcher's next round has delivered them (an incident's first message creates its
channel), capped; with no dispatcher running, or once it has caught up, it does not wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.inbox import Inbox
from bot.outbox import Dispatcher
from bot.scheduler import Scheduler
from bot.wakeup import Wakeup
from incidents.ports import OutboxItem
from tests.fakes import RecordingChat


@dataclass
class GatedChat(RecordingChat):
    """Delivers once `gate` is open; notes each delivery in `order`."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    order: list[str] = field(default_factory=list)

    async def deliver(self, item: OutboxItem) -> None:
        await self.gate.wait()
        await super().deliver(item)
        self.order.append(f"delivered {item.message.kind}")


async def turns(count: int = 50) -> None:
    """Let the other tasks run `count` loop turns (no real time passes)."""
    for _ in range(count):
        await asyncio.sleep(0)


@pytest.fixture
async def running(app: App, clock: FakeClock) -> AsyncIterator[tuple[Wakeup, GatedChat]]:
    """A dispatcher on the app's store, with its own doorbell and a gated chat, running."""
    wakeup, chat = Wakeup(), GatedChat()
    dispatcher = Dispatcher(store=app.store, clock=clock, chats={"console": chat}, wakeup=wakeup)
    loop = asyncio.create_task(dispatcher.run())
    for _ in range(100):
        if wakeup.dispatching:
            break
        await asyncio.sleep(0)
    try:
        yield wakeup, chat
    finally:
        chat.gate.set()
        dispatcher.stop()
        await loop


async def test_quiet_waits_until_what_the_change_queued_is_delivered(
    app: App, running: tuple[Wakeup, GatedChat]
) -> None:
    """A change queues messages and rings: `quiet` returns after they are delivered, not
    before; once caught up, it returns at once."""
    wakeup, chat = running
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    wakeup.ring()
    waiter = asyncio.create_task(wakeup.quiet(cap=5))
    waiter.add_done_callback(lambda _: chat.order.append("quiet"))
    await turns()
    assert not waiter.done()
    chat.gate.set()
    await asyncio.wait_for(waiter, 5)
    assert chat.order[-1] == "quiet"
    assert "delivered summary" in chat.order
    await asyncio.wait_for(wakeup.quiet(cap=5), 0.5)  # caught up: no wait


async def test_quiet_is_capped_and_does_not_wait_without_a_dispatcher(
    app: App, running: tuple[Wakeup, GatedChat]
) -> None:
    """A delivery that hangs holds `quiet` only for its cap; a doorbell no dispatcher listens
    to never holds anyone."""
    wakeup, _ = running
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    wakeup.ring()
    await asyncio.wait_for(wakeup.quiet(cap=0.01), 2)
    alone = Wakeup()
    alone.ring()
    await asyncio.wait_for(alone.quiet(cap=5), 0.5)


async def test_an_inbox_command_is_marked_done_after_its_messages_went_out(
    app: App, clock: FakeClock, running: tuple[Wakeup, GatedChat]
) -> None:
    """`Inbox.done` with the doorbell's `quiet`: the mark waits for the delivery."""
    wakeup, chat = running
    inbox = Inbox(store=app.store, clock=clock, quiet=lambda: wakeup.quiet(cap=5))
    assert await inbox.record("k-1", "console", "open sev2 Flaky")
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    wakeup.ring()
    marking = asyncio.create_task(inbox.done("k-1"))
    marking.add_done_callback(lambda _: chat.order.append("done"))
    await turns()
    assert not marking.done()
    chat.gate.set()
    await asyncio.wait_for(marking, 5)
    assert chat.order.index("done") > chat.order.index("delivered summary")
    assert await app.store.pending_commands("console", 10) == []


async def test_a_scheduler_stopped_while_it_waits_for_the_dispatcher_stops(
    app: App, clock: FakeClock
) -> None:
    """`stop()` arriving while the scheduler's loop waits in `quiet` (a dispatcher behind): the
    loop ends, instead of clearing the stop's wake-up and sleeping on fake time for ever."""
    wakeup = Wakeup()
    wakeup.dispatching = True  # a dispatcher that never catches up
    wakeup.ring()
    scheduler = Scheduler(store=app.store, service=app.service, clock=clock, wakeup=wakeup)
    loop = asyncio.create_task(scheduler.run())
    await turns()  # now in `quiet` (50 ms)
    scheduler.stop()
    await asyncio.wait_for(loop, 2)
